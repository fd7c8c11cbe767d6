using System.Text;
using Microsoft.Extensions.AI;

namespace Enaction.Actions;

/// <summary>
/// Asks another chat model to judge the response. The verifier model is told to answer <c>APPROVE</c> or
/// <c>REJECT</c> followed by a reason; anything that does not start with APPROVE counts as a rejection.
/// </summary>
public sealed class ChatClientVerifier : IVerifier
{
    /// <summary>The instructions sent as the system message.</summary>
    public const string DefaultInstructions =
        "You check another assistant's answer for factual errors, unsupported certainty and unsafe content. " +
        "Reply with APPROVE or REJECT on the first line, then one sentence of reasons.";

    private readonly IChatClient _client;
    private readonly string _instructions;
    private readonly ChatOptions? _options;

    /// <summary>Verifies with <paramref name="client"/>.</summary>
    public ChatClientVerifier(IChatClient client, string? instructions = null, ChatOptions? options = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _instructions = instructions ?? DefaultInstructions;
        _options = options;
    }

    /// <inheritdoc/>
    public async Task<VerificationResult> VerifyAsync(VerificationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var question = new StringBuilder();
        question.Append("Conversation so far:\n");
        for (var i = 0; i < request.Transcript.Count - 1; i++)
            question.Append(request.Transcript[i].Role.ToString().ToLowerInvariant()).Append(": ").Append(request.Transcript[i].Content).Append('\n');
        question.Append("\nAnswer to check:\n").Append(request.Response).Append('\n');
        if (request.Findings.Count > 0)
            question.Append("\nThe monitor flagged: ").Append(string.Join(", ", request.Findings.Select(f => f.Kind).Distinct())).Append('\n');
        var response = await _client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, _instructions), new ChatMessage(ChatRole.User, question.ToString())],
            _options, cancellationToken).ConfigureAwait(false);
        var text = response.Text.TrimStart();
        return text.StartsWith("APPROVE", StringComparison.OrdinalIgnoreCase)
            ? VerificationResult.Approve(Reason(text))
            : VerificationResult.Reject(Reason(text));
    }

    private static string Reason(string text)
    {
        var reason = text.Length > 200 ? text[..200] : text;
        return reason.ReplaceLineEndings(" ").Trim();
    }
}
