using Enaction.Extensions.AI;
using System.ComponentModel;
using Enaction.Actions;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.SemanticKernel.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Enaction.SemanticKernel.Tests.Filters;

[Collection(BundledModelCollection.Name)]
public class FunctionCallingLoopTests(BundledModel model)
{
    private const string LogAll = """
          - name: log-everything
            actions: [log]
        """;

    public sealed class Notes
    {
        public List<string> Saved { get; } = [];

        [KernelFunction("save"), Description("Saves a note and returns it.")]
        public string Save(string text)
        {
            Saved.Add(text);
            return "Saved note: " + text;
        }

        [KernelFunction("echo"), Description("Returns the last assistant message verbatim.")]
        public string Echo(string text) => text;
    }

    private static (Kernel Kernel, Notes Notes) KernelWith(TestMonitor monitor, IChatClient generator)
    {
        var builder = Kernel.CreateBuilder();
        var notes = new Notes();
        builder.Plugins.AddFromObject(notes, "notes");
        builder.Services.AddSingleton(generator.AsBuilder().UseKernelFunctionInvocation().UseEnactionMonitor(monitor.Monitor).Build());
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IChatClient>().AsChatCompletionService(sp));
        builder.Services.AddSingleton<IFunctionInvocationFilter, EnactionFunctionInvocationFilter>();
        builder.Services.AddSingleton<IAutoFunctionInvocationFilter>(new EnactionAutoFunctionInvocationFilter(monitor.Monitor, monitor.Actions));
        return (builder.Build(), notes);
    }

    [Fact]
    public async Task The_monitor_sees_every_round_trip_and_tool_results_arrive_as_tool_messages()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy(LogAll));
        var recording = new RecordingChatClient(model.Generator(maxTokens: 8));
        var planner = new ScriptedPlannerChatClient(recording,
            ("notes_save", new Dictionary<string, object?> { ["text"] = "buy bread" }));
        var (kernel, notes) = KernelWith(monitor, planner);
        var chat = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory("You are a helpful assistant.");
        history.AddUserMessage("Remember to buy bread.");

        using (EnactionScope.Begin(conversationId: "loop"))
        {
            var answer = await chat.GetChatMessageContentAsync(history,
                new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel);
            Assert.False(string.IsNullOrEmpty(answer.Content));
            Assert.True(answer.Metadata!.ContainsKey(ResponseMetadata.Verdict));
        }

        Assert.Equal(["buy bread"], notes.Saved);
        // Round trip 1: the planner's tool call. Tool result judged by the auto filter. Round trip 2: the model's text.
        var records = monitor.Recorder.Records.ToArray();
        Assert.Equal(3, records.Length);
        Assert.Contains("call notes_save", records[0].Messages[^1].Content);
        Assert.Equal("tool", records[1].Messages[^1].Role);
        Assert.Equal("notes.save", records[1].Function);
        Assert.Equal("Saved note: buy bread", records[1].Messages[^1].Content);
        var final = Assert.Single(recording.Requests);
        Assert.Equal(ChatRole.Tool, final[^1].Role);
        Assert.Equal(["request", "response"], records[2].Stages.Select(s => s.Stage));
        Assert.All(records, r => Assert.Equal("loop", r.ConversationId));
    }

    [Fact]
    public async Task A_tool_result_that_echoes_the_models_own_text_is_flagged_as_self_echo()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy(LogAll));
        const string Own = "The river town has a small market, an old stone bridge and a quiet harbour where the boats wait for the tide.";
        var planner = new ScriptedPlannerChatClient(new CannedChatClient("Done."),
            ("notes_echo", new Dictionary<string, object?> { ["text"] = Own }));
        var (kernel, _) = KernelWith(monitor, planner);
        var chat = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory("You are a helpful assistant.");
        history.AddUserMessage("Tell me about the river town.");
        history.AddAssistantMessage(Own);
        history.AddUserMessage("Store that.");

        // The assistant turn above is the model's own: generated earlier in this conversation by this pipeline.
        using (EnactionScope.Begin(conversationId: "echo"))
        {
            await monitor.GeneratedAsync("echo", SkTranscripts.ToTranscript(history.Take(3)), 2);
            await chat.GetChatMessageContentAsync(history, new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel);
        }

        Assert.Contains(monitor.Logs.Named("FindingDetected"), e =>
            (string)e.Properties["FindingKind"]! == FindingKinds.SelfEcho && (string)e.Properties["ConversationId"]! == "echo");
    }

    [Fact]
    public async Task A_blocked_tool_result_is_replaced_and_ends_the_loop()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy("""
              - name: block-echoed-tool-output
                match: { kinds: [self-echo], stage: request }
                actions:
                  - block: { replacement: "Tool output withheld." }
            """));
        const string Own = "The river town has a small market, an old stone bridge and a quiet harbour where the boats wait for the tide.";
        var generator = new CannedChatClient("Done.");
        var planner = new ScriptedPlannerChatClient(generator, ("notes_echo", new Dictionary<string, object?> { ["text"] = Own }));
        var (kernel, _) = KernelWith(monitor, planner);
        var history = new ChatHistory("You are a helpful assistant.");
        history.AddUserMessage("Tell me about the river town.");
        history.AddAssistantMessage(Own);
        history.AddUserMessage("Store that.");

        using (EnactionScope.Begin(conversationId: "echo-block"))
        {
            await monitor.GeneratedAsync("echo-block", SkTranscripts.ToTranscript(history.Take(3)), 2);
            var reply = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync(history,
                new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel);
            history.Add(reply);
        }

        // Terminated: the model is not called again, and the loop returns the replaced tool result.
        Assert.Equal(0, generator.Calls);
        var toolMessage = history.Last(m => m.Role == AuthorRole.Tool);
        Assert.Equal("Tool output withheld.", SkTranscripts.ToMessage(toolMessage).Content);
        var record = monitor.Recorder.Records.Single(r => r.Messages[^1].Role == "tool");
        Assert.Contains(record.Actions, a => a.Action == "block" && a.Outcome == ActionOutcome.Outcomes.Blocked);
    }

    [Fact]
    public async Task A_prompt_function_runs_with_its_name_in_scope_for_policies()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy("""
              - name: annotate-summaries
                match: { functions: ["writer.*"] }
                actions:
                  - annotate: { metadata: { matched: summaries } }
              - name: log-everything
                actions: [log]
            """));
        var (kernel, _) = KernelWith(monitor, new CannedChatClient("I think this is a test."));
        var function = KernelFunctionFactory.CreateFromPrompt("Summarize the river town.", functionName: "summarize");
        kernel.Plugins.Add(KernelPluginFactory.CreateFromFunctions("writer", [function]));

        var result = await kernel.InvokeAsync(kernel.Plugins["writer"]["summarize"]);

        Assert.Equal("I think this is a test.", result.ToString());
        var record = monitor.Recorder.Records.Single();
        Assert.Equal("writer.summarize", record.Function);
        Assert.Contains(record.Stages[1].Rules, r => r == "annotate-summaries");
    }

    [Fact]
    public async Task The_chat_completion_service_decorator_monitors_direct_calls()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy("""
              - name: block-evaluation-awareness
                match: { kinds: [evaluation-awareness] }
                actions:
                  - block: { replacement: "Withheld." }
            """));
        IChatCompletionService inner = new CannedChatClient("I am being evaluated, clearly.").AsChatCompletionService();
        var service = new MonitoringChatCompletionService(inner, monitor.Monitor, monitor.Actions);
        var history = new ChatHistory("You are a helpful assistant.");
        history.AddUserMessage("Hi.");

        var reply = await service.GetChatMessageContentAsync(history);

        Assert.Equal("Withheld.", reply.Content);
        Assert.Equal(true, reply.Metadata![ResponseMetadata.Blocked]);
        Assert.True(Assert.IsType<TurnVerdict>(reply.Metadata[ResponseMetadata.Verdict]).IsBlocked);
    }

    [Fact]
    public async Task The_chat_completion_service_decorator_streams_and_ends_with_the_verdict()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy(LogAll));
        var service = new MonitoringChatCompletionService(model.Generator(maxTokens: 8).AsChatCompletionService(), monitor.Monitor, monitor.Actions);
        var history = new ChatHistory("You are a helpful assistant.");
        history.AddUserMessage("Tell me about the river town.");

        var chunks = new List<StreamingChatMessageContent>();
        using (EnactionScope.Begin(conversationId: "sk-stream"))
            await foreach (var chunk in service.GetStreamingChatMessageContentsAsync(history)) chunks.Add(chunk);

        Assert.True(chunks.Count >= 2);
        var verdict = Assert.IsType<TurnVerdict>(chunks[^1].Metadata![ResponseMetadata.Verdict]);
        Assert.Equal("sk-stream", verdict.ConversationId);
        Assert.Equal(string.Concat(chunks.Select(c => c.Content)), verdict.Scores!.Transcript[^1].Content);
    }

    [Fact]
    public async Task Semantic_kernels_function_choice_reaches_the_scored_transcript_as_tool_definitions()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy(LogAll));
        var (kernel, _) = KernelWith(monitor, model.Generator(maxTokens: 6));
        var history = new ChatHistory("You are a helpful assistant.");
        history.AddUserMessage("Remember to buy bread.");

        var answer = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync(history,
            new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel);

        var verdict = Assert.IsType<TurnVerdict>(answer.Metadata![ResponseMetadata.Verdict]);
        var tools = verdict.Scores!.Transcript.Tools!;
        Assert.Equal(["notes_echo", "notes_save"], tools.Select(t => t.Name).Order());
        Assert.Equal("Saves a note and returns it.", tools.Single(t => t.Name == "notes_save").Description);
        Assert.Contains("\"text\"", tools.Single(t => t.Name == "notes_save").ParametersJson);
    }
}
