using System.Text;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Tests.Scoring;

public class GeneratorLogprobScoresTests
{
    private static readonly Transcript Conversation = new([new TranscriptMessage(MessageRole.User, "Hi"), new TranscriptMessage(MessageRole.Assistant, "Café 😀 ok")]);

    [Fact]
    public void Tokens_are_placed_in_their_message_by_their_bytes_even_when_a_token_ends_inside_a_character()
    {
        var emoji = Encoding.UTF8.GetBytes("😀");
        TokenLogprob[] tokens =
        [
            new("Caf", -0.5), new("é", -0.1), new(" ", -0.2),
            new("\\xf0\\x9f", -1.0, emoji[..2]), new("\\x98\\x80", -0.01, emoji[2..]), // one emoji in two tokens, as OpenAI sends bytes
            new(" ok", -0.3) { TopLogprobs = [new(" ok", -0.3), new(" no", -2.0)] },
        ];
        var scored = GeneratorLogprobScores.Score(Conversation, new Dictionary<int, IReadOnlyList<TokenLogprob>> { [1] = tokens }, "gpt-4o-mini");

        Assert.Equal("gpt-4o-mini", scored.ModelId);
        Assert.Equal([(0, 3), (3, 4), (4, 5), (5, 7), (5, 7), (7, 10)], scored.Tokens.Select(t => (t.Start, t.End)));
        Assert.All(scored.Tokens, t => Assert.Equal(1, t.Message));
        Assert.Equal(0.3f, scored.Tokens[^1].Surprisal, 6);
        Assert.Equal(1, scored.Tokens[^1].Rank);
        Assert.Equal(scored.Tokens.Length, scored.EntropyBounds.Length);
    }

    [Fact]
    public void Tokens_after_text_the_content_does_not_have_are_left_out_of_the_message()
    {
        TokenLogprob[] tokens = [new("Café", -0.5), new(" 🙂", -0.1), new(" ok", -0.2)];
        var scored = GeneratorLogprobScores.Score(Conversation, new Dictionary<int, IReadOnlyList<TokenLogprob>> { [1] = tokens }, "g");
        Assert.Equal([1, -1, -1], scored.Tokens.Select(t => t.Message));
    }
}
