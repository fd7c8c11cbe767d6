using System.Collections.Immutable;
using Enaction.Actions;
using Enaction.Detection;
using Enaction.Extensions.AI;
using Enaction.Onnx;
using Enaction.Policies;
using Enaction.SemanticKernel.Tests.Support;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Enaction.SemanticKernel.Tests.Registration;

/// <summary>Actions are open: a handler the host registers by name is an action policy rules can ask for.</summary>
public class CustomActionTests
{
    /// <summary>Flags every response that mentions a ticket number, so the rule below fires deterministically.</summary>
    private sealed class TicketDetector : IDetector
    {
        public IReadOnlyList<string> Kinds { get; } = ["ticket-mentioned"];

        // It reads text only, so it judges whatever model wrote the response (the canned generator is a surrogate's).
        public DetectorNeeds Needs => DetectorNeeds.None;

        public void Detect(DetectionContext context, List<Finding> findings)
        {
            for (var m = 0; m < context.Transcript.Count; m++)
            {
                var at = context.Transcript[m].Content.IndexOf("TICKET-", StringComparison.Ordinal);
                if (context.Transcript[m].Role == MessageRole.Assistant && at >= 0)
                    findings.Add(new Finding("ticket-mentioned", Severity.Medium, 1, 1, m, at, at + 7, ImmutableDictionary<string, object>.Empty));
            }
        }
    }

    /// <summary>What the host's action received; a service, so the handler shows it is built from the container.</summary>
    private sealed class Notifications
    {
        public List<(string Channel, string Kinds, string Stage)> Sent { get; } = [];
    }

    private sealed class NotifyHandler(Notifications notifications) : ActionHandler
    {
        public override string Name => "notify";

        public override int Strictness => 2;

        public override PolicyAction Read(ActionSettings settings)
        {
            settings.Accept("channel", "priority");
            settings.WholeNumber("priority", 1, 5);
            return base.Read(settings);
        }

        public override Task ExecuteAsync(ActionContext context, CancellationToken cancellationToken)
        {
            var action = (CustomAction)context.Action;
            notifications.Sent.Add((action.Settings["channel"], string.Join(",", context.Findings.Select(f => f.Kind)), context.Stage.ToString()));
            context.Call.Metadata["notified"] = action.Settings["channel"];
            context.Complete("notified", action.Settings["channel"]);
            return Task.CompletedTask;
        }
    }

    private static string PolicyFile(string actions)
    {
        var path = Path.Combine(Path.GetTempPath(), $"enaction-action-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"""
            name: custom-actions
            version: "1"
            mode: fail-open
            rules:
              - name: tell-ops-about-tickets
                match: {"{"} kinds: [ticket-mentioned], stage: response {"}"}
                actions:
                  {actions}
                  - log
            """);
        return path;
    }

    private static ServiceProvider Build(string policyFile, CannedChatClient generator, bool withHandler = true)
    {
        var services = new ServiceCollection()
            .AddSingleton<Notifications>()
            .AddOnnxScorer(TestPaths.InRepo("models", "tiny-chat"), Onnx.Models.ExecutionProvider.Cpu)
            .AddEnactionDetector(new TicketDetector())
            .AddEnactionMonitor(o => o.PolicyFile = policyFile);
        if (withHandler) services.AddEnactionAction<NotifyHandler>();
        services.AddChatClient(generator).UseEnactionMonitor();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_policy_rule_runs_the_hosts_registered_action_with_its_settings()
    {
        var generator = new CannedChatClient("I opened TICKET-42 for you.");
        await using var provider = Build(PolicyFile("- notify: {channel: ops, priority: 2}"), generator);
        var client = provider.GetRequiredService<IChatClient>();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Please open a ticket.")],
            new ChatOptions { ConversationId = "custom-action-1" });

        var sent = Assert.Single(provider.GetRequiredService<Notifications>().Sent);
        Assert.Equal(("ops", "ticket-mentioned", "Response"), sent);
        Assert.Equal("ops", response.AdditionalProperties!["notified"]);
        var outcomes = Assert.IsType<ActionOutcome[]>(response.AdditionalProperties[ResponseMetadata.Actions]);
        // Strictness 2 sorts it before log; its outcome word and detail are its own.
        Assert.Equal(["notify", "log"], outcomes.Select(o => o.Action));
        Assert.Equal(new ActionOutcome(PolicyStage.Response, "notify", "notified", "ops"), outcomes[0]);
        Assert.Equal(PolicyActionKind.Custom, outcomes[0].Kind);
        Assert.Equal("I opened TICKET-42 for you.", response.Text);
    }

    [Fact]
    public void An_action_name_no_handler_is_registered_for_is_rejected_with_its_line_and_the_registered_names()
    {
        var path = PolicyFile("- notify: {channel: ops}");
        using var provider = Build(path, new CannedChatClient("ok"), withHandler: false);

        var e = Assert.Throws<PolicyValidationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Equal($"{path}:8:9: unknown action \"notify\"; expected one of log, annotate, resample, verify, strip, block, escalate", e.Message);
    }

    [Fact]
    public void The_handler_reads_its_settings_and_a_bad_one_names_the_line()
    {
        var path = PolicyFile("- notify: {channel: ops, priority: 9}");
        using var provider = Build(path, new CannedChatClient("ok"));

        var e = Assert.Throws<PolicyValidationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Equal($"{path}:8:42: priority must be a whole number from 1 to 5; found \"9\"", e.Message);
    }

    [Fact]
    public void A_registered_actions_name_is_listed_when_another_name_is_unknown()
    {
        var path = PolicyFile("- notfy: {channel: ops}");
        using var provider = Build(path, new CannedChatClient("ok"));

        var e = Assert.Throws<PolicyValidationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.EndsWith("unknown action \"notfy\"; expected one of log, annotate, resample, verify, strip, block, escalate, notify", e.Message);
    }

    [Fact]
    public void A_built_in_action_cannot_be_replaced_by_a_host_handler()
    {
        var e = Assert.Throws<ArgumentException>(() => new ActionHandlerRegistry().Add(new ReplacingBlock()));
        Assert.StartsWith("\"block\" is a built-in action and cannot be replaced", e.Message);
    }

    private sealed class ReplacingBlock : ActionHandler
    {
        public override string Name => "block";

        public override Task ExecuteAsync(ActionContext context, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
