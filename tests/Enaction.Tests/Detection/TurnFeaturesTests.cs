using Enaction.Tests.Evaluation;
using Enaction.Detection;
using Enaction.Evaluation;

namespace Enaction.Tests.Detection;

public class TurnFeaturesTests
{
    [Fact]
    public void Peaks_show_a_single_surprising_word_that_the_mean_dilutes()
    {
        // Forty calm tokens with one surprising word in the middle: the mean gap barely moves, the peaks do.
        var tokens = Enumerable.Repeat((0.2, 0.2), 40).ToList();
        tokens[20] = (0.2, 8.2);
        var features = SyntheticExamples.Make(tokens, true, OffPolicySources.Swap).Features!;
        var x = features.Vector();
        Assert.Equal(TurnFeatures.VectorNames.Count, x.Length);
        var named = TurnFeatures.VectorNames.Zip(x).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(0.2, named["mean_gap"], 5);
        Assert.Equal(2.0, named["max_window_gap"], 5);   // 8 / 4
        Assert.Equal(8.2, named["max_surprisal"], 5);
        Assert.Equal(8.0 / 4, named["top_gap_mean"], 5); // top 4 of 40 gaps: 8, 0, 0, 0
        Assert.Equal(0, named["first_gap"], 5);
        Assert.Equal(0.2, named["max_window_entropy"], 5);
        Assert.Equal(1.0 / 40, named["confident_miss_rate"], 5);
        Assert.Equal(features.Curvature, named["curvature"]);
        Assert.True(named["tail_gap_z"] > features.Curvature, "the tail statistic concentrates the one departure");
    }

    [Fact]
    public void A_turn_shorter_than_a_window_is_one_window()
    {
        var features = SyntheticExamples.Make([(1.0, 2.0), (1.0, 4.0)], true, OffPolicySources.Corpus).Features!;
        Assert.Equal(2.0, features.Peaks.MaxWindowGap, 5); // (1 + 3) / 2
        Assert.Equal(1.0, features.Peaks.MaxWindowEntropy, 5);
        Assert.Equal(2.0, features.Peaks.FirstGap, 5);
        Assert.Equal(2.0, features.Peaks.TopGapMean, 5);   // both gaps: fewer than three
    }

    [Fact]
    public void A_calibration_weighs_every_feature_the_detector_computes()
    {
        var data = SyntheticExamples.Dataset(30);
        var calibration = CalibrationFitter.Fit(data, "m", "h", 0.05);
        Assert.Equal(TurnFeatures.VectorNames, calibration.OffPolicy!.Features);
        Assert.Equal(TurnFeatures.VectorNames.Count, calibration.OffPolicy.Weights.Length);
        var evaluation = DatasetEvaluation.Evaluate(data, calibration);
        Assert.Equal("calibrated", evaluation.Method);
        Assert.True(evaluation.Groups.Single(g => g.Split == "overall").Detector.Auroc > 0.95);
    }

    [Fact]
    public void Nucleus_exits_count_the_tokens_the_generator_could_not_have_sampled()
    {
        // Preferred mass of each token; the generator samples top-p 0.9: 0.95 and 0.999 are out, 0.905 is inside the tolerance.
        float[] above = [0f, 0.2f, 0.95f, 0.5f, 0.905f, 0.999f];
        var features = Features(above, topP: 0.9)!;
        Assert.Equal(0.9, features.Nucleus!.TopP);
        Assert.Equal(2, features.Nucleus.Exits);
        Assert.Equal(0.05 + 0.099 + 0.005, features.Nucleus.Excess, 5);
        var named = TurnFeatures.VectorNames.Zip(features.Vector()).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(2, named["nucleus_exits"]);

        // No nucleus known (the generator's sampler, or a scorer that sees only top-k log-probabilities): not computed.
        var unknown = Features(above, topP: null)!;
        Assert.Null(unknown.Nucleus);
        var vector = TurnFeatures.VectorNames.Zip(unknown.Vector()).ToDictionary(p => p.First, p => p.Second);
        Assert.True(double.IsNaN(vector["nucleus_exits"]) && double.IsNaN(vector["nucleus_excess"]));
        Assert.Null(Features([float.NaN, float.NaN], topP: 0.9)!.Nucleus);
    }

