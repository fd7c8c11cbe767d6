using Enaction.Onnx.Templates;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// Renders a transcript with the model's chat template and tokenises the whole rendered text at once, so the ids
/// are those Hugging Face's <c>apply_chat_template(tokenize=True)</c> gives, then maps every token back to the
/// message content it came from.
/// </summary>
/// <remarks>
/// <para>
/// Control tokens come only from the template: inside message content the text of a turn or role marker
/// (<c>&lt;|im_end|&gt;</c>, <c>&lt;|start_header_id|&gt;</c>, ...) is encoded as ordinary characters, as Hugging
/// Face's <c>split_special_tokens</c> does, so no user, tool or assistant text can open a turn the scorer would then
/// read as genuine. Content without such text encodes exactly as <c>apply_chat_template(tokenize=True)</c> does.
/// </para>
/// <para>
/// A token belongs to the message in whose content it starts; a token that starts in scaffolding is scaffolding
/// (-1) even if it runs on into content, and a token that runs past the end of its content has its end clipped to
/// the content. BOS is prepended when the tokenizer config sets <c>add_bos_token</c> and the template does not
/// write BOS itself (HF's <c>apply_chat_template</c> never adds it; pass <c>addBos: false</c> for that behaviour).
/// </para>
/// </remarks>
public sealed class TranscriptEncoder
{
    private readonly bool _prependBos;
    // Control tokens a continued encoding may restart at, by id (see ResyncTokens).
    private readonly Dictionary<int, string> _resyncTokens;

    /// <summary>Creates an encoder.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="template">The model's chat template.</param>
    /// <param name="addBos">Whether to prepend BOS; null follows <see cref="TextTokenizer.AddBosToken"/> unless the template writes BOS.</param>
    public TranscriptEncoder(TextTokenizer tokenizer, IChatTemplate template, bool? addBos = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(template);
        Tokenizer = tokenizer;
        Template = template;
        _prependBos = tokenizer.BosTokenId is not null && (addBos ?? (tokenizer.AddBosToken && !template.WritesBos));
        _resyncTokens = ResyncTokens(tokenizer.SpecialTokens);
    }

    /// <summary>The tokenizer.</summary>
    public TextTokenizer Tokenizer { get; }

    /// <summary>The chat template.</summary>
    public IChatTemplate Template { get; }

    /// <summary>Renders and tokenises <paramref name="transcript"/>; see <see cref="IChatTemplate.Render(Transcript, bool, bool)"/> for the flags.</summary>
    public EncodedTranscript Encode(Transcript transcript, bool addGenerationPrompt = false, bool continueFinalMessage = false)
    {
        var rendered = Template.Render(transcript, addGenerationPrompt, continueFinalMessage);
        var ids = new List<int>(rendered.Text.Length / 3 + 8);
        var offsets = new List<Range>(ids.Capacity);
        if (_prependBos)
        {
            ids.Add(Tokenizer.BosTokenId!.Value);
            offsets.Add(0..0);
        }
        var firstTextToken = ids.Count;
        // Message content is plain text: a control token's literal inside it becomes ordinary tokens.
        Tokenizer.Encode(rendered.Text, ids, offsets, PlainRanges(rendered, 0));
        var n = ids.Count;
        var encoded = Allocate(n);
        ids.CopyTo(encoded.Ids);
        offsets.CopyTo(encoded.Offsets);
        for (var i = 0; i < firstTextToken; i++) encoded.Message[i] = encoded.Start[i] = encoded.End[i] = -1;
        Map(rendered, encoded, firstTextToken);
        return new EncodedTranscript(rendered, encoded.Ids, encoded.Message, encoded.Start, encoded.End, encoded.Offsets,
            addGenerationPrompt || continueFinalMessage ? null : transcript);
    }

