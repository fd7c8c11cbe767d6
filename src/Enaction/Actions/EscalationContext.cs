using Enaction.Monitoring;
using Enaction.Transcripts;

namespace Enaction.Actions;

/// <summary>What an escalation callback receives.</summary>
/// <param name="Callback">The name the policy used.</param>
/// <param name="Verdict">The verdict that escalated.</param>
/// <param name="Transcript">The conversation at that point.</param>
public sealed record EscalationContext(string Callback, TurnVerdict Verdict, Transcript Transcript);
