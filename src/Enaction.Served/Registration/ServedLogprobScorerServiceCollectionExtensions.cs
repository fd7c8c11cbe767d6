using Enaction.Scoring;
using Enaction.Served.Scoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Enaction.Served;

/// <summary>Registers a vLLM server that serves the generator's weights as the monitor's scorer (served-logprobs).</summary>
public static class ServedLogprobScorerServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> the scorer uses (<c>IHttpClientFactory</c>): configure handlers, proxies or certificates on it.</summary>
    public const string HttpClientName = "Enaction.Served";

    /// <summary>
    /// Registers a <see cref="ServedLogprobScorer"/> as the <see cref="IConversationScorer"/> (the first scorer
    /// registration wins). The options are validated here, so a bad setting fails at start-up with its name.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is missing or out of range.</exception>
    public static IServiceCollection AddServedLogprobScorer(this IServiceCollection services, Action<ServedLogprobScorerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ServedLogprobScorerOptions();
        configure(options);
        return services.AddServedLogprobScorer(options, "");
    }

    /// <summary>
    /// Registers the scorer from a configuration section (usually <c>configuration.GetSection("Enaction:Served")</c>):
    /// <c>Endpoint</c>, <c>Model</c>, <c>TokenizerDirectory</c>, and optionally <c>ChatTemplate</c>, <c>TopLogprobs</c>
    /// (default 20), <c>VocabularySize</c>, <c>Timeout</c> (default 00:00:30), <c>ApiKey</c>, <c>ServedModelIds</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is missing or out of range; the message names it with the section's path.</exception>
    public static IServiceCollection AddServedLogprobScorer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var path = (configuration as IConfigurationSection)?.Path is { Length: > 0 } p ? p + ":" : "";
        var options = new ServedLogprobScorerOptions
        {
            Endpoint = Uri.TryCreate(configuration["Endpoint"], UriKind.Absolute, out var endpoint) ? endpoint : null,
            Model = configuration["Model"],
            TokenizerDirectory = configuration["TokenizerDirectory"],
            ChatTemplate = configuration["ChatTemplate"],
            ApiKey = configuration["ApiKey"],
            ServedModelIds = configuration.GetSection("ServedModelIds").GetChildren().Select(c => c.Value).OfType<string>().ToList(),
        };
        if (configuration["Endpoint"] is { Length: > 0 } raw && options.Endpoint is null)
            throw new ArgumentException($"{path}Endpoint is \"{raw}\"; expected the http(s) base URL of a vLLM OpenAI-compatible server, for example http://vllm:8000/v1.", nameof(configuration));
        options.TopLogprobs = Number(configuration, path, "TopLogprobs") ?? options.TopLogprobs;
        options.VocabularySize = Number(configuration, path, "VocabularySize");
        if (configuration["Timeout"] is { Length: > 0 } timeout)
            options.Timeout = TimeSpan.TryParse(timeout, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t
                : throw new ArgumentException($"{path}Timeout is \"{timeout}\"; expected a time span, for example 00:00:30.", nameof(configuration));
        return services.AddServedLogprobScorer(options, path);
    }

    private static IServiceCollection AddServedLogprobScorer(this IServiceCollection services, ServedLogprobScorerOptions options, string path)
    {
        options.Validate(path);
        // The scorer's own deadline cancels a request; HttpClient's 100 s default must not cut a longer configured one.
        services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddSingleton<IConversationScorer>(sp => new ServedLogprobScorer(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), options,
            sp.GetService<ILoggerFactory>()?.CreateLogger("Enaction.Served")));
        return services;
    }

    private static int? Number(IConfiguration configuration, string path, string key) =>
        configuration[key] is not { Length: > 0 } text ? null
        : int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
        : throw new ArgumentException($"{path}{key} is \"{text}\"; expected a whole number.", nameof(configuration));
}
