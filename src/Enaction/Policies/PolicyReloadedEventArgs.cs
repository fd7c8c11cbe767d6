namespace Enaction.Policies;

/// <summary>A changed policy file was valid and is now in force.</summary>
public sealed class PolicyReloadedEventArgs(string file, Policy previous, Policy current) : EventArgs
{
    /// <summary>The watched file.</summary>
    public string File { get; } = file;
    /// <summary>The policy that was in force before.</summary>
    public Policy Previous { get; } = previous;
    /// <summary>The policy now in force.</summary>
    public Policy Current { get; } = current;
}
