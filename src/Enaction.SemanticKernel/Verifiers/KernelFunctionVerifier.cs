using Enaction.Extensions.AI;
using Enaction.Actions;
using Microsoft.SemanticKernel;

namespace Enaction.SemanticKernel;

/// <summary>
/// A verifier backed by a kernel function. The function receives <c>response</c>, <c>transcript</c> and
/// <c>findings</c> arguments and returns a bool, or text starting with APPROVE / REJECT.
/// </summary>
public sealed class KernelFunctionVerifier : IVerifier
{
    private readonly Kernel _kernel;
    private readonly KernelFunction _function;

    /// <summary>Verifies by invoking <paramref name="function"/> on <paramref name="kernel"/>.</summary>
    public KernelFunctionVerifier(Kernel kernel, KernelFunction function)
    {
        _kernel = kernel ?? throw new ArgumentNullException(nameof(kernel));
        _function = function ?? throw new ArgumentNullException(nameof(function));
    }

    /// <inheritdoc/>
    public async Task<VerificationResult> VerifyAsync(VerificationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var arguments = new KernelArguments
        {
            ["response"] = request.Response,
            ["transcript"] = Transcripts.TranscriptJson.ToJson(request.Transcript),
            ["findings"] = string.Join(", ", request.Findings.Select(f => f.Kind).Distinct()),
        };
        var result = await _function.InvokeAsync(_kernel, arguments, cancellationToken).ConfigureAwait(false);
        var value = result.GetValue<object>();
        if (value is bool approved) return new VerificationResult(approved, _function.Name);
        var text = (value?.ToString() ?? "").TrimStart();
        return new VerificationResult(text.StartsWith("APPROVE", StringComparison.OrdinalIgnoreCase), text.Length > 200 ? text[..200] : text);
    }
}
