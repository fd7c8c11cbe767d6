using Enaction.Scoring;
using Enaction.Served.Scoring;
using Enaction.Served.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Enaction.Served.Tests.Registration;

public class AddServedLogprobScorerTests
{
    private static IConfigurationSection Section(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>("Enaction:Served:" + s.Key, s.Value))).Build()
            .GetSection(ServedLogprobScorerOptions.SectionName);

    [Fact]
    public void The_configuration_section_registers_a_served_logprobs_scorer()
    {
        var services = new ServiceCollection();
        services.AddServedLogprobScorer(Section(("Endpoint", "http://vllm.internal:8000/v1"), ("Model", "tiny-chat"),
            ("TokenizerDirectory", ServedFixture.ModelDirectory), ("TopLogprobs", "10"), ("ServedModelIds:0", "tiny-chat-deployment"), ("Timeout", "00:00:12")));
        using var provider = services.BuildServiceProvider();
        var scorer = Assert.IsType<ServedLogprobScorer>(provider.GetRequiredService<IConversationScorer>());
        Assert.Equal(("tiny-chat", ScoringSource.ServedLogprobs), (scorer.ModelId, scorer.Source));
        Assert.Equal(["tiny-chat-deployment"], scorer.ServedModelIds);
        Assert.Equal(new Uri("http://vllm.internal:8000/v1/completions"), scorer.RequestUrl);
        Assert.Equal(2048, scorer.VocabularySize);
    }

    [Theory]
    [InlineData("Endpoint", "ftp://vllm/v1", "Enaction:Served:Endpoint is \"ftp://vllm/v1\"")]
    [InlineData("Endpoint", "not a url", "Enaction:Served:Endpoint is \"not a url\"")]
    [InlineData("TopLogprobs", "0", "Enaction:Served:TopLogprobs is 0; expected 1 to 100")]
    [InlineData("TopLogprobs", "many", "Enaction:Served:TopLogprobs is \"many\"; expected a whole number")]
    [InlineData("Timeout", "soon", "Enaction:Served:Timeout is \"soon\"")]
    [InlineData("TokenizerDirectory", "/no/such/folder", "Enaction:Served:TokenizerDirectory \"/no/such/folder\" does not exist")]
    public void A_bad_setting_fails_at_registration_naming_it(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string> { ["Endpoint"] = "http://vllm:8000/v1", ["Model"] = "tiny-chat", ["TokenizerDirectory"] = ServedFixture.ModelDirectory };
        settings[key] = value;
        var e = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddServedLogprobScorer(Section([.. settings.Select(s => (s.Key, s.Value))])));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void A_missing_model_name_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddServedLogprobScorer(o =>
        {
            o.Endpoint = new Uri("http://vllm:8000/v1");
            o.TokenizerDirectory = ServedFixture.ModelDirectory;
        }));
        Assert.StartsWith("Model is not set", e.Message);
    }
}
