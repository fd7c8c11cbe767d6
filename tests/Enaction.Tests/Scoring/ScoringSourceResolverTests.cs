using Enaction.Scoring;
using Enaction.Tests.Monitoring;
using Enaction.Transcripts;

namespace Enaction.Tests.Scoring;

public class ScoringSourceResolverTests
{
    private const string Weights = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// <summary>The word scorer with a known weights hash (the identity bindings compare).</summary>
    private sealed class HashedScorer(string? sha = Weights) : IConversationScorer
    {
        private readonly WordScorer _inner = new();
        public string ModelId => _inner.ModelId;
        public string? WeightsSha256 => sha;
        public ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default) => _inner.ScoreAsync(transcript, cancellationToken);
        public IScoringSession OpenSession() => _inner.OpenSession();
        public void Dispose() { }
    }

    /// <summary>A remote scorer of a served model: it says which generators it scores with their own numbers.</summary>
    private sealed class ServedScorer : IConversationScorer
    {
        private readonly WordScorer _inner = new();
        public string ModelId => "meta-llama/Llama-3.1-8B-Instruct";
        public ScoringSource Source => ScoringSource.ServedLogprobs;
        public IReadOnlyList<string> ServedModelIds => ["llama-prod"];
        public ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default) => _inner.ScoreAsync(transcript, cancellationToken);
        public IScoringSession OpenSession() => _inner.OpenSession();
        public void Dispose() { }
    }

    [Fact]
    public void The_scorers_own_model_is_same_model_and_any_other_is_a_surrogate()
    {
        var resolver = new ScoringSourceResolver(new HashedScorer());
        Assert.Equal(ScoringSource.SameModel, resolver.Resolve("words"));
        Assert.Equal(ScoringSource.SameModel, resolver.Resolve("WORDS"));
        Assert.Equal(ScoringSource.Surrogate, resolver.Resolve("gpt-4o-mini"));
    }

    [Fact]
    public void Aliases_and_weights_bind_other_ids_to_the_scorers_weights()
    {
        var resolver = new ScoringSourceResolver(new HashedScorer(), new ScoringSourceOptions
        {
            SameModelIds = ["words-prod"],
            Generators = new Dictionary<string, string> { ["words-v2"] = Weights.ToUpperInvariant(), ["other"] = new string('f', 64) },
        });
        Assert.Equal(ScoringSource.SameModel, resolver.Resolve("words-prod"));
        Assert.Equal(ScoringSource.SameModel, resolver.Resolve("words-v2"));
        Assert.Equal(ScoringSource.Surrogate, resolver.Resolve("other"));

        // A local generator binds itself; a later bind of another file undoes it.
        Assert.Equal(ScoringSource.Surrogate, resolver.Resolve("local"));
        resolver.Bind("local", Weights);
        Assert.Equal(ScoringSource.SameModel, resolver.Resolve("local"));
        resolver.Bind("local", new string('e', 64));
        Assert.Equal(ScoringSource.Surrogate, resolver.Resolve("local"));
    }

    [Fact]
    public void A_scorer_that_cannot_name_its_weights_binds_by_id_only()
    {
        var resolver = new ScoringSourceResolver(new HashedScorer(sha: null), new ScoringSourceOptions { Generators = new Dictionary<string, string> { ["words-v2"] = Weights } });
        Assert.Equal(ScoringSource.Surrogate, resolver.Resolve("words-v2"));
    }

    [Fact]
    public void A_served_scorer_says_which_generators_it_scores_with_their_own_numbers()
    {
        var resolver = new ScoringSourceResolver(new ServedScorer());
        Assert.Equal(ScoringSource.ServedLogprobs, resolver.ScorerSource);
        Assert.Equal(ScoringSource.ServedLogprobs, resolver.Resolve("llama-prod"));
        Assert.Equal(ScoringSource.Surrogate, resolver.Resolve("gpt-4o-mini"));
    }

    [Fact]
    public void A_messages_own_model_wins_over_the_calls_which_wins_over_the_default()
    {
        var resolver = new ScoringSourceResolver(new HashedScorer(), new ScoringSourceOptions { DefaultGenerator = "gpt-4o-mini" });
        var transcript = new Transcript([
            TranscriptMessage.User("Hi"),
            TranscriptMessage.Assistant("Hello.") with { Model = "words" },
            TranscriptMessage.User("And?"),
            TranscriptMessage.Assistant("More."),
        ]);
        Assert.Equal([new MessageScoring(1, "words", ScoringSource.SameModel), new MessageScoring(3, "gpt-4o-mini", ScoringSource.Surrogate)],
            resolver.Resolve(transcript, callModel: null).ToArray());
        Assert.Equal([new MessageScoring(1, "words", ScoringSource.SameModel), new MessageScoring(3, "claude", ScoringSource.Surrogate)],
            resolver.Resolve(transcript, callModel: "claude").ToArray());
        Assert.Equal(ScoringSource.GeneratorLogprobs,
            resolver.Resolve(transcript, "claude", new Dictionary<int, ScoringSource> { [3] = ScoringSource.GeneratorLogprobs })[1].Source);

        // With no default, a message nobody names is the scorer's own: the behaviour before sources existed.
        Assert.All(new ScoringSourceResolver(new HashedScorer()).Resolve(transcript, null), s => Assert.Equal(ScoringSource.SameModel, s.Source));
    }

    [Fact]
    public void Malformed_settings_name_the_setting()
    {
        var scorer = new HashedScorer();
        Assert.Contains("Scoring:Generators:gpt", Assert.Throws<ArgumentException>(() =>
            new ScoringSourceResolver(scorer, new ScoringSourceOptions { Generators = new Dictionary<string, string> { ["gpt"] = "models/tiny-chat" } })).Message);
        Assert.Contains("Scoring:SameModelIds:0", Assert.Throws<ArgumentException>(() =>
            new ScoringSourceResolver(scorer, new ScoringSourceOptions { SameModelIds = [" "] })).Message);
        Assert.Contains("Scoring:DefaultGenerator", Assert.Throws<ArgumentException>(() =>
            new ScoringSourceResolver(scorer, new ScoringSourceOptions { DefaultGenerator = "" })).Message);
    }
}
