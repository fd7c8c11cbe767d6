using Enaction.Onnx;
using Enaction.Extensions.AI;
using Enaction.Connectors.Onnx.Tests.Support;
using Enaction.Monitoring;
using Enaction.SemanticKernel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Enaction.Connectors.Onnx.Tests.Agents;

[Collection(GenAIModelsCollection.Name)]
public class AgentInstructionsTests
{
    [Fact]
    public async Task An_agent_s_instructions_are_scored_as_the_system_turn()
    {
        var recorder = new MemoryTurnRecorder();
        var services = new ServiceCollection();
        services.AddSingleton<ITurnRecorder>(recorder);
        services.AddEnactionMonitor(o =>
        {
            o.PolicyFile = TestPolicies.AuditOnly;
        });
        services.AddOnnxRuntimeGenAIChatClient(GenAIModels.ChatPath);
        using var provider = services.BuildServiceProvider();

        // ChatClientAgent passes its instructions as ChatOptions.Instructions, not as a message.
        var agent = provider.GetRequiredService<IChatClient>().AsAIAgent(instructions: "You are a helpful assistant.", name: "guide");
        var response = await agent.RunAsync("Tell me about the river town.");

        Assert.False(string.IsNullOrEmpty(response.Text));
        var record = Assert.Single(recorder.Records);
        Assert.Equal("system", record.Messages[0].Role);
        Assert.Equal("You are a helpful assistant.", record.Messages[0].Content);
        Assert.Equal("user", record.Messages[1].Role);
        Assert.Equal([2], record.Generated);
        Assert.Contains(record.Stages, s => s.Scores.Any(score => score.Message == 0 && score.Tokens > 0));
    }
}
