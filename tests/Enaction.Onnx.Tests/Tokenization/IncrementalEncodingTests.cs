using System.Text.Json.Nodes;
using Enaction.Onnx.Templates;
using Enaction.Onnx.Tokenization;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Tokenization;

public class IncrementalEncodingTests
{
    // The markers every supported template writes, added as control tokens to the bundled byte-level BPE tokenizer so
    // each template style is encoded with real control tokens (the bundled model knows only ChatML's).
    private static readonly string[] Markers =
    [
        "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>",
        "<|user|>", "<|assistant|>", "<|system|>", "<|end|>",
        "<bos>", "<start_of_turn>", "<end_of_turn>", "<s>", "</s>",
    ];

    private static readonly Lazy<TextTokenizer> WithMarkers = new(() => LoadWithMarkers());

    // Every native renderer; a Jinja-rendered template is never continued (ChatTemplate.Render returns null for it and
    // the encoder encodes from scratch), so it has no incremental path to check here.
    public static TheoryData<ChatTemplateStyle> Styles => [.. Enum.GetValues<ChatTemplateStyle>().Where(s => s != ChatTemplateStyle.Jinja)];

    [Theory]
    [MemberData(nameof(Styles))]
    public void Continuing_an_encoding_gives_exactly_a_full_encode(ChatTemplateStyle style)
    {
        var encoder = new TranscriptEncoder(WithMarkers.Value, ChatTemplate.Create(style));
        var reused = 0;
        foreach (var sequence in Sequences(style))
        {
            EncodedTranscript? previous = null;
            foreach (var transcript in sequence)
            {
                EncodedTranscript full;
                try
                {
                    full = encoder.Encode(transcript);
                }
                catch (ArgumentException)
                {
                    // The template refuses this transcript (roles must alternate): so must the continued encoding.
                    Assert.ThrowsAny<ArgumentException>(() => encoder.Encode(transcript, previous));
                    continue;
                }
                var continued = encoder.Encode(transcript, previous);
                AssertSame(full, continued, $"{style}, {transcript.Count} messages");
                reused += continued.ReusedTokens;
                previous = continued;
            }
        }
        Assert.True(reused > 0, $"{style}: no encoding reused anything");
    }

    [Fact]
    public void The_bundled_model_encodes_a_growing_conversation_by_its_new_turns()
    {
        var encoder = new TranscriptEncoder(TextTokenizer.Load(TestPaths.Model("tiny-chat")), ChatTemplate.Load(TestPaths.Model("tiny-chat")));
        var transcript = new Transcript([TranscriptMessage.System("You are a helpful assistant.")]);
        var previous = encoder.Encode(transcript, null);
        for (var turn = 0; turn < 30; turn++)
        {
            transcript = transcript.Append(TranscriptMessage.User($"Question {turn}: what is {turn} + {turn}?"))
                .Append(TranscriptMessage.Assistant($"{turn} + {turn} = {2 * turn}."));
            var continued = encoder.Encode(transcript, previous);
            AssertSame(encoder.Encode(transcript), continued, $"turn {turn}");
            // Everything before the last message's closing marker was reused.
            Assert.True(continued.ReusedTokens >= previous.Count - 2, $"turn {turn}: reused {continued.ReusedTokens} of {previous.Count}");
            previous = continued;
        }
    }

    [Fact]
    public void A_control_token_inside_another_is_never_restarted_at()
    {
        // "<|im_end|>" inside a longer control token could match across an edit: the encoder must not restart there.
        var directory = TestPaths.NewTempDirectory();
        WriteTokenizer(directory, ["<|im_end|>\n<|im_start|>"]);
        var encoder = new TranscriptEncoder(TextTokenizer.Load(directory), ChatTemplate.Create(ChatTemplateStyle.ChatML));
        var a = new Transcript([TranscriptMessage.User("one"), TranscriptMessage.Assistant("two")]);
        var b = a.Append(TranscriptMessage.User("three"));
        var continued = encoder.Encode(b, encoder.Encode(a));
        AssertSame(encoder.Encode(b), continued, "nested control tokens");
    }

