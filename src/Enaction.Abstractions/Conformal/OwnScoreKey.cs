namespace Enaction.Conformal;

/// <summary>
/// Which reservoir of own-turn scores a turn belongs to: the generator's model and the agent (the traffic a threshold
/// follows), and the score space (what computed the scores: the calibrated combination or the curvature, for one set of
/// weights). Scores from another space are not comparable, so a new calibration starts a new reservoir.
/// </summary>
/// <param name="Model">The generator's model id.</param>
/// <param name="Agent">The agent name; empty when the call has none.</param>
/// <param name="ScoreSpace">A short fingerprint of the score function (see <c>ConformalThresholds.ScoreSpace</c>).</param>
public sealed record OwnScoreKey(string Model, string Agent, string ScoreSpace)
{
    /// <summary>The longest model, agent or score-space text a store keeps (longer keys are refused, never cut).</summary>
    public const int MaxLength = 512;

    /// <summary>Throws when a part is null or longer than <see cref="MaxLength"/>.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new[] { (nameof(Model), Model), (nameof(Agent), Agent), (nameof(ScoreSpace), ScoreSpace) })
        {
            ArgumentNullException.ThrowIfNull(value, name);
            if (value.Length > MaxLength)
                throw new ArgumentException($"The own-score key's {name} is {value.Length} characters; at most {MaxLength} are kept.", name);
        }
    }
}
