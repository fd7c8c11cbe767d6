using System.Collections.Immutable;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Realism;

/// <summary>The synthetic turns of one eval transcript, judged.</summary>
/// <param name="Eval">The eval transcript.</param>
/// <param name="Scores">The transcript as written, scored token by token (for shading and give-away spans).</param>
/// <param name="Turns">Each synthetic turn, in order.</param>
public sealed record TranscriptRealism(EvalTranscript Eval, ScoredTranscript Scores, ImmutableArray<TurnRealism> Turns)
{
    /// <summary>Synthetic turns long enough to judge.</summary>
    public int Judged => Count(t => t.Verdict != RealismVerdict.TooShort);

    /// <summary>Synthetic turns the model would recognise at the detector's threshold (recognisable or glaring).</summary>
    public int Recognised => Count(t => t.Verdict.IsRecognised());

    /// <summary>Synthetic turns judged glaring.</summary>
    public int Glaring => Count(t => t.Verdict == RealismVerdict.Glaring);

    /// <summary>Synthetic turns replaced by the model's own text.</summary>
    public int Replaced => Count(t => t.Resample is { Replaced: true });

    /// <summary>The share of judged synthetic turns recognised; NaN when none was judged.</summary>
    public double RecognisedShare => Judged == 0 ? double.NaN : (double)Recognised / Judged;

    /// <summary>The transcript with every replaced turn's replacement in its place.</summary>
    public Transcript Resampled
    {
        get
        {
            var messages = Eval.Transcript.Messages.ToBuilder();
            foreach (var t in Turns)
                if (t.Resample is { Replaced: true, Content: { } content }) messages[t.Message] = messages[t.Message] with { Content = content };
            return new Transcript(messages.ToImmutable());
        }
    }

    private int Count(Func<TurnRealism, bool> predicate)
    {
        var n = 0;
        foreach (var t in Turns) if (predicate(t)) n++;
        return n;
    }
}