    /// <summary>
    /// Renders and tokenises <paramref name="transcript"/> (no generation prompt, nothing continued) as
    /// <see cref="Encode(Transcript, bool, bool)"/> does, with the same result, but continuing <paramref name="previous"/>
    /// (an earlier encoding by this encoder): only the messages from the first one that changed are rendered, and only
    /// the text from the last control token before the first changed character is tokenised. A conversation that
    /// grows by a turn costs that turn, not its whole history.
    /// </summary>
    /// <remarks>
    /// Every tokenizer here splits its input at control tokens (<c>&lt;|im_start|&gt;</c>, <c>&lt;|eot_id|&gt;</c>, ...)
    /// before anything else and encodes the stretches between them independently, so the tokens before a control
    /// token that lies wholly in unchanged text are what encoding the new text gives too. Control tokens whose text
    /// occurs inside another control token are never restarted at: the longer one could match across the change.
    /// </remarks>
    public EncodedTranscript Encode(Transcript transcript, EncodedTranscript? previous)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        if (previous?.Source is not { } before || _resyncTokens.Count == 0 || !SameTools(before, transcript)) return Encode(transcript);
        var unchanged = FirstDifference(before, transcript);
        if (unchanged == before.Count && unchanged == transcript.Count)
            return new EncodedTranscript(previous.Rendered, previous.Ids, previous.Message, previous.Start, previous.End, previous.Offsets,
                transcript, previous.Count);
        if (Template.RenderContinued(transcript, previous.Rendered, unchanged) is not { } rendered) return Encode(transcript);

        // The text both renderings share: what was copied, and on while the characters agree, but never into the
        // content of a changed message (where a token's offset in its content may have moved).
        var oldText = previous.Text;
        var text = rendered.Text;
        var shared = previous.Rendered.MessageStarts[unchanged];
        var limit = Math.Min(oldText.Length, text.Length);
        var spans = rendered.Spans;
        for (var s = FirstSpanEndingAfter(spans, shared - 1); s < spans.Length; s++)
        {
            if (spans[s].Message < unchanged) continue;
            limit = Math.Min(limit, spans[s].Start);
            break;
        }
        if (limit > shared) shared += oldText.AsSpan(shared, limit - shared).CommonPrefixLength(text.AsSpan(shared, limit - shared));

        var resync = LastResyncToken(previous, shared);
        if (resync < 0) return Encode(transcript);
        var from = previous.Offsets[resync].Start.Value;
        var tailIds = new List<int>(Math.Max(16, (text.Length - from) / 3));
        var tailOffsets = new List<Range>(tailIds.Capacity);
        Tokenizer.Encode(text[from..], tailIds, tailOffsets, PlainRanges(rendered, from));

