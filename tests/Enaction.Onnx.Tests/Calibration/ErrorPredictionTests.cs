using Enaction.Evaluation;
using Enaction.Onnx.Scoring;
using Enaction.Onnx.Tests.Scoring;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Calibration;

[Collection(BundledModelsCollection.Name)]
public class ErrorPredictionTests(BundledModels models)
{
    private static LabelledTranscript Turn(string prompt, string answer, string source, string family = "arithmetic") =>
        new(new Transcript([TranscriptMessage.User(prompt), TranscriptMessage.Assistant(answer)]), 1, source != OffPolicySources.Own, source, family);

    [Fact]
    public async Task Own_answers_are_judged_right_or_wrong_against_the_value_their_corpus_answers_share()
    {
        LabelledTranscript[] examples =
        [
            Turn("What is 12 * 7?", "It is 84.", OffPolicySources.Corpus),
            Turn("What is 12 * 7?", "12 * 7 = 84.", OffPolicySources.Corpus),
            Turn("What is 12 * 7?", "The answer is 84.", OffPolicySources.Own),      // right, in a phrasing the corpus lists lack
            Turn("What is 12 * 7?", "It is 35.", OffPolicySources.Own),              // wrong
            Turn("What is 12 * 7?", "It is 848.", OffPolicySources.Own),             // wrong: 84 only as part of a number
            Turn("What is 2 + 3?", "It is 5.", OffPolicySources.Corpus),
            Turn("What is 2 + 3?", "2 + 3 = 5.", OffPolicySources.Corpus),
            Turn("What is 2 + 3?", "5.", OffPolicySources.Own),                      // right
            Turn("Tell me about Gafan.", "Gafan is a town.", OffPolicySources.Own, "open-ended"), // no reference: not counted
        ];
        using var scorer = new OnnxConversationScorer(models.Chat);
        var scored = await ExampleScorer.ScoreAsync(scorer, examples);

        var errors = ErrorPrediction.Evaluate(scored);
        Assert.NotNull(errors);
        Assert.Equal(4, errors.Answers);
        Assert.Equal(2, errors.Wrong);
        Assert.Equal(2, errors.Span.Positives);
        Assert.InRange(errors.LowestTokenProbability.Auroc, 0, 1);
        Assert.Equal(errors, DatasetEvaluation.Evaluate(scored).Errors);

        // An open-ended-only dataset has nothing to check.
        Assert.Null(ErrorPrediction.Evaluate([.. scored.Where(s => s.Example.Family == "open-ended")]));
    }
}
