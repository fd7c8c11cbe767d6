using System.Collections.Concurrent;
using System.Text;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// The BPE model of a Hugging Face <c>tokenizer.json</c>: a word (one pre-tokenized piece) starts as one symbol per
/// character and adjacent pairs are merged by rank, lowest first and leftmost among equals, as HF's <c>BPE</c> does.
/// Byte-level models see each UTF-8 byte as one character of GPT-2's alphabet; others (Gemma, Llama 2 converted
/// files) see characters and, with <c>byte_fallback</c>, spell a character missing from the vocabulary as its
/// <c>&lt;0xNN&gt;</c> byte tokens. Thread-safe.
/// </summary>
internal sealed class BpeModel
{
    /// <summary>Words longer than this are not cached (HF caches only short words too).</summary>
    private const int MaxCachedLength = 256;
    private const int MaxCacheEntries = 50_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<long, (int Rank, int Id)> _merges;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int[]? _byteTokens;
    private readonly ConcurrentDictionary<string, Symbol[]> _cache = new(StringComparer.Ordinal);

    /// <summary>One token of a word: its id and the character range of the word it spells.</summary>
    public readonly record struct Symbol(int Id, int Start, int End);

    /// <param name="vocab">Token to id.</param>
    /// <param name="merges">Pairs of token ids, in rank order, with the id of the merged token.</param>
    /// <param name="byteFallback">Spell characters missing from the vocabulary as <c>&lt;0xNN&gt;</c> tokens.</param>
    /// <param name="unknownId">The id for a character with no token and no byte fallback, or null to fail.</param>
    /// <param name="fuseUnknown">Consecutive unknown characters become one unknown token.</param>
    /// <param name="ignoreMerges">A word that is itself in the vocabulary is one token (Llama 3).</param>
    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(int Left, int Right, int Merged)> merges,
        bool byteFallback, int? unknownId, bool fuseUnknown, bool ignoreMerges)
    {
        _vocab = vocab;
        _lookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right, merged) = merges[rank];
            _merges.TryAdd(Key(left, right), (rank, merged)); // the first (lowest-ranked) occurrence wins, as in HF
        }
        UnknownId = unknownId;
        FuseUnknown = fuseUnknown;
        IgnoreMerges = ignoreMerges;
        if (byteFallback)
        {
            _byteTokens = new int[256];
            for (var b = 0; b < 256; b++) _byteTokens[b] = vocab.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
        }
    }

    /// <summary>The unknown token's id, if any.</summary>
    public int? UnknownId { get; }

    /// <summary>Whether consecutive unknown characters fuse.</summary>
    public bool FuseUnknown { get; }

    /// <summary>Whether whole-vocabulary words skip merging.</summary>
    public bool IgnoreMerges { get; }

    /// <summary>Whether missing characters are spelled as bytes.</summary>
    public bool ByteFallback => _byteTokens is not null;

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>
    /// The tokens of <paramref name="word"/>, appended to <paramref name="into"/>. Throws
    /// <see cref="InvalidOperationException"/> for a character with no token, no byte fallback and no unknown token.
    /// </summary>
    public void Encode(string word, List<Symbol> into)
    {
        if (word.Length == 0) return;
        if (word.Length <= MaxCachedLength && _cache.TryGetValue(word, out var cached))
        {
            into.AddRange(cached);
            return;
        }
        var symbols = EncodeUncached(word);
        if (word.Length <= MaxCachedLength && _cache.Count < MaxCacheEntries) _cache.TryAdd(word, symbols);
        into.AddRange(symbols);
    }

    private Symbol[] EncodeUncached(string word)
    {
        if (IgnoreMerges && _vocab.TryGetValue(word, out var whole)) return [new Symbol(whole, 0, word.Length)];

        // Initial symbols: one per character (a surrogate pair is one character).
        var ids = new List<int>(word.Length);
        var starts = new List<int>(word.Length + 1);
        var ends = new List<int>(word.Length);
        var unknownRun = false;
        for (var i = 0; i < word.Length;)
        {
            var width = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            if (_lookup.TryGetValue(word.AsSpan(i, width), out var id))
            {
                ids.Add(id);
                starts.Add(i);
                ends.Add(i + width);
                unknownRun = false;
            }
            else if (_byteTokens is not null && AppendBytes(word.AsSpan(i, width), i, i + width, ids, starts, ends))
            {
                unknownRun = false;
            }
            else if (UnknownId is { } unk)
            {
                if (FuseUnknown && unknownRun) ends[^1] = i + width;
                else
                {
                    ids.Add(unk);
                    starts.Add(i);
                    ends.Add(i + width);
                }
                unknownRun = true;
            }
            else
            {
                throw new InvalidOperationException($"the character U+{char.ConvertToUtf32(word[i], width == 2 ? word[i + 1] : '\0'):X4} has no token and the model has no byte fallback or unknown token");
            }
            i += width;
        }

        var n = ids.Count;
        if (n == 1) return [new Symbol(ids[0], starts[0], ends[0])];
        var id_ = ids.ToArray();
        var start = starts.ToArray();
        var end = ends.ToArray();
        var prev = new int[n];
        var next = new int[n];
        for (var i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }

        // Lowest rank first, then leftmost: the same order HF's priority queue pops merges in.
        var queue = new PriorityQueue<(int Left, int LeftId, int RightId, int Merged), (int Rank, int Position)>();
        for (var i = 0; i + 1 < n; i++) Enqueue(queue, i, id_[i], id_[i + 1]);
        while (queue.TryDequeue(out var m, out _))
        {
            var left = m.Left;
            var right = next[left];
            // Stale entries: either side merged away or changed since this pair was queued.
            if (id_[left] != m.LeftId || right < 0 || id_[right] != m.RightId || end[left] == -1) continue;
            id_[left] = m.Merged;
            end[left] = end[right];
            end[right] = -1;
            id_[right] = -1;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) Enqueue(queue, prev[left], id_[prev[left]], id_[left]);
            if (next[left] >= 0) Enqueue(queue, left, id_[left], id_[next[left]]);
        }

        var result = new List<Symbol>();
        for (var i = 0; i >= 0; i = next[i]) result.Add(new Symbol(id_[i], start[i], end[i]));
        return [.. result];
    }

    /// <summary>Queues the pair starting at symbol <paramref name="left"/>; ties in rank go to the lower symbol index, as in HF.</summary>
    private void Enqueue(PriorityQueue<(int, int, int, int), (int, int)> queue, int left, int leftId, int rightId)
    {
        if (_merges.TryGetValue(Key(leftId, rightId), out var merge)) queue.Enqueue((left, leftId, rightId, merge.Id), (merge.Rank, left));
    }

    private bool AppendBytes(ReadOnlySpan<char> character, int from, int to, List<int> ids, List<int> starts, List<int> ends)
    {
        Span<byte> bytes = stackalloc byte[4];
        var count = Encoding.UTF8.GetBytes(character, bytes);
        for (var b = 0; b < count; b++)
            if (_byteTokens![bytes[b]] < 0) return false;
        for (var b = 0; b < count; b++)
        {
            ids.Add(_byteTokens![bytes[b]]);
            starts.Add(from);
            ends.Add(to);
        }
        return true;
    }
}
