using System.Collections.Immutable;
using System.Text;

namespace Enaction.Onnx.Templates;

/// <summary>
/// Accumulates rendered text as pieces (scaffolding or message content) so that a Jinja <c>strip</c>/<c>trim</c>
/// over a concatenation can be applied while keeping every content offset exact.
/// </summary>
internal sealed class RenderedTextBuilder
{
    private readonly StringBuilder _text = new();
    private readonly ImmutableArray<MessageSpan>.Builder _spans = ImmutableArray.CreateBuilder<MessageSpan>();
    private readonly int[] _starts;

    /// <summary>A builder for a transcript of <paramref name="messages"/> messages.</summary>
    public RenderedTextBuilder(int messages)
    {
        _starts = new int[messages + 1];
        Array.Fill(_starts, -1);
    }

    /// <summary>
    /// Starts from the part of <paramref name="previous"/> written before message <paramref name="message"/> began: its
    /// text, spans and message starts.
    /// </summary>
    public void Seed(RenderedTranscript previous, int message)
    {
        var end = previous.MessageStarts[message];
        _text.Append(previous.Text, 0, end);
        foreach (var span in previous.Spans)
        {
            if (span.Start >= end) break;
            _spans.Add(span);
        }
        for (var i = 0; i < message; i++) _starts[i] = previous.MessageStarts[i];
    }

    /// <summary>Marks where the template begins writing message <paramref name="message"/> (or, past the last, where the messages end).</summary>
    public void BeginMessage(int message) => _starts[message] = _text.Length;

    /// <summary>A piece of a unit under construction: literal text (Message -1) or a slice of a message's content.</summary>
    internal record struct Piece(string Source, int From, int Length, int Message)
    {
        public static Piece Literal(string text) => new(text, 0, text.Length, -1);
        public static Piece Content(int message, string content) => new(content, 0, content.Length, message);
    }

    public void Literal(string text) => _text.Append(text);

    public void Content(int message, string content) => Append([Piece.Content(message, content)]);

    /// <summary>Appends pieces, after Python's <c>str.strip()</c> of their concatenation when <paramref name="strip"/>.</summary>
    public void Append(List<Piece> pieces, bool strip = false, bool stripEndOnly = false)
    {
        if (strip || stripEndOnly)
        {
            if (!stripEndOnly)
            {
                for (var i = 0; i < pieces.Count; i++)
                {
                    var p = pieces[i];
                    var skip = 0;
                    while (skip < p.Length && PythonText.IsSpace(p.Source[p.From + skip])) skip++;
                    pieces[i] = p with { From = p.From + skip, Length = p.Length - skip };
                    if (skip < p.Length) break;
                }
            }
            for (var i = pieces.Count - 1; i >= 0; i--)
            {
                var p = pieces[i];
                var keep = p.Length;
                while (keep > 0 && PythonText.IsSpace(p.Source[p.From + keep - 1])) keep--;
                pieces[i] = p with { Length = keep };
                if (keep > 0) break;
            }
        }
        foreach (var p in pieces)
        {
            if (p.Message >= 0) _spans.Add(new MessageSpan(p.Message, _text.Length, p.Length, p.From));
            _text.Append(p.Source, p.From, p.Length);
        }
    }

    /// <summary>Appends one message's content stripped as Python's <c>str.strip()</c> (Jinja's <c>trim</c>) does.</summary>
    public void StrippedContent(int message, string content) => Append([Piece.Content(message, content)], strip: true);

    /// <summary>
    /// The rendering. A message whose start was not marked (a system message written inside the next turn) starts at
    /// 0: nothing before it is known to be independent of it.
    /// </summary>
    public RenderedTranscript Build()
    {
        for (var i = 0; i < _starts.Length; i++)
            if (_starts[i] < 0) _starts[i] = 0;
        return new RenderedTranscript(_text.ToString(), _spans.ToImmutable()) { MessageStarts = ImmutableArray.Create(_starts) };
    }
}
