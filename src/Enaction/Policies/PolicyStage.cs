using System.Text.Json.Serialization;

namespace Enaction.Policies;

/// <summary>Where in a model round trip a finding was made (YAML <c>stage</c>; the names come from the attributes, see <see cref="EnumNames"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PolicyStage>))]
public enum PolicyStage
{
    /// <summary><c>any</c>: a rule with this stage matches at both stages. Not valid in a <see cref="PolicyContext"/>.</summary>
    [JsonStringEnumMemberName("any")]
    Any,
    /// <summary><c>request</c>: the history about to be sent to the model.</summary>
    [JsonStringEnumMemberName("request")]
    Request,
    /// <summary><c>response</c>: what the model just generated.</summary>
    [JsonStringEnumMemberName("response")]
    Response,
}
