using System.Collections.Concurrent;
using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace AgentLoop.Plugins;

/// <summary>A notes store the agent can write and read. Its contents come back to the model as tool output: external input.</summary>
public sealed class NotesPlugin
{
    private readonly ConcurrentDictionary<string, string> _notes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Saves a note.</summary>
    [KernelFunction("save"), Description("Saves a note under a title.")]
    public string Save(string title, string text)
    {
        _notes[title] = text;
        return $"Saved \"{title}\".";
    }

    /// <summary>Reads a note.</summary>
    [KernelFunction("read"), Description("Reads the note with this title.")]
    public string Read(string title) => _notes.TryGetValue(title, out var text) ? text : $"No note called \"{title}\".";
}
