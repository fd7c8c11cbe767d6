using Enaction.Onnx;
using Enaction.Extensions.AI;
using System.ComponentModel;
using Enaction.Connectors.Onnx.Tests.Support;
using Enaction.Monitoring;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.SemanticKernel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntimeGenAI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Enaction.Connectors.Onnx.Tests.Registration;

[Collection(GenAIModelsCollection.Name)]
public class OnnxRuntimeGenAIRegistrationTests(GenAIModels models)
{
    public sealed class Notes
    {
        public List<string> Saved { get; } = [];

        [KernelFunction("save"), Description("Saves a note and returns it.")]
        public string Save(string text)
        {
            Saved.Add(text);
            return "Saved note: " + text;
        }
    }

    private static IKernelBuilder Builder(MemoryTurnRecorder recorder, string? modelDirectory = null)
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton<ITurnRecorder>(recorder);
        if (modelDirectory is not null) builder.Services.AddOnnxScorer(modelDirectory, Enaction.Onnx.Models.ExecutionProvider.Cpu);
        builder.AddEnactionMonitor(o => o.PolicyFile = TestPolicies.AuditOnly);
        return builder;
    }

    [Fact]
    public async Task The_kernel_builder_registration_puts_the_monitor_inside_function_invocation_and_scores_with_the_generating_folder()
    {
        var recorder = new MemoryTurnRecorder();
        var builder = Builder(recorder);
        builder.AddOnnxRuntimeGenAIChatClient(GenAIModels.ChatPath);
        builder.Plugins.AddFromObject(new Notes(), "notes");
        var kernel = builder.Build();

        var client = kernel.GetRequiredService<IChatClient>();
        Assert.NotNull(client.GetService<FunctionInvokingChatClient>());
        Assert.NotNull(client.GetService<MonitoringChatClient>());
        Assert.Equal("onnxruntime-genai", client.GetService<ChatClientMetadata>()!.ProviderName);
        // Enaction:ModelDirectory was not set: the monitor scores with the folder that generates.
        Assert.Equal(Path.GetFullPath(GenAIModels.ChatPath), Path.GetFullPath(kernel.GetRequiredService<CausalLanguageModel>().Directory.Path));

        var settings = new PromptExecutionSettings
        {
            FunctionChoiceBehavior = FunctionChoiceBehavior.Auto(),
            ExtensionData = new Dictionary<string, object> { ["temperature"] = 0.0, ["max_tokens"] = 40 },
        };
        var history = new ChatHistory("You are a helpful assistant.");
        history.AddUserMessage("Tell me about the river town.");
        var reply = await client.AsChatCompletionService(kernel.Services).GetChatMessageContentAsync(history, settings, kernel);

        // The same words as the project's own generator at temperature 0.
        var own = await new OnnxChatClient(models.Model).GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are a helpful assistant."), new ChatMessage(ChatRole.User, "Tell me about the river town.")],
            new ChatOptions { Temperature = 0, MaxOutputTokens = 40 });
        Assert.Equal(own.Text, reply.Content);

        var record = Assert.Single(recorder.Records);
        Assert.Equal([2], record.Generated);
        Assert.Contains(record.Stages, s => s.Stage == "response" && s.Scores.Any(score => score.Message == 2 && score.Tokens > 0));
    }

    [Fact]
    public async Task An_auto_function_calling_loop_runs_every_round_trip_and_tool_result_through_the_monitor()
    {
        var recorder = new MemoryTurnRecorder();
        var builder = Builder(recorder);
        // The bundled model cannot emit tool calls: a scripted planner under the monitor issues one, the model writes the rest.
        builder.Services.AddGenAIChatClient(GenAIModels.ChatPath, null, null, null, null, null,
            inner => new ScriptedPlannerChatClient(inner, ("notes_save", new Dictionary<string, object?> { ["text"] = "buy bread" })));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IChatClient>().AsChatCompletionService(sp));
        var notes = new Notes();
        builder.Plugins.AddFromObject(notes, "notes");
        var kernel = builder.Build();

        var history = new ChatHistory("You are a helpful assistant.");
        history.AddUserMessage("Remember to buy bread.");
        var settings = new PromptExecutionSettings
        {
            FunctionChoiceBehavior = FunctionChoiceBehavior.Auto(),
            ExtensionData = new Dictionary<string, object> { ["max_tokens"] = 20 },
        };
        var reply = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync(history, settings, kernel);

        Assert.Equal(["buy bread"], notes.Saved);
        Assert.False(string.IsNullOrEmpty(reply.Content));
        var records = recorder.Records.ToList();
        // Two model round trips (the call, then the answer) and the tool result, each judged by the monitor.
        Assert.Equal(2, records.Count(r => r.Stages.Any(s => s.Stage == "response")));
        Assert.Contains(records, r => r.Messages.Any(m => m.Role == "tool" && m.Content.Contains("Saved note: buy bread")));
    }

    [Fact]
    public async Task The_chat_completion_form_is_keyed_and_reports_its_model_id()
    {
        var recorder = new MemoryTurnRecorder();
        var builder = Builder(recorder);
        builder.AddOnnxRuntimeGenAIChatCompletion("tiny-chat-genai", GenAIModels.ChatPath, serviceId: "local");
        var kernel = builder.Build();

        var chat = kernel.GetRequiredService<IChatCompletionService>("local");
        var history = new ChatHistory();
        history.AddUserMessage("What is 12 plus 345?");
        var reply = await chat.GetChatMessageContentAsync(history, new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { ["max_tokens"] = 12 } });

        Assert.False(string.IsNullOrEmpty(reply.Content));
        Assert.Equal("tiny-chat-genai", Assert.Single(recorder.Records).Model);
    }

    [Fact]
    public void A_monitor_scoring_another_folder_is_refused_naming_both()
    {
        var builder = Builder(new MemoryTurnRecorder(), RepoPaths.InRepo("models", "tiny-base"));
        builder.AddOnnxRuntimeGenAIChatClient(GenAIModels.ChatPath);
        var kernel = builder.Build();

        var e = Assert.Throws<InvalidOperationException>(() => kernel.GetRequiredService<IChatClient>());
        Assert.Contains("tiny-base", e.Message);
        Assert.Contains("tiny-chat", e.Message);
    }

    [Fact]
    public void A_custom_prompt_formatter_is_refused_because_the_scorer_must_read_the_generator_s_tokens()
    {
        var options = new OnnxRuntimeGenAIChatClientOptions { PromptFormatter = (_, _) => "<|user|>hi<|end|>" };
        var e = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddOnnxRuntimeGenAIChatClient(GenAIModels.ChatPath, options));
        Assert.Contains("PromptFormatter", e.Message);
    }

    [Fact]
    public void Without_the_monitor_registered_the_client_says_what_to_add()
    {
        var services = new ServiceCollection().AddOnnxRuntimeGenAIChatClient(GenAIModels.ChatPath);
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("AddEnactionMonitor", e.Message);
    }
}
