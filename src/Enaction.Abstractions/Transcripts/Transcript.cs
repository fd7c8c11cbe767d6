using System.Collections.Immutable;

namespace Enaction.Transcripts;

/// <summary>An ordered, immutable list of messages: what a model sees as its context.</summary>
public sealed class Transcript : IEquatable<Transcript>
{
    /// <summary>Creates a transcript from messages.</summary>
    public Transcript(IEnumerable<TranscriptMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Messages = messages.ToImmutableArray();
    }

    /// <summary>An empty transcript.</summary>
    public static Transcript Empty { get; } = new([]);

    /// <summary>
    /// The functions the model is offered, for chat templates that render tool definitions; null when none are.
    /// Carried by <see cref="Append"/> and <see cref="Take"/>.
    /// </summary>
    public IReadOnlyList<ToolDefinition>? Tools { get; init; }

    /// <summary>The messages, in order.</summary>
    public ImmutableArray<TranscriptMessage> Messages { get; }

    /// <summary>The number of messages.</summary>
    public int Count => Messages.Length;

    /// <summary>The message at <paramref name="index"/>.</summary>
    public TranscriptMessage this[int index] => Messages[index];

    /// <summary>A new transcript with <paramref name="message"/> appended.</summary>
    public Transcript Append(TranscriptMessage message) => new(Messages.Add(message)) { Tools = Tools };

    /// <summary>A new transcript with the first <paramref name="count"/> messages.</summary>
    public Transcript Take(int count) => new(Messages.Take(count)) { Tools = Tools };

    /// <inheritdoc />
    public bool Equals(Transcript? other) =>
        other is not null && Messages.AsSpan().SequenceEqual(other.Messages.AsSpan());

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Transcript);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var m in Messages) hash.Add(m);
        return hash.ToHashCode();
    }
}
