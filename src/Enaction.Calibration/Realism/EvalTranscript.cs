using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Enaction.Transcripts;

namespace Enaction.Realism;

/// <summary>
/// One transcript of an evaluation set: the messages, which assistant turns the eval wrote (synthetic: prefilled or
/// scripted answers the model under test is made to believe it gave), and the constraint each synthetic turn must keep
/// if the model's own text replaces it.
/// </summary>
/// <param name="Line">The 1-based line of the JSONL file it came from.</param>
/// <param name="Transcript">The messages.</param>
/// <param name="Synthetic">Indexes of the synthetic assistant turns, in order.</param>
/// <param name="Keep">The <c>"keep"</c> regular expression of a synthetic turn, by message index: what a replacement
/// must still match for the eval to work (compiled with <see cref="EvalTranscriptJsonl.KeepMatchTimeout"/>).</param>
public sealed record EvalTranscript(int Line, Transcript Transcript, ImmutableArray<int> Synthetic, ImmutableDictionary<int, Regex> Keep);
