namespace Enaction.Reporting.Inputs;

/// <summary>What a JSONL input file holds.</summary>
public enum TurnInputKind
{
    /// <summary>Audit records (<see cref="Monitoring.TurnRecord"/>), one per line, as <c>JsonlTurnRecorder</c> writes them.</summary>
    Records,
    /// <summary>Transcript objects <c>{"messages":[...]}</c>, one per line: they need a model to be scored and detected.</summary>
    Transcripts,
}
