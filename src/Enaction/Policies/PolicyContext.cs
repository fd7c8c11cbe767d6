namespace Enaction.Policies;

/// <summary>Where the findings being decided on were made.</summary>
/// <param name="Stage"><see cref="PolicyStage.Request"/> or <see cref="PolicyStage.Response"/>.</param>
/// <param name="Agent">The agent making the call, if the host knows it.</param>
/// <param name="Function">The kernel function making the call, if any.</param>
public sealed record PolicyContext(PolicyStage Stage, string? Agent = null, string? Function = null);
