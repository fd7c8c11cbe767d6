namespace Enaction.Policies;

/// <summary>Where in a model round trip a finding was made (YAML <c>stage</c>).</summary>
public enum PolicyStage
{
    /// <summary><c>any</c>: a rule with this stage matches at both stages. Not valid in a <see cref="PolicyContext"/>.</summary>
    Any,
    /// <summary><c>request</c>: the history about to be sent to the model.</summary>
    Request,
    /// <summary><c>response</c>: what the model just generated.</summary>
    Response,
}