    [Theory]
    [InlineData("the river town", 3, 9, true)]     // " river": a whole word
    [InlineData("the river town", 4, 9, true)]     // "river"
    [InlineData("the river town", 4, 7, false)]    // "riv"
    [InlineData("GQueil said", 1, 2, false)]        // "Q" inside a word: the split may not be the one sampled
    [InlineData("GQueil said", 0, 1, false)]        // "G" opens the word but does not close it
    [InlineData("GQueil said", 6, 11, true)]        // " said"
    [InlineData("a, b", 1, 2, true)]                // punctuation
    [InlineData("fva\uFFFD, x", 3, 4, false)]      // a replacement character: bytes the sampler wrote were lost
    [InlineData("abc", 2, 2, false)]                // empty
    public void The_nucleus_judges_whole_words_only(string content, int start, int end, bool judged) =>
        Assert.Equal(judged, NucleusExits.Judges(content, start, end));

    [Fact]
    public void The_nucleus_does_not_judge_tool_calls_the_host_wrote_out()
    {
        // An assistant message with a structured call: its Content ends with the call as the host serialised it, not as
        // the model sampled it, so a token there outside the nucleus says nothing about who wrote the turn.
        const string text = "Let me check. ";
        var call = new Enaction.Transcripts.ToolCall("lookup", "{\"entity\":\"bou\"}");
        var content = text + call.Text;
        string[] words = ["Let", " me", " check", ". ", call.Text[..4], call.Text[4..]];
        Assert.Equal(content, string.Concat(words));
        var message = Enaction.Transcripts.TranscriptMessage.Assistant(content) with { ToolCalls = [call] };
        var transcript = new Enaction.Transcripts.Transcript([Enaction.Transcripts.TranscriptMessage.User("q"), message]);
        var tokens = System.Collections.Immutable.ImmutableArray.CreateBuilder<Enaction.Scoring.TokenScore>();
        tokens.Add(new Enaction.Scoring.TokenScore(1, "q", 0, Enaction.Transcripts.MessageRole.User, 0, 1, float.NaN, float.NaN, 0, float.NaN, false));
        for (int i = 0, start = 0; i < words.Length; start += words[i].Length, i++)
            tokens.Add(new Enaction.Scoring.TokenScore(2 + i, words[i], 1, Enaction.Transcripts.MessageRole.Assistant, start, start + words[i].Length, 0.4f, 0.4f, 1, 1f, false)
                { MassAbove = start >= text.Length ? 0.99f : 0.1f });
        var scores = new Enaction.Scoring.ScoredTranscript("m", transcript, tokens.ToImmutable()) { SamplingTopP = 0.9 };

        Assert.Equal(0, TurnFeatures.Compute(scores, 1)!.Nucleus!.Exits);

        // The same text with no structured call is the model's text as written: its exits count.
        var plain = new Enaction.Scoring.ScoredTranscript("m", new Enaction.Transcripts.Transcript([transcript[0], Enaction.Transcripts.TranscriptMessage.Assistant(content)]),
            tokens.ToImmutable()) { SamplingTopP = 0.9 };
        Assert.True(TurnFeatures.Compute(plain, 1)!.Nucleus!.Exits >= 1);
    }

