using Enaction.Actions;
using Enaction.Extensions.AI;
using Enaction.Monitoring;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Enaction.SemanticKernel;

/// <summary>The Semantic Kernel parts of the registration.</summary>
public static class EnactionSemanticKernelServiceCollectionExtensions
{
    /// <summary>
    /// Registers the two kernel filters: <see cref="EnactionFunctionInvocationFilter"/> (function and agent names for
    /// policies) and <see cref="EnactionAutoFunctionInvocationFilter"/> (each tool result judged as it returns). Needs
    /// the monitor (<c>AddEnactionMonitor</c>).
    /// </summary>
    public static IServiceCollection AddEnactionKernelFilters(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFunctionInvocationFilter, EnactionFunctionInvocationFilter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAutoFunctionInvocationFilter, EnactionAutoFunctionInvocationFilter>(
            sp => new EnactionAutoFunctionInvocationFilter(sp.GetRequiredService<IConversationMonitor>(), sp.GetRequiredService<ActionExecutor>())));
        return services;
    }

    /// <summary>Registers a kernel function as a verifier (<see cref="KernelFunctionVerifier"/>), run on the registered <see cref="Kernel"/>.</summary>
    public static IServiceCollection AddEnactionVerifier(this IServiceCollection services, string name, KernelFunction function) =>
        services.AddEnactionVerifier(name, sp => new KernelFunctionVerifier(sp.GetRequiredService<Kernel>(), function));

    /// <summary>
    /// Registers <see cref="IChatClient"/> as <paramref name="generator"/> wrapped in kernel function invocation with
    /// the monitor inside it (every round trip of a tool loop is monitored), and <see cref="IChatCompletionService"/>
    /// over that client for Semantic Kernel.
    /// </summary>
    public static IServiceCollection AddMonitoredChatClient(this IServiceCollection services, Func<IServiceProvider, IChatClient> generator,
        Action<MonitoringChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        services.AddSingleton(sp => generator(sp).AsBuilder()
            .UseKernelFunctionInvocation(sp.GetService<ILoggerFactory>())
            .UseEnactionMonitor(configure: configure)
            .Build(sp));
        services.AddSingleton(sp => sp.GetRequiredService<IChatClient>().AsChatCompletionService(sp));
        return services;
    }
}