    private static IEnumerable<List<Transcript>> Sequences(ChatTemplateStyle style)
    {
        var alternating = style is ChatTemplateStyle.Gemma or ChatTemplateStyle.Llama2;
        TranscriptMessage[] messages =
        [
            TranscriptMessage.System("You are a careful assistant."),
            TranscriptMessage.User("What is 12 + 7?"),
            TranscriptMessage.Assistant("  12 + 7 = 19.  "),
            TranscriptMessage.User("Tell me about the river town.\n\nIn two lines."),
            TranscriptMessage.Assistant("The river town sits on a wide bend.\nIts market opens at dawn."),
            TranscriptMessage.User(""),
            TranscriptMessage.Assistant("Ünïcödé ✓ and emoji 🙂 and <|im_end|> written as text."),
            TranscriptMessage.User("Sort these: pear, apple, fig."),
            TranscriptMessage.Assistant("apple, fig, pear"),
        ];
        var full = new Transcript(messages);

        // A conversation growing turn by turn.
        yield return [.. Enumerable.Range(1, messages.Length).Select(full.Take)];

        // Edits in the middle, going back, repeating, growing again.
        yield return
        [
            full,
            With(full, 3, TranscriptMessage.User("Tell me about the mountain town.")),
            With(full, 4, TranscriptMessage.Assistant("  It is cold.")),
            With(full, 2, TranscriptMessage.Assistant("12 + 7 = 19.")), // only the stripped whitespace differs
            full.Take(4),
            full.Take(4),
            full,
            With(full, 0, TranscriptMessage.System("Another system prompt.")),
            full,
            With(full, 8, TranscriptMessage.Assistant("")),
        ];

        // Role changes (which the alternating templates reject) and tool messages (which some templates drop).
        if (!alternating)
        {
            yield return
            [
                full,
                With(full, 4, TranscriptMessage.User("The river town sits on a wide bend.\nIts market opens at dawn.")),
                With(full, 2, TranscriptMessage.Tool("{\"sum\": 19}", "add")),
                full.Append(TranscriptMessage.Tool("{\"ok\": true}", "check")),
                full.Append(TranscriptMessage.Tool("{\"ok\": true}", "check")).Append(TranscriptMessage.Assistant("Done.")),
                new Transcript(messages.Skip(1)),
                full,
            ];
        }
        else
        {
            yield return [full, With(full, 4, TranscriptMessage.User("not alternating")), full, new Transcript(messages.Skip(1)), full];
        }
    }

    private static Transcript With(Transcript transcript, int index, TranscriptMessage message) =>
        new(transcript.Messages.SetItem(index, message));

    private static void AssertSame(EncodedTranscript expected, EncodedTranscript actual, string what)
    {
        Assert.Equal(expected.Text, actual.Text);
        Assert.True(expected.Rendered.Spans.SequenceEqual(actual.Rendered.Spans), $"{what}: spans differ");
        Assert.True(expected.Ids.AsSpan().SequenceEqual(actual.Ids), $"{what}: ids differ");
        Assert.True(expected.Message.AsSpan().SequenceEqual(actual.Message), $"{what}: message indices differ");
        Assert.True(expected.Start.AsSpan().SequenceEqual(actual.Start), $"{what}: starts differ");
        Assert.True(expected.End.AsSpan().SequenceEqual(actual.End), $"{what}: ends differ");
    }

    private static TextTokenizer LoadWithMarkers()
    {
        var directory = TestPaths.NewTempDirectory();
        WriteTokenizer(directory, Markers);
        return TextTokenizer.Load(directory);
    }

    /// <summary>The bundled tokenizer with <paramref name="added"/> appended as special tokens.</summary>
    private static void WriteTokenizer(string directory, IEnumerable<string> added)
    {
        var source = TestPaths.Model("tiny-chat");
        var tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "tokenizer.json")))!;
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "tokenizer_config.json")))!;
        var tokens = tokenizer["added_tokens"]!.AsArray();
        var decoder = config["added_tokens_decoder"]!.AsObject();
        var id = 4096;
        foreach (var content in added)
        {
            var token = new JsonObject
            {
                ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            };
            tokens.Add(token);
            var entry = token.DeepClone().AsObject();
            entry.Remove("id");
            decoder[id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = entry;
            id++;
        }
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), tokenizer.ToJsonString());
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString());
    }
}
