using Enaction.Transcripts;

namespace Enaction.Tests;

/// <summary>Transcripts for ledger tests: an answer at a given index, after a history that is the same every time for
/// that index, so attesting and verifying agree on what the answer answered. Linked into the store test projects.</summary>
internal static class LedgerTranscripts
{
    /// <summary>The question right before every answer.</summary>
    public const string Question = "What is 2+2?";

    /// <summary><paramref name="answer"/> as message <paramref name="index"/>, after alternating earlier turns that end with <see cref="Question"/>.</summary>
    public static Transcript At(int index, string answer)
    {
        var messages = new List<TranscriptMessage>(index + 1);
        for (var i = 0; i < index; i++)
        {
            messages.Add(i == index - 1 ? TranscriptMessage.User(Question)
                : (index - 1 - i) % 2 == 1 ? TranscriptMessage.Assistant($"earlier answer {i}") : TranscriptMessage.User($"earlier question {i}"));
        }
        messages.Add(TranscriptMessage.Assistant(answer));
        return new Transcript(messages);
    }
}
