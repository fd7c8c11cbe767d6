using Enaction.Actions;
using Enaction.Monitoring;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Enaction.Extensions.AI;

/// <summary>Adds <see cref="MonitoringChatClient"/> to a chat-client pipeline.</summary>
public static class MonitoringChatClientBuilderExtensions
{
    /// <summary>
    /// Adds the Enaction monitor. Call it after <c>UseKernelFunctionInvocation()</c> / <c>UseFunctionInvocation()</c>
    /// so it sits inside the tool loop and sees every round trip. Without <paramref name="monitor"/> the monitor and
    /// the action executor come from the services (<c>AddEnactionMonitor</c>).
    /// </summary>
    public static ChatClientBuilder UseEnactionMonitor(this ChatClientBuilder builder, IConversationMonitor? monitor = null,
        Action<MonitoringChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var m = monitor ?? services.GetRequiredService<IConversationMonitor>();
            var actions = monitor is null ? services.GetService<ActionExecutor>() : null;
            var options = new MonitoringChatClientOptions { Agent = services.GetService<Microsoft.Extensions.Options.IOptions<EnactionOptions>>()?.Value.Agent };
            configure?.Invoke(options);
            return new MonitoringChatClient(inner, m, actions ?? new ActionExecutor(services.GetService<VerifierRegistry>(), services.GetService<ActionHandlerRegistry>(), (m as ConversationMonitor)?.Logger), options);
        });
    }
}