        var n = resync + tailIds.Count;
        var encoded = Allocate(n);
        Array.Copy(previous.Ids, encoded.Ids, resync);
        Array.Copy(previous.Offsets, encoded.Offsets, resync);
        Array.Copy(previous.Message, encoded.Message, resync);
        Array.Copy(previous.Start, encoded.Start, resync);
        Array.Copy(previous.End, encoded.End, resync);
        for (var i = 0; i < tailIds.Count; i++)
        {
            encoded.Ids[resync + i] = tailIds[i];
            var r = tailOffsets[i];
            encoded.Offsets[resync + i] = (from + r.Start.Value)..(from + r.End.Value);
        }
        Map(rendered, encoded, resync);
        return new EncodedTranscript(rendered, encoded.Ids, encoded.Message, encoded.Start, encoded.End, encoded.Offsets, transcript, resync);
    }

    /// <summary>The message contents of <paramref name="rendered"/> from character <paramref name="from"/> on, relative to it: encoded as plain text.</summary>
    private static List<Range> PlainRanges(RenderedTranscript rendered, int from)
    {
        var spans = rendered.Spans;
        var plain = new List<Range>(spans.Length);
        foreach (var span in spans)
            if (span.Length > 0 && span.End > from) plain.Add((Math.Max(span.Start, from) - from)..(span.End - from));
        return plain;
    }

    private static (int[] Ids, Range[] Offsets, int[] Message, int[] Start, int[] End) Allocate(int n) =>
        (new int[n], new Range[n], new int[n], new int[n], new int[n]);

    /// <summary>Maps tokens from <paramref name="first"/> on to the message content they start in.</summary>
    private static void Map(RenderedTranscript rendered, (int[] Ids, Range[] Offsets, int[] Message, int[] Start, int[] End) encoded, int first)
    {
        var spans = rendered.Spans;
        var n = encoded.Ids.Length;
        var s = first < n ? FirstSpanEndingAfter(spans, encoded.Offsets[first].Start.Value) : spans.Length;
        for (var i = first; i < n; i++)
        {
            encoded.Message[i] = encoded.Start[i] = encoded.End[i] = -1;
            var (from, to) = (encoded.Offsets[i].Start.Value, encoded.Offsets[i].End.Value);
            // Spans are in text order and token starts never decrease, so one forward pass finds each span.
            while (s < spans.Length && spans[s].End <= from) s++;
            if (s >= spans.Length) continue;
            var span = spans[s];
            if (from < span.Start || from >= span.End) continue;
            encoded.Message[i] = span.Message;
            encoded.Start[i] = from - span.Start + span.ContentStart;
            encoded.End[i] = Math.Min(to, span.End) - span.Start + span.ContentStart;
        }
    }

    /// <summary>The index of the first span whose end is after <paramref name="position"/> (spans are in text order).</summary>
    private static int FirstSpanEndingAfter(System.Collections.Immutable.ImmutableArray<MessageSpan> spans, int position)
    {
        int low = 0, high = spans.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (spans[mid].End <= position) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    /// <summary>Whether both transcripts offer the same tool definitions (templates render them ahead of the messages).</summary>
    private static bool SameTools(Transcript a, Transcript b)
    {
        var (x, y) = (a.Tools ?? [], b.Tools ?? []);
        if (x.Count != y.Count) return false;
        for (var i = 0; i < x.Count; i++) if (!Equals(x[i], y[i])) return false;
        return true;
    }

    /// <summary>The first message index at which the transcripts differ (role or content), or the shorter count.</summary>
    private static int FirstDifference(Transcript a, Transcript b)
    {
        var n = Math.Min(a.Count, b.Count);
        var i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }

    /// <summary>
    /// The last token of <paramref name="previous"/> that is a restartable control token of the template's scaffolding
    /// and ends within the first <paramref name="shared"/> characters, or -1.
    /// </summary>
    private int LastResyncToken(EncodedTranscript previous, int shared)
    {
        var offsets = previous.Offsets;
        int low = 0, high = offsets.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (offsets[mid].End.Value <= shared) low = mid + 1;
            else high = mid;
        }
        var text = previous.Text;
        for (var i = low - 1; i >= 0; i--)
        {
            if (previous.Message[i] >= 0 || !_resyncTokens.TryGetValue(previous.Ids[i], out var control)) continue;
            var (start, end) = (offsets[i].Start.Value, offsets[i].End.Value);
            if (end > shared) continue;
            if (end - start == control.Length && string.CompareOrdinal(text, start, control, 0, control.Length) == 0) return i;
        }
        return -1;
    }

    /// <summary>Added tokens by id, leaving out any whose text occurs inside another added token's text.</summary>
    private static Dictionary<int, string> ResyncTokens(IReadOnlyDictionary<string, int> added)
    {
        var contained = new HashSet<string>(StringComparer.Ordinal);
        var byText = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in added.Keys) if (text.Length > 0) byText.Add(text);
        var lookup = byText.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var text in byText)
        {
            for (var start = 0; start < text.Length; start++)
                for (var length = 1; start + length <= text.Length; length++)
                {
                    if (length == text.Length) continue;
                    if (lookup.TryGetValue(text.AsSpan(start, length), out var inner)) contained.Add(inner);
                }
        }
        var result = new Dictionary<int, string>();
        foreach (var (text, id) in added)
            if (text.Length > 0 && !contained.Contains(text)) result.TryAdd(id, text);
        return result;
    }
}
