using System.Collections.Immutable;
using Enaction.Monitoring;
using Enaction.Transcripts;

namespace Enaction.Reporting.Inputs;

/// <summary>A whole records or transcripts file, read and validated before anything is done with it.</summary>
/// <param name="File">The file, as the user named it.</param>
/// <param name="Kind">What the file holds.</param>
/// <param name="Records">The records with their 1-based line numbers (empty for transcripts).</param>
/// <param name="Transcripts">The transcripts with their 1-based line numbers (empty for records).</param>
public sealed record TurnInput(
    string File,
    TurnInputKind Kind,
    ImmutableArray<(int Line, TurnRecord Record)> Records,
    ImmutableArray<(int Line, Transcript Transcript)> Transcripts)
{
    /// <summary>
    /// Lines that were skipped, each as <c>file:line: why</c>: torn records (cut off mid-write by a crash or a full
    /// disk). Commands print them as warnings; every other bad line is an error.
    /// </summary>
    public ImmutableArray<string> Warnings { get; init; } = [];

    /// <summary>The number of entries.</summary>
    public int Count => Kind == TurnInputKind.Records ? Records.Length : Transcripts.Length;
}