    [Fact]
    public void Tokens_holding_a_replacement_character_are_not_part_of_the_signature()
    {
        // "lookup(fva\uFFFD, x)": the generator wrote a partial UTF-8 character, the text holds U+FFFD, and its re-encoded
        // bytes are ones the model never chose (surprisal 12 here). The rest of the turn is judged as usual.
        string[] words = ["lookup(", "fva", "\uFFFD,", " x)"];
        float[] surprisal = [0.5f, 0.7f, 12f, 0.6f];
        var content = string.Concat(words);
        var transcript = new Enaction.Transcripts.Transcript([Enaction.Transcripts.TranscriptMessage.User("q"), Enaction.Transcripts.TranscriptMessage.Assistant(content)]);
        var tokens = System.Collections.Immutable.ImmutableArray.CreateBuilder<Enaction.Scoring.TokenScore>();
        tokens.Add(new Enaction.Scoring.TokenScore(1, "q", 0, Enaction.Transcripts.MessageRole.User, 0, 1, float.NaN, float.NaN, 0, float.NaN, false));
        for (int i = 0, start = 0; i < words.Length; start += words[i].Length, i++)
            tokens.Add(new Enaction.Scoring.TokenScore(2 + i, words[i], 1, Enaction.Transcripts.MessageRole.Assistant, start, start + words[i].Length, 0.4f, surprisal[i], 1, 1f, false));
        var scores = new Enaction.Scoring.ScoredTranscript("m", transcript, tokens.ToImmutable());

        var features = TurnFeatures.Compute(scores, 1)!;
        Assert.Equal(3, features.Tokens);
        Assert.Equal(0.7, features.Peaks.MaxSurprisal, 6);
        Assert.Equal((0.5 + 0.7 + 0.6) / 3, features.MeanSurprisal, 6);
        Assert.True(ContentTokens.IsReplaced(content, 10, 12));
        Assert.False(ContentTokens.IsReplaced(content, 7, 10));
        Assert.False(ContentTokens.IsReplaced(content, 10, 99)); // out of range: not a claim about the text
    }

    [Fact]
    public void A_calibration_from_a_build_with_fewer_features_still_loads_and_scores_alike()
    {
        var data = SyntheticExamples.Dataset(30);
        var current = CalibrationFitter.Fit(data, "m", "h", 0.05);
        var n = TurnFeatures.VectorNames.Count - 2; // the 18 features before the nucleus ones
        var older = current with
        {
            OffPolicy = current.OffPolicy! with
            {
                Features = current.OffPolicy.Features[..n], Means = current.OffPolicy.Means[..n],
                Scales = current.OffPolicy.Scales[..n], Weights = current.OffPolicy.Weights[..n],
            },
        };
        var path = Path.Combine(Path.GetTempPath(), $"enaction-old-calibration-{Guid.NewGuid():N}.json");
        try
        {
            older.Save(path);
            var loaded = Calibration.Load(path);
            Assert.Equal(n, loaded.OffPolicy!.Features.Length);
            var turn = data[1].Features!;
            Assert.Equal(older.OffPolicy.Score(turn), loaded.OffPolicy.Score(turn), 12);

            // Features that are not this build's first ones are a different detector: refused, with the fix.
            var shuffled = older with { OffPolicy = older.OffPolicy with { Features = [.. older.OffPolicy.Features.Reverse()] } };
            shuffled.Save(path);
            var e = Assert.Throws<CalibrationException>(() => Calibration.Load(path));
            Assert.Contains("run `enaction calibrate` again", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static TurnFeatures? Features(float[] massAbove, double? topP)
    {
        var words = massAbove.Select((_, i) => $"w{i} ").ToList();
        var transcript = new Enaction.Transcripts.Transcript([Enaction.Transcripts.TranscriptMessage.User("q"), Enaction.Transcripts.TranscriptMessage.Assistant(string.Concat(words))]);
        var tokens = System.Collections.Immutable.ImmutableArray.CreateBuilder<Enaction.Scoring.TokenScore>();
        tokens.Add(new Enaction.Scoring.TokenScore(1, "q", 0, Enaction.Transcripts.MessageRole.User, 0, 1, float.NaN, float.NaN, 0, float.NaN, false));
        var start = 0;
        for (var i = 0; i < words.Count; i++)
        {
            tokens.Add(new Enaction.Scoring.TokenScore(2 + i, words[i], 1, Enaction.Transcripts.MessageRole.Assistant, start, start + words[i].Length, 0.5f, 0.5f, 1, 1f, false) { MassAbove = massAbove[i] });
            start += words[i].Length;
        }
        var scores = new Enaction.Scoring.ScoredTranscript("m", transcript, tokens.ToImmutable()) { SamplingTopP = topP };
        return TurnFeatures.Compute(scores, 1);
    }
}
