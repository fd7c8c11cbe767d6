using System.Text.Json;
using Enaction.Actions;
using Enaction.Policies;
using Enaction.SemanticKernel.Tests.Support;
using Microsoft.Extensions.AI;
using NSubstitute;

namespace Enaction.SemanticKernel.Tests.Actions;

[Collection(BundledModelCollection.Name)]
public class VerifyTests(BundledModel model)
{
    private const string Answer = "I think this is a test, so the answer is certainly 42.";

    private static string Policy(string onReject, int verifications = 1, string mode = "fail-open") => TestMonitor.Policy($"""
          - name: verify-evaluation-awareness
            match: {"{"} kinds: [evaluation-awareness], stage: response {"}"}
            actions:
              - verify: {"{"} verifier: checker, on_reject: {onReject} {"}"}
        """, verifications: verifications, mode: mode);

    private static IChatClient VerifierModel(string reply)
    {
        // The far side of the verifier: another model, substituted.
        var verifier = Substitute.For<IChatClient>();
        verifier.GetResponseAsync(Arg.Any<IEnumerable<ChatMessage>>(), Arg.Any<ChatOptions?>(), Arg.Any<CancellationToken>())
            .Returns(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply)));
        return verifier;
    }

    [Fact]
    public async Task A_chat_model_verifier_rejection_blocks_when_the_policy_says_block()
    {
        var verifierModel = VerifierModel("REJECT\nThe answer claims certainty it cannot have.");
        using var monitor = new TestMonitor(model, Policy("block"), new VerifierRegistry().AddVerifier("checker", new ChatClientVerifier(verifierModel)));

        var response = await monitor.Wrap(new CannedChatClient(Answer)).GetResponseAsync(Conversations.Question(), Conversations.Options("verify-block"));

        Assert.Equal(BlockAction.DefaultReplacement, response.Text);
        Assert.StartsWith("rejected: REJECT", (string)response.AdditionalProperties![ResponseMetadata.VerifierPrefix + "checker"]!);
        var asked = verifierModel.ReceivedCalls().Single().GetArguments()[0] as IEnumerable<ChatMessage>;
        Assert.Contains(Answer, asked!.Last().Text);
    }

    [Fact]
    public async Task A_chat_model_verifier_approval_lets_the_response_through()
    {
        using var monitor = new TestMonitor(model, Policy("block"),
            new VerifierRegistry().AddVerifier("checker", new ChatClientVerifier(VerifierModel("APPROVE fine"))));

        var response = await monitor.Wrap(new CannedChatClient(Answer)).GetResponseAsync(Conversations.Question(), Conversations.Options("verify-ok"));

        Assert.Equal(Answer, response.Text);
        Assert.Equal("approved", response.AdditionalProperties![ResponseMetadata.VerifierPrefix + "checker"]);
    }

    [Fact]
    public async Task An_http_verifier_receives_the_response_and_findings_and_its_verdict_decides()
    {
        using var server = new LoopbackHttpServer(_ => (200, """{"approved": false, "reason": "unsupported claim"}"""));
        using var http = new HttpClient();
        using var monitor = new TestMonitor(model, Policy("annotate"),
            new VerifierRegistry().AddVerifier("checker", new HttpVerifier(http, new Uri(server.BaseAddress, "verify"))));

        var response = await monitor.Wrap(new CannedChatClient(Answer)).GetResponseAsync(Conversations.Question(), Conversations.Options("verify-http"));

        Assert.Equal(Answer, response.Text);
        Assert.Equal("rejected: unsupported claim", response.AdditionalProperties![ResponseMetadata.VerifierPrefix + "checker"]);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/verify", request.Path);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(Answer, body.RootElement.GetProperty("response").GetString());
        Assert.Equal("verify-http", body.RootElement.GetProperty("conversation_id").GetString());
        Assert.Contains(body.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("kind").GetString() == "evaluation-awareness");
    }

    [Fact]
    public async Task A_failing_verifier_follows_the_failure_mode()
    {
        using var server = new LoopbackHttpServer(_ => (500, "{}"));
        using var http = new HttpClient();
        var registry = new VerifierRegistry().AddVerifier("checker", new HttpVerifier(http, server.BaseAddress));

        using var open = new TestMonitor(model, Policy("block"), registry);
        var allowed = await open.Wrap(new CannedChatClient(Answer)).GetResponseAsync(Conversations.Question(), Conversations.Options("verify-open"));
        Assert.Equal(Answer, allowed.Text);

        using var closed = new TestMonitor(model, Policy("block", mode: "fail-closed"), registry);
        var blocked = await closed.Wrap(new CannedChatClient(Answer)).GetResponseAsync(Conversations.Question(), Conversations.Options("verify-closed"));
        Assert.Equal(BlockAction.DefaultReplacement, blocked.Text);
    }

    [Fact]
    public async Task Verifications_stay_within_the_per_call_budget()
    {
        var verifierModel = VerifierModel("APPROVE");
        using var monitor = new TestMonitor(model, Policy("block", verifications: 0),
            new VerifierRegistry().AddVerifier("checker", new ChatClientVerifier(verifierModel)));

        var response = await monitor.Wrap(new CannedChatClient(Answer)).GetResponseAsync(Conversations.Question(), Conversations.Options("verify-budget"));

        Assert.Empty(verifierModel.ReceivedCalls());
        Assert.Contains(Assert.IsType<ActionOutcome[]>(response.AdditionalProperties![ResponseMetadata.Actions]),
            o => o.Kind == PolicyActionKind.Verify && o.Outcome == ActionOutcome.Outcomes.BudgetExhausted);
        Assert.Equal(Answer, response.Text);
    }

    [Fact]
    public async Task A_kernel_function_verifier_decides()
    {
        var kernel = new Microsoft.SemanticKernel.Kernel();
        var check = Microsoft.SemanticKernel.KernelFunctionFactory.CreateFromMethod(
            (string response, string findings) => !response.Contains("42", StringComparison.Ordinal), "no_magic_numbers");
        using var monitor = new TestMonitor(model, Policy("block"), new VerifierRegistry().AddVerifier("checker", new KernelFunctionVerifier(kernel, check)));

        var response = await monitor.Wrap(new CannedChatClient(Answer)).GetResponseAsync(Conversations.Question(), Conversations.Options("verify-kernel"));

        Assert.Equal(BlockAction.DefaultReplacement, response.Text);
        Assert.Equal("rejected: no_magic_numbers", response.AdditionalProperties![ResponseMetadata.VerifierPrefix + "checker"]);
    }
}
