using System.Collections.Immutable;
using System.Text.Json;

namespace Enaction.Transcripts;

/// <summary>A parsed transcript object: the messages plus any other top-level properties (labels in datasets, for example).</summary>
/// <param name="Transcript">The messages.</param>
/// <param name="Properties">Every top-level property other than <c>messages</c>, as JSON.</param>
public sealed record TranscriptDocument(Transcript Transcript, ImmutableDictionary<string, JsonElement> Properties);
