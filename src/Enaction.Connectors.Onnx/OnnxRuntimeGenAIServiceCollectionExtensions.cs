using Enaction.Onnx;
using Enaction.Extensions.AI;
using Enaction.Monitoring;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.SemanticKernel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntimeGenAI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Enaction.Connectors.Onnx;

/// <summary>
/// Semantic Kernel's ONNX-connector registrations (<c>AddOnnxRuntimeGenAIChatClient</c>,
/// <c>AddOnnxRuntimeGenAIChatCompletion</c>, same names and parameters) with the Enaction monitor in the pipeline:
/// a keyed <see cref="IChatClient"/> over OnnxRuntimeGenAI's generator, wrapped in kernel function invocation with
/// the monitor inside it, so every round trip of a tool loop is scored, and scored by the model that generated it:
/// the monitor's scoring model folder is <c>modelPath</c> unless configured (and must be <c>modelPath</c> if it is).
/// The monitor itself (policy, ledger, ...) is registered with <c>AddEnactionMonitor</c>.
/// </summary>
/// <remarks>
/// Unlike the connector, the prompt is rendered with the model's own chat template and tokenized by the project's
/// tokenizer (the connector's default formatter writes Phi-3 markers for every model), so the generator and the
/// scorer see the same tokens; sampling defaults come from the folder's <c>generation_config.json</c>.
/// </remarks>
public static class OnnxRuntimeGenAIServiceCollectionExtensions
{
    /// <summary>Adds a monitored OnnxRuntimeGenAI chat client for <paramref name="modelPath"/> on the folder's providers.</summary>
    /// <param name="services">The services.</param>
    /// <param name="modelPath">The model folder (<c>genai_config.json</c>, the ONNX decoder, tokenizer files).</param>
    /// <param name="chatClientOptions">
    /// <see cref="OnnxRuntimeGenAIChatClientOptions.StopSequences"/> apply to every call;
    /// <see cref="OnnxRuntimeGenAIChatClientOptions.EnableCaching"/> false disposes each call's KV cache (without
    /// options it is kept and reused for the conversation's next turn). A custom
    /// <see cref="OnnxRuntimeGenAIChatClientOptions.PromptFormatter"/> is rejected: the scorer must read the tokens
    /// the generator read.
    /// </param>
    /// <param name="serviceId">The service key; null registers the default <see cref="IChatClient"/>.</param>
    public static IServiceCollection AddOnnxRuntimeGenAIChatClient(this IServiceCollection services, string modelPath,
        OnnxRuntimeGenAIChatClientOptions? chatClientOptions = null, string? serviceId = null) =>
        services.AddGenAIChatClient(modelPath, null, chatClientOptions, serviceId, null, null);

    /// <summary>Adds a monitored OnnxRuntimeGenAI chat client for <paramref name="modelPath"/> on <paramref name="providers"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="modelPath">The model folder.</param>
    /// <param name="providers">Execution providers in order of preference, for example <c>new Provider("cuda")</c>.</param>
    /// <param name="chatClientOptions">See the overload without providers.</param>
    /// <param name="serviceId">The service key; null registers the default <see cref="IChatClient"/>.</param>
    public static IServiceCollection AddOnnxRuntimeGenAIChatClient(this IServiceCollection services, string modelPath,
        IEnumerable<Provider> providers, OnnxRuntimeGenAIChatClientOptions? chatClientOptions = null, string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(providers);
        return services.AddGenAIChatClient(modelPath, [.. providers], chatClientOptions, serviceId, null, null);
    }

    /// <summary>
    /// Adds a monitored OnnxRuntimeGenAI <see cref="IChatCompletionService"/> (keyed <paramref name="serviceId"/>)
    /// over the same pipeline as <c>AddOnnxRuntimeGenAIChatClient</c>, which it registers under the same key.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="modelId">The model id responses, metadata and the monitor's events report.</param>
    /// <param name="modelPath">The model folder.</param>
    /// <param name="serviceId">The service key.</param>
    /// <param name="loggerFactory">Logging for the function-invocation and logging layers; the services' factory when null.</param>
    public static IServiceCollection AddOnnxRuntimeGenAIChatCompletion(this IServiceCollection services, string modelId, string modelPath,
        string? serviceId = null, ILoggerFactory? loggerFactory = null) =>
        services.AddGenAIChatCompletion(modelId, modelPath, null, serviceId, loggerFactory);

