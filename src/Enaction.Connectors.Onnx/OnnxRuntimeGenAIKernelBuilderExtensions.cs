using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntimeGenAI;
using Microsoft.SemanticKernel;

namespace Enaction.Connectors.Onnx;

/// <summary>The kernel-builder forms of <see cref="OnnxRuntimeGenAIServiceCollectionExtensions"/>.</summary>
public static class OnnxRuntimeGenAIKernelBuilderExtensions
{
    /// <summary>Adds a monitored OnnxRuntimeGenAI chat client (see <see cref="OnnxRuntimeGenAIServiceCollectionExtensions"/>).</summary>
    public static IKernelBuilder AddOnnxRuntimeGenAIChatClient(this IKernelBuilder builder, string modelPath,
        OnnxRuntimeGenAIChatClientOptions? chatClientOptions = null, string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOnnxRuntimeGenAIChatClient(modelPath, chatClientOptions, serviceId);
        return builder;
    }

    /// <summary>Adds a monitored OnnxRuntimeGenAI chat client on <paramref name="providers"/>.</summary>
    public static IKernelBuilder AddOnnxRuntimeGenAIChatClient(this IKernelBuilder builder, string modelPath,
        IEnumerable<Provider> providers, OnnxRuntimeGenAIChatClientOptions? chatClientOptions = null, string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOnnxRuntimeGenAIChatClient(modelPath, providers, chatClientOptions, serviceId);
        return builder;
    }

    /// <summary>Adds a monitored OnnxRuntimeGenAI chat-completion service.</summary>
    public static IKernelBuilder AddOnnxRuntimeGenAIChatCompletion(this IKernelBuilder builder, string modelId, string modelPath,
        string? serviceId = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOnnxRuntimeGenAIChatCompletion(modelId, modelPath, serviceId, loggerFactory);
        return builder;
    }

    /// <summary>Adds a monitored OnnxRuntimeGenAI chat-completion service on <paramref name="providers"/>.</summary>
    public static IKernelBuilder AddOnnxRuntimeGenAIChatCompletion(this IKernelBuilder builder, string modelId, string modelPath,
        IEnumerable<Provider> providers, string? serviceId = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOnnxRuntimeGenAIChatCompletion(modelId, modelPath, providers, serviceId, loggerFactory);
        return builder;
    }
}
