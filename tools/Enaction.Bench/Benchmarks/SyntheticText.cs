using Enaction.Cli;
using Enaction.Onnx.Models;
using Enaction.Transcripts;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// Deterministic filler text for a model: words that are one token each after a space, so a message grows by one
/// token per word and benchmark transcripts can be built to an exact token count on any tokenizer.
/// </summary>
public sealed class SyntheticText
{
    private readonly CausalLanguageModel _model;
    private readonly string[] _words;

    private SyntheticText(CausalLanguageModel model, string[] words)
    {
        _model = model;
        _words = words;
    }

    /// <summary>Finds the single-token words of <paramref name="model"/>'s vocabulary.</summary>
    public static SyntheticText For(CausalLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var words = new List<string>();
        var limit = model.Tokenizer.VocabularySize;
        for (var id = 0; id < limit && words.Count < 2000; id++)
        {
            var text = model.TokenText(id);
            if (text.Length < 3 || text[0] != ' ' || !IsLowercaseWord(text.AsSpan(1))) continue;
            if (model.Tokenizer.Encode(text).Length != 1) continue;
            words.Add(text[1..]);
        }
        if (words.Count < 16)
            throw new CliInputException($"{model.Directory.Path}: the tokenizer has too few single-token words ({words.Count}) to build benchmark text");
        return new SyntheticText(model, [.. words]);
    }

    /// <summary>Number of distinct filler words.</summary>
    public int WordCount => _words.Length;

    /// <summary><paramref name="count"/> words from the sequence numbered <paramref name="seed"/>; a longer count extends a shorter one.</summary>
    public string Words(int count, int seed)
    {
        var random = new Random(seed);
        var builder = new System.Text.StringBuilder(count * 7);
        for (var i = 0; i < count; i++)
        {
            if (i > 0) builder.Append(' ');
            builder.Append(_words[random.Next(_words.Length)]);
        }
        return builder.ToString();
    }

    /// <summary>Tokens <paramref name="transcript"/> renders to.</summary>
    public int TokenCount(Transcript transcript) => _model.Encoder.Encode(transcript).Count;

    /// <summary>A single user message that renders to exactly <paramref name="tokens"/> tokens (or the closest count above).</summary>
    public Transcript SingleMessage(int tokens, int seed = 1)
    {
        var words = Math.Max(1, tokens - 8);
        Transcript transcript = Build(words);
        for (var attempt = 0; attempt < 12; attempt++)
        {
            var delta = tokens - TokenCount(transcript);
            if (delta == 0) return transcript;
            words = Math.Max(1, words + delta);
            transcript = Build(words);
        }
        while (TokenCount(transcript) < tokens) transcript = Build(++words);
        return transcript;

        Transcript Build(int n) => new([TranscriptMessage.User(Words(n, seed))]);
    }

    /// <summary>
    /// An agent conversation of <paramref name="turns"/> turns (a user message and an assistant reply each), where
    /// every turn adds <paramref name="tokensPerTurn"/> tokens to the rendered transcript. Element k is the
    /// transcript after turn k + 1.
    /// </summary>
    public SyntheticConversation Conversation(int turns, int tokensPerTurn, int seed = 7)
    {
        var transcripts = new Transcript[turns];
        var added = new int[turns];
        var current = Transcript.Empty;
        var previousTokens = 0;
        var userWords = Math.Max(1, tokensPerTurn / 3);
        for (var turn = 0; turn < turns; turn++)
        {
            var userSeed = seed * 1000 + 2 * turn;
            var replySeed = userSeed + 1;
            var replyWords = Math.Max(1, tokensPerTurn - userWords - 8);
            var user = TranscriptMessage.User(Words(userWords, userSeed));
            Transcript next = current.Append(user).Append(TranscriptMessage.Assistant(Words(replyWords, replySeed)));
            var count = TokenCount(next);
            for (var attempt = 0; attempt < 12 && count - previousTokens != tokensPerTurn; attempt++)
            {
                replyWords = Math.Max(1, replyWords + tokensPerTurn - (count - previousTokens));
                next = current.Append(user).Append(TranscriptMessage.Assistant(Words(replyWords, replySeed)));
                count = TokenCount(next);
            }
            transcripts[turn] = next;
            added[turn] = count - previousTokens;
            previousTokens = count;
            current = next;
        }
        return new SyntheticConversation(transcripts, added);
    }

    private static bool IsLowercaseWord(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if (c is < 'a' or > 'z') return false;
        return true;
    }
}

/// <summary>A conversation as it grows: the transcript after each turn and how many tokens each turn added.</summary>
/// <param name="Turns">Transcript after turn 1, 2, ...</param>
/// <param name="AddedTokens">Tokens each turn added to the rendered transcript.</param>
public sealed record SyntheticConversation(IReadOnlyList<Transcript> Turns, IReadOnlyList<int> AddedTokens)
{
    /// <summary>Tokens in the whole conversation.</summary>
    public int TotalTokens => AddedTokens.Sum();
}