    /// <summary>Adds a monitored OnnxRuntimeGenAI <see cref="IChatCompletionService"/> on <paramref name="providers"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="modelId">The model id callers and events see.</param>
    /// <param name="modelPath">The model folder.</param>
    /// <param name="providers">Execution providers in order of preference.</param>
    /// <param name="serviceId">The service key.</param>
    /// <param name="loggerFactory">Logging; the services' factory when null.</param>
    public static IServiceCollection AddOnnxRuntimeGenAIChatCompletion(this IServiceCollection services, string modelId, string modelPath,
        IEnumerable<Provider> providers, string? serviceId = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(providers);
        return services.AddGenAIChatCompletion(modelId, modelPath, [.. providers], serviceId, loggerFactory);
    }

    private static IServiceCollection AddGenAIChatCompletion(this IServiceCollection services, string modelId, string modelPath,
        IReadOnlyList<Provider>? providers, string? serviceId, ILoggerFactory? loggerFactory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        services.AddGenAIChatClient(modelPath, providers, null, serviceId, modelId, loggerFactory);
        services.AddKeyedSingleton<IChatCompletionService>(serviceId, (sp, key) =>
            sp.GetRequiredKeyedService<IChatClient>(key).AsChatCompletionService(sp));
        return services;
    }

    /// <summary>
    /// The registration behind every public form. <paramref name="underMonitor"/> wraps the generator inside the
    /// monitor (tests put a scripted tool planner there, because the bundled model cannot emit tool calls).
    /// </summary>
    internal static IServiceCollection AddGenAIChatClient(this IServiceCollection services, string modelPath, IReadOnlyList<Provider>? providers,
        OnnxRuntimeGenAIChatClientOptions? chatClientOptions, string? serviceId, string? modelId, ILoggerFactory? loggerFactory,
        Func<IChatClient, IChatClient>? underMonitor = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (chatClientOptions?.PromptFormatter is { } formatter && !ReferenceEquals(formatter, DefaultFormatter))
            throw new ArgumentException("chatClientOptions.PromptFormatter is set; Enaction renders the prompt with the model's chat template " +
                "so that the generator and the monitor's scorer see the same tokens. Leave PromptFormatter unset.", nameof(chatClientOptions));
        var stops = chatClientOptions?.StopSequences?.ToArray() ?? [];
        var cached = chatClientOptions?.EnableCaching ?? true;

        // Same-model scoring without configuration: the monitor scores with the generating folder unless told otherwise.
        services.AddOnnxScorer(modelPath);
        services.AddKeyedSingleton(serviceId, (sp, _) =>
        {
            var scorer = ScoringModel(sp, modelPath);
            return GenAIDecodingEngine.Open(modelPath, providers, new GenAIEngineOptions
            {
                CachedSequences = cached ? new GenAIEngineOptions().CachedSequences : 0,
                MaxLength = scorer.ContextLength,
            });
        });
        services.AddKeyedSingleton<IChatClient>(serviceId, (sp, key) =>
        {
            var model = ScoringModel(sp, modelPath);
            var engine = sp.GetRequiredKeyedService<GenAIDecodingEngine>(key);
            var defaults = GenerationOptions.ForModel(model.Directory) with { StopSequences = stops };
            IChatClient generator = new OnnxChatClient(model, defaults, engine, modelId);
            generator = underMonitor?.Invoke(generator) ?? generator;
            var logging = loggerFactory ?? sp.GetService<ILoggerFactory>();
            var builder = generator.AsBuilder().UseKernelFunctionInvocation(logging).UseEnactionMonitor();
            if (logging is not null) builder.UseLogging(logging);
            return builder.Build(sp);
        });
        return services;
    }

    // The formatter a fresh options object carries (null or a shared static default, depending on the GenAI version).
    private static readonly Func<IEnumerable<ChatMessage>, ChatOptions?, string>? DefaultFormatter = new OnnxRuntimeGenAIChatClientOptions().PromptFormatter;

    private static CausalLanguageModel ScoringModel(IServiceProvider services, string modelPath)
    {
        if (services.GetService<ConversationMonitor>() is null)
            throw new InvalidOperationException("AddOnnxRuntimeGenAIChatClient: the Enaction monitor is not registered; call AddEnactionMonitor(...) " +
                "with at least Enaction:PolicyFile (the scorer is the generator's own model folder unless AddOnnxScorer named another).");
        var model = services.GetRequiredService<CausalLanguageModel>();
        var generating = Path.GetFullPath(modelPath).TrimEnd(Path.DirectorySeparatorChar);
        var scoring = Path.GetFullPath(model.Directory.Path).TrimEnd(Path.DirectorySeparatorChar);
        if (!string.Equals(generating, scoring, StringComparison.Ordinal))
            throw new InvalidOperationException($"The monitor's scorer (AddOnnxScorer) loads \"{model.Directory.Path}\" but the OnnxRuntimeGenAI chat client generates with \"{modelPath}\"; " +
                "the monitor reads a model's signature only with the weights that generated. Register no other scorer, or register the generator's folder.");
        return model;
    }
}
