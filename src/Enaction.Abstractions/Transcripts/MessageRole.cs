namespace Enaction.Transcripts;

/// <summary>The author of a transcript message, as chat templates name them.</summary>
public enum MessageRole
{
    /// <summary>Instructions from the application.</summary>
    System,
    /// <summary>Text from the person (or anything the pipeline passes as the person).</summary>
    User,
    /// <summary>Text attributed to the model. Whether the model really wrote it is what the monitor checks.</summary>
    Assistant,
    /// <summary>A tool or function result fed back to the model.</summary>
    Tool,
}

/// <summary>Conversions between <see cref="MessageRole"/> and the lower-case names used in transcripts and templates.</summary>
public static class MessageRoles
{
    /// <summary>The accepted role names, for error messages.</summary>
    public const string Accepted = "system, user, assistant, tool";

    /// <summary>The lower-case name a chat template uses for <paramref name="role"/>.</summary>
    public static string ToName(this MessageRole role) => role switch
    {
        MessageRole.System => "system",
        MessageRole.User => "user",
        MessageRole.Assistant => "assistant",
        MessageRole.Tool => "tool",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    /// <summary>Parses a role name (case-insensitive); returns false for anything else.</summary>
    public static bool TryParse(string? name, out MessageRole role)
    {
        switch (name?.ToLowerInvariant())
        {
            case "system": role = MessageRole.System; return true;
            case "user": role = MessageRole.User; return true;
            case "assistant": role = MessageRole.Assistant; return true;
            case "tool": role = MessageRole.Tool; return true;
            default: role = default; return false;
        }
    }
}
