using Enaction.Transcripts;

namespace Enaction.Evaluation;

/// <summary>
/// One line of an off-policy dataset: a transcript whose assistant message <see cref="Target"/> the model either wrote
/// itself (<see cref="OffPolicy"/> false) or did not.
/// </summary>
/// <param name="Transcript">The messages.</param>
/// <param name="Target">Index of the assistant message the label is about.</param>
/// <param name="OffPolicy">True when the model did not write the target itself.</param>
/// <param name="Source">How the target was made: one of <see cref="OffPolicySources"/> (other names are kept as given).</param>
/// <param name="Family">The prompt family (open-ended, arithmetic, ...).</param>
/// <param name="PrefillChars">For a continued prefill, the characters of the target that were put in the model's mouth; else 0.</param>
/// <param name="Shape">The conversation shape (<see cref="ConversationShapes"/>).</param>
public sealed record LabelledTranscript(
    Transcript Transcript,
    int Target,
    bool OffPolicy,
    string Source,
    string Family,
    int PrefillChars = 0,
    string Shape = ConversationShapes.Single);
