using System.Collections.Immutable;
using System.Text;
using Enaction.Transcripts;

namespace Enaction.Scoring;

/// <summary>
/// Turns the log-probabilities a generator returned with its answer into token scores
/// (<see cref="ScoringSource.GeneratorLogprobs"/>): per token the exact surprisal, the rank among the listed
/// alternatives, and the entropy bounded from the top-k (<see cref="TopLogprobEntropy"/>). Only the answered messages
/// get tokens; the history cannot be scored this way.
/// </summary>
public static class GeneratorLogprobScores
{
    /// <summary>
    /// Scores <paramref name="messages"/> (message index → its tokens, in order) of <paramref name="transcript"/>. Each
    /// token is placed in its message's content by its UTF-8 bytes; tokens past the first place the content does not
    /// match (text a provider post-processed) are kept as scaffolding (message −1), which detectors skip.
    /// </summary>
    /// <param name="transcript">The conversation with the answered messages.</param>
    /// <param name="messages">The generator's tokens of each answered message.</param>
    /// <param name="generator">The generator's model id (the scores' <see cref="ScoredTranscript.ModelId"/>).</param>
    /// <param name="vocabularySize">The generator's vocabulary size or an upper limit of it (<see cref="TopLogprobEntropy.DefaultVocabularyLimit"/>).</param>
    public static ScoredTranscript Score(Transcript transcript, IReadOnlyDictionary<int, IReadOnlyList<TokenLogprob>> messages, string generator,
        int vocabularySize = TopLogprobEntropy.DefaultVocabularyLimit)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(messages);
        var tokens = ImmutableArray.CreateBuilder<TokenScore>();
        var bounds = ImmutableArray.CreateBuilder<EntropyInterval>();
        var top = new List<double>(TopLogprobEntropy.MaxOpenAITopLogprobs);
        foreach (var message in messages.Keys.Order())
        {
            if ((uint)message >= (uint)transcript.Count) throw new ArgumentOutOfRangeException(nameof(messages), message, $"message {message} is not in the transcript of {transcript.Count}");
            var content = transcript[message].Content;
            var role = transcript[message].Role;
            var placer = new ContentPlacer(content);
            foreach (var token in messages[message])
            {
                top.Clear();
                var observed = -1;
                foreach (var alternative in token.TopLogprobs)
                {
                    if (observed < 0 && string.Equals(alternative.Token, token.Token, StringComparison.Ordinal)) observed = top.Count;
                    top.Add(alternative.Logprob);
                }
                var s = TopLogprobEntropy.Compute(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(top), observed,
                    observed < 0 ? token.Logprob : double.NaN, Math.Max(vocabularySize, top.Count + 1));
                var (start, end) = placer.Place(token.Utf8Bytes ?? Encoding.UTF8.GetBytes(token.Token));
                tokens.Add(new TokenScore(-1, token.Token, start < 0 ? -1 : message, start < 0 ? null : role, start, end,
                    (float)s.Entropy, (float)-token.Logprob, s.Rank, (float)s.LogProbVariance, Truncated: false));
                bounds.Add(new EntropyInterval((float)s.EntropyLower, (float)s.EntropyUpper));
            }
        }
        return new ScoredTranscript(generator, transcript, tokens.ToImmutable()) { EntropyBounds = bounds.ToImmutable() };
    }

    /// <summary>Walks a message's UTF-8 bytes token by token and gives each token's character range, or (−1, −1) once they disagree.</summary>
    private sealed class ContentPlacer
    {
        private readonly byte[] _bytes;
        private readonly int[] _charAt; // for each byte offset (and the end), the character it lies in
        private readonly int[] _charEnd; // for each byte offset, the end (exclusive) of that character (2 chars for a surrogate pair)
        private int _position;
        private bool _lost;

        public ContentPlacer(string content)
        {
            _bytes = Encoding.UTF8.GetBytes(content);
            _charAt = new int[_bytes.Length + 1];
            _charEnd = new int[_bytes.Length + 1];
            var b = 0;
            for (var c = 0; c < content.Length; c++)
            {
                var pair = char.IsHighSurrogate(content[c]) && c + 1 < content.Length;
                var width = pair ? 4 : Encoding.UTF8.GetByteCount(content.AsSpan(c, 1));
                for (var k = 0; k < width && b < _bytes.Length; k++, b++) (_charAt[b], _charEnd[b]) = (c, c + (pair ? 2 : 1));
                if (pair) c++;
            }
            _charAt[_bytes.Length] = content.Length;
        }

        public (int Start, int End) Place(byte[] token)
        {
            if (_lost || token.Length == 0 || _position + token.Length > _bytes.Length
                || !_bytes.AsSpan(_position, token.Length).SequenceEqual(token))
            {
                _lost |= token.Length > 0;
                return (-1, -1);
            }
            var start = _charAt[_position];
            _position += token.Length;
            // A token that ends inside a character covers that character; the next one starts after it.
            var end = _position < _bytes.Length && _charAt[_position] == _charAt[_position - 1] ? _charEnd[_position - 1] : _charAt[_position];
            return (start, end);
        }
    }
}
