using Enaction.Detection;
using Enaction.Provenance;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Tests.Detection;

public class PromptContrastTests
{
    private static readonly Transcript Conversation = new([
        TranscriptMessage.System("Be brief."),
        TranscriptMessage.User("Tell me about Bise."),
        TranscriptMessage.Assistant("Bise is a dish."),
        TranscriptMessage.User("And Zikrom?"),
        TranscriptMessage.Assistant("Zikrom is a town."),
        TranscriptMessage.User("Thanks."),
    ]);

    [Fact]
    public void Ablation_empties_the_input_since_the_previous_assistant_turn_and_ends_at_the_target()
    {
        var ablated = PromptContrast.Ablate(Conversation, 4)!;
        Assert.Equal(5, ablated.Count);
        Assert.Equal("", ablated[3].Content);
        Assert.Equal(MessageRole.User, ablated[3].Role);
        Assert.Equal("Tell me about Bise.", ablated[1].Content); // before the previous assistant turn: kept
        Assert.Equal("Zikrom is a town.", ablated[4].Content);

        Assert.Null(PromptContrast.Ablate(new Transcript([TranscriptMessage.System("s"), TranscriptMessage.Assistant("a")]), 1));
        Assert.Null(PromptContrast.Ablate(Conversation, 0));
        Assert.Null(PromptContrast.Ablate(Conversation, 6));
        // An assistant turn right after another has no input of its own to take away.
        Assert.Null(PromptContrast.Ablate(Conversation.Take(3).Append(TranscriptMessage.Assistant("More.")), 3));
    }

    [Fact]
    public void Ablation_takes_away_tool_results_with_the_request_so_a_tool_result_cannot_explain_the_answer()
    {
        var tools = new Transcript([
            TranscriptMessage.System("Use the tools."),
            TranscriptMessage.User("Tell me about Bise."),
            TranscriptMessage.Tool("Grifor is a town of the valley.", "lookup"),
            TranscriptMessage.Tool("It sells glass.", "lookup"),
            TranscriptMessage.Assistant("Grifor is a town of the valley; it sells glass."),
        ]);

        var ablated = PromptContrast.Ablate(tools, 4)!;

        Assert.Equal(["Use the tools.", "", "", "", "Grifor is a town of the valley; it sells glass."], ablated.Messages.Select(m => m.Content));
        Assert.Equal([MessageRole.System, MessageRole.User, MessageRole.Tool, MessageRole.Tool, MessageRole.Assistant], ablated.Messages.Select(m => m.Role));
        Assert.Equal("lookup", ablated[2].Name);

        // After a tool call the answer's input is the tool result alone; the request was answered by the call.
        var loop = new Transcript([
            TranscriptMessage.User("Tell me about Bise."),
            TranscriptMessage.Assistant("call lookup({\"name\":\"Bise\"})"),
            TranscriptMessage.Tool("Bise is a dish.", "lookup"),
            TranscriptMessage.Assistant("Bise is a dish."),
        ]);
        Assert.Equal(["Tell me about Bise.", "call lookup({\"name\":\"Bise\"})", "", "Bise is a dish."], PromptContrast.Ablate(loop, 3)!.Messages.Select(m => m.Content));
    }

    [Fact]
    public void Only_turns_judged_by_their_signature_need_a_second_pass()
    {
        Assert.Equal([2, 4], PromptContrast.Judged(Conversation));
        Assert.Equal([4], PromptContrast.Judged(Conversation, from: 3));
        Assert.Equal([4], PromptContrast.Judged(Conversation, authoredFrom: new Dictionary<int, int> { [2] = 0 }));
        // A continued prefill is judged on its prefill.
        Assert.Equal([2, 4], PromptContrast.Judged(Conversation, authoredFrom: new Dictionary<int, int> { [2] = 4 }));
        foreach (var settled in new[] { ProvenanceStatus.Attested, ProvenanceStatus.Altered, ProvenanceStatus.Forged })
            Assert.Equal([4], PromptContrast.Judged(Conversation, provenance: [new MessageProvenance(2, settled, null)]));
        Assert.Equal([2, 4], PromptContrast.Judged(Conversation, provenance: [new MessageProvenance(2, ProvenanceStatus.Replayed, null)]));
    }

    [Fact]
    public void Gain_is_the_surprisal_the_request_saves_matched_by_character_span()
    {
        var transcript = new Transcript([TranscriptMessage.User("q"), TranscriptMessage.Assistant("aaaabbbbccccddddeeeeffff")]);
        // With the request: calm; without it: the second token (4..8) is much harder, others a little.
        var with = Scored(transcript, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
        var without = Scored(transcript, [1.5, 9.0, 1.5, 1.5, 1.5, 1.5]);
        var gain = PromptContrast.Gain(with, without, 1)!;
        Assert.Equal(6, gain.Tokens);
        Assert.Equal((0.5 * 5 + 8.0) / 6, gain.Mean, 6);
        Assert.Equal(0.5, gain.MinWindow, 6); // the last four tokens
        Assert.Equal(0.5, gain.Bottom, 6);    // the three lowest gains
        // Only tokens before the boundary count.
        var prefix = PromptContrast.Gain(with, without, 1, before: 8)!;
        Assert.Equal(2, prefix.Tokens);
        Assert.Equal(4.25, prefix.MinWindow, 6); // one window of two tokens
        Assert.Equal(4.25, prefix.Bottom, 6);    // fewer than three: all of them

        // Tokens that do not line up (another tokenisation) are left out; none in common gives null.
        var shifted = new ScoredTranscript("m", transcript, [.. without.Tokens.Select(t => t with { Start = t.Start + 1 })]);
        Assert.Null(PromptContrast.Gain(with, shifted, 1));

        var features = TurnFeatures.Compute(with, 1, contrast: without)!;
        var named = TurnFeatures.VectorNames.Zip(features.Vector()).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(gain.Mean, named["prompt_gain"], 6);
        Assert.Equal(gain.MinWindow, named["min_window_prompt_gain"], 6);
        Assert.Equal(gain.Bottom, named["bottom_prompt_gain"], 6);
        Assert.True(double.IsNaN(TurnFeatures.Compute(with, 1)!.Vector()[^1]), "no second pass: the prompt-gain entries are NaN");
    }

    private static ScoredTranscript Scored(Transcript transcript, double[] surprisals) =>
        new("m", transcript,
        [
            new TokenScore(1, "q", 0, MessageRole.User, 0, 1, float.NaN, float.NaN, 0, float.NaN, false),
            .. surprisals.Select((s, i) => new TokenScore(2 + i, "xxxx", 1, MessageRole.Assistant, 4 * i, 4 * i + 4, 1f, (float)s, 3, 1f, false)),
        ]);
}
