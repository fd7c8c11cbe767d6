using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Onnx.Templates;
using Enaction.Scoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Enaction.Onnx;

/// <summary>Registers a local ONNX model as the monitor's scorer.</summary>
public static class OnnxScorerServiceCollectionExtensions
{
    /// <summary>Accepted execution provider names (configuration <c>Provider</c>).</summary>
    public static IReadOnlyList<string> Providers { get; } = ["auto", "cpu", "cuda"];

    /// <summary>
    /// Registers <see cref="CausalLanguageModel"/> loaded from <paramref name="modelDirectory"/> and an
    /// <see cref="OnnxConversationScorer"/> over it as the <see cref="IConversationScorer"/>. The first registration
    /// wins, so a generator registered on the same folder shares the one loaded model (same-model scoring).
    /// </summary>
    /// <exception cref="ArgumentException">The folder is not set or does not exist (the message names it).</exception>
    public static IServiceCollection AddOnnxScorer(this IServiceCollection services, string modelDirectory,
        ExecutionProvider provider = ExecutionProvider.Auto, OnnxScorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (string.IsNullOrWhiteSpace(modelDirectory))
            throw new ArgumentException("The scoring model folder is not set; expected a folder with model.onnx, config.json and tokenizer files, for example models/tiny-chat.", nameof(modelDirectory));
        if (!Directory.Exists(modelDirectory))
            throw new ArgumentException($"The scoring model folder \"{modelDirectory}\" does not exist; expected a folder with model.onnx, config.json and tokenizer files, for example models/tiny-chat.", nameof(modelDirectory));
        options?.Validate();
        services.TryAddSingleton(sp =>
        {
            var modelOptions = new ModelOptions
            {
                ExecutionProvider = provider,
                Logger = sp.GetService<ILoggerFactory>()?.CreateLogger("Enaction.Onnx"),
            };
            foreach (var recognizer in sp.GetServices<IChatTemplateRecognizer>()) modelOptions.ChatTemplateRecognizers.Add(recognizer);
            return CausalLanguageModel.Load(modelDirectory, modelOptions);
        });
        services.TryAddSingleton<IConversationScorer>(sp => new OnnxConversationScorer(sp.GetRequiredService<CausalLanguageModel>(), options: options));
        return services;
    }

    /// <summary>
    /// Registers a chat template recogniser: the scoring model's template is asked of it before the built-in one, so a
    /// host can render a template family the built-in renderers do not know (see <see cref="IChatTemplateRecognizer"/>).
    /// </summary>
    public static IServiceCollection AddChatTemplateRecognizer(this IServiceCollection services, IChatTemplateRecognizer recognizer)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(recognizer);
        services.AddSingleton(recognizer);
        return services;
    }

    /// <summary>
    /// Registers the scorer from a configuration section (usually <c>configuration.GetSection("Enaction")</c>):
    /// <c>ModelDirectory</c> and <c>Provider</c> (auto, cpu or cuda; default auto).
    /// </summary>
    /// <exception cref="ArgumentException">A setting is missing or out of range; the message names it with the section's path.</exception>
    public static IServiceCollection AddOnnxScorer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var path = (configuration as IConfigurationSection)?.Path is { Length: > 0 } p ? p + ":" : "";
        var directory = configuration["ModelDirectory"];
        if (string.IsNullOrWhiteSpace(directory))
            throw new ArgumentException($"{path}ModelDirectory is not set; expected the scoring model folder (model.onnx, config.json, tokenizer files), for example models/tiny-chat.", nameof(configuration));
        if (!Directory.Exists(directory))
            throw new ArgumentException($"{path}ModelDirectory \"{directory}\" does not exist; expected the scoring model folder, for example models/tiny-chat.", nameof(configuration));
        var name = configuration["Provider"] ?? "auto";
        if (!Providers.Contains(name.Trim().ToLowerInvariant()))
            throw new ArgumentException($"{path}Provider is \"{name}\"; expected one of {string.Join(", ", Providers)}.", nameof(configuration));
        return services.AddOnnxScorer(directory, Enum.Parse<ExecutionProvider>(name.Trim(), ignoreCase: true));
    }
}
