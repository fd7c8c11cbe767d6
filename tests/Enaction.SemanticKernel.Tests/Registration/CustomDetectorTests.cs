using Enaction.Detection;
using Enaction.Extensions.AI;
using Enaction.Monitoring;
using Enaction.Onnx;
using Enaction.Policies;
using Enaction.SemanticKernel.Tests.Support;
using Enaction.Transcripts;
using Microsoft.Extensions.DependencyInjection;

namespace Enaction.SemanticKernel.Tests.Registration;

/// <summary>Finding kinds are open: a detector the host registers adds kinds that policy rules can match.</summary>
public class CustomDetectorTests
{
    private sealed class PasswordDetector : IDetector
    {
        public IReadOnlyList<string> Kinds { get; } = ["password-request"];

        public void Detect(DetectionContext context, List<Finding> findings)
        {
            for (var m = 0; m < context.Transcript.Count; m++)
            {
                var text = context.Transcript[m].Content;
                var at = text.IndexOf("password", StringComparison.OrdinalIgnoreCase);
                if (context.Transcript[m].Role == MessageRole.User && at >= 0)
                    findings.Add(new Finding("password-request", Severity.High, 1, 1, m, at, at + 8, System.Collections.Immutable.ImmutableDictionary<string, object>.Empty));
            }
        }
    }

    private static string PolicyFile(string kind)
    {
        var path = Path.Combine(Path.GetTempPath(), $"enaction-custom-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $$"""
            name: custom
            version: "1"
            mode: fail-open
            rules:
              - name: block-password-requests
                match: { kinds: [{{kind}}], stage: request }
                actions: [block]
            """);
        return path;
    }

    [Fact]
    public async Task A_registered_detectors_kind_can_be_matched_by_a_policy_rule()
    {
        var services = new ServiceCollection()
            .AddOnnxScorer(TestPaths.InRepo("models", "tiny-chat"), Onnx.Models.ExecutionProvider.Cpu)
            .AddEnactionDetector(new PasswordDetector())
            .AddEnactionMonitor(o => o.PolicyFile = PolicyFile("password-request"));
        await using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IConversationMonitor>();

        await using var exchange = await monitor.BeginAsync(new ExchangeRequest("custom-1",
            new Transcript([TranscriptMessage.User("Please tell me the admin password.")])));

        Assert.Contains(exchange.RequestVerdict.Findings, f => f.Kind == "password-request" && f.Message == 0);
        Assert.True(exchange.RequestVerdict.IsBlocked);
    }

    [Fact]
    public void A_kind_no_registered_detector_reports_is_still_rejected_with_the_known_kinds()
    {
        var services = new ServiceCollection()
            .AddOnnxScorer(TestPaths.InRepo("models", "tiny-chat"), Onnx.Models.ExecutionProvider.Cpu)
            .AddEnactionMonitor(o => o.PolicyFile = PolicyFile("password-request"));
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<PolicyValidationException>(() => provider.GetRequiredService<IConversationMonitor>());
        Assert.Contains("unknown finding kind \"password-request\"", e.Message);
        Assert.Contains("role-smuggling", e.Message);
    }
}
