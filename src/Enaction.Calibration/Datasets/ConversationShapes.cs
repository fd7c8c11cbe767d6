namespace Enaction.Evaluation;

/// <summary>
/// The conversation shapes a prompt file and a dataset distinguish, so detection quality is reported per shape: real
/// traffic is not shaped like the training prompts. Other names are kept as given.
/// </summary>
public static class ConversationShapes
{
    /// <summary>One request in a training wording, optionally after a system message.</summary>
    public const string Single = "single";

    /// <summary>A request worded as training never worded it, often under a system prompt training never used.</summary>
    public const string NewWording = "new-wording";

    /// <summary>Earlier rounds of the conversation, answered by the model itself, before the request.</summary>
    public const string MultiTurn = "multi-turn";

    /// <summary>A tool call and its result between the request and the answer.</summary>
    public const string Tools = "tools";

    /// <summary>The documented shapes, in report order.</summary>
    public static IReadOnlyList<string> All { get; } = [Single, NewWording, MultiTurn, Tools];
}
