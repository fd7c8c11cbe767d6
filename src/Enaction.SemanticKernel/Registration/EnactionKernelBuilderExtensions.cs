using Enaction.Extensions.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.SemanticKernel;

namespace Enaction.SemanticKernel;

/// <summary>Kernel-builder forms of the registration.</summary>
public static class EnactionKernelBuilderExtensions
{
    /// <summary>
    /// Registers the monitor on the kernel's services (see
    /// <see cref="EnactionServiceCollectionExtensions.AddEnactionMonitor(Microsoft.Extensions.DependencyInjection.IServiceCollection, IConfiguration)"/>)
    /// and the kernel filters (<see cref="EnactionSemanticKernelServiceCollectionExtensions.AddEnactionKernelFilters"/>).
    /// A scorer must be registered too (<c>AddOnnxScorer</c>).
    /// </summary>
    public static IKernelBuilder AddEnactionMonitor(this IKernelBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddEnactionMonitor(configuration).AddEnactionKernelFilters();
        return builder;
    }

    /// <summary>Registers the monitor configured in code.</summary>
    public static IKernelBuilder AddEnactionMonitor(this IKernelBuilder builder, Action<EnactionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddEnactionMonitor(configure).AddEnactionKernelFilters();
        return builder;
    }

    /// <summary>Registers <paramref name="generator"/> as the kernel's chat service with function invocation and the monitor inside it.</summary>
    public static IKernelBuilder AddMonitoredChatClient(this IKernelBuilder builder, Func<IServiceProvider, IChatClient> generator,
        Action<MonitoringChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMonitoredChatClient(generator, configure);
        return builder;
    }
}
