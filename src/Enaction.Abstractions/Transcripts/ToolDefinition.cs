namespace Enaction.Transcripts;

/// <summary>
/// A function the model is offered (<c>ChatOptions.Tools</c>, Semantic Kernel's function choice), as chat templates
/// with tools render it: <c>{"type": "function", "function": {"name", "description", "parameters"}}</c>.
/// </summary>
/// <param name="Name">The function's name.</param>
/// <param name="Description">What it does, or null.</param>
/// <param name="ParametersJson">The JSON schema of its parameters (its text, key order kept).</param>
public sealed record ToolDefinition(string Name, string? Description, string ParametersJson);
