namespace Enaction.Policies;

/// <summary>
/// The built-in action names as written in policy files, and the one mapping between them and
/// <see cref="PolicyActionKind"/>. Hosts add their own names by registering an <see cref="Actions.ActionHandler"/>.
/// </summary>
public static class PolicyActionNames
{
    /// <summary><c>log</c>.</summary>
    public const string Log = "log";
    /// <summary><c>annotate</c>.</summary>
    public const string Annotate = "annotate";
    /// <summary><c>escalate</c>.</summary>
    public const string Escalate = "escalate";
    /// <summary><c>verify</c>.</summary>
    public const string Verify = "verify";
    /// <summary><c>resample</c>.</summary>
    public const string Resample = "resample";
    /// <summary><c>strip</c>.</summary>
    public const string Strip = "strip";
    /// <summary><c>block</c>.</summary>
    public const string Block = "block";

    /// <summary>The built-in names, in documentation order.</summary>
    public static IReadOnlyList<string> BuiltIn { get; } = [Log, Annotate, Resample, Verify, Strip, Block, Escalate];

    /// <summary>The name of a built-in kind (<see cref="PolicyActionKind.Custom"/> has none: a custom action carries its own).</summary>
    public static string Of(PolicyActionKind kind) => kind switch
    {
        PolicyActionKind.Log => Log,
        PolicyActionKind.Annotate => Annotate,
        PolicyActionKind.Escalate => Escalate,
        PolicyActionKind.Verify => Verify,
        PolicyActionKind.Resample => Resample,
        PolicyActionKind.Strip => Strip,
        PolicyActionKind.Block => Block,
        _ => "custom",
    };

    /// <summary>The kind a name stands for: a built-in kind, or <see cref="PolicyActionKind.Custom"/> for any other name.</summary>
    public static PolicyActionKind KindOf(string name) => name switch
    {
        Log => PolicyActionKind.Log,
        Annotate => PolicyActionKind.Annotate,
        Escalate => PolicyActionKind.Escalate,
        Verify => PolicyActionKind.Verify,
        Resample => PolicyActionKind.Resample,
        Strip => PolicyActionKind.Strip,
        Block => PolicyActionKind.Block,
        _ => PolicyActionKind.Custom,
    };
}
