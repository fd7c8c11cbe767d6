using System.Collections.Immutable;
using YamlDotNet.RepresentationModel;

namespace Enaction.Policies;

/// <summary>
/// The settings written under one action in a policy file (<c>- resample: {n: 3}</c>), for its
/// <see cref="Actions.ActionHandler"/> to read. Every reader checks the value and throws
/// <see cref="PolicyValidationException"/> naming the file, line and column of the bad value and what was expected.
/// </summary>
public sealed class ActionSettings
{
    private readonly PolicyLoader.Reader _reader;
    private readonly YamlNode _action;
    private readonly YamlNode? _settings;
    private Dictionary<string, YamlNode>? _fields;

    internal ActionSettings(PolicyLoader.Reader reader, string action, YamlNode actionNode, YamlNode? settings)
    {
        _reader = reader;
        Action = action;
        _action = actionNode;
        _settings = settings;
        Location = reader.Location(actionNode);
    }

    /// <summary>The action's name as written.</summary>
    public string Action { get; }

    /// <summary>Where the action was written.</summary>
    public PolicySourceLocation Location { get; }

    /// <summary>Rejects any settings: for actions such as <c>log</c> that take none.</summary>
    public void NoSettings() => _reader.NoSettings(_settings, Action);

    /// <summary>Checks that the settings are a mapping whose keys are all among <paramref name="accepted"/>.</summary>
    public void Accept(params string[] accepted)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        _fields = _reader.Settings(_settings, Action, accepted);
    }

    private Dictionary<string, YamlNode> Fields => _fields ??= _reader.Settings(_settings, Action, null);

    /// <summary>Whether <paramref name="key"/> is set.</summary>
    public bool Has(string key) => Fields.ContainsKey(key);

    /// <summary>The text under <paramref name="key"/>, or null when it is not set.</summary>
    public string? Text(string key) => Fields.TryGetValue(key, out var node) ? _reader.Text(node, key) : null;

    /// <summary>The text under <paramref name="key"/>; missing is an error that shows <paramref name="example"/>.</summary>
    public string RequiredText(string key, string example) =>
        _reader.Text(_reader.Required(_action, Fields, key, Action, example), key);

    /// <summary>The whole number under <paramref name="key"/> (from <paramref name="min"/> to <paramref name="max"/>), or null.</summary>
    public int? WholeNumber(string key, int min, int max) =>
        Fields.TryGetValue(key, out var node) ? _reader.WholeNumber(node, key, min, max) : null;

    /// <summary>The finite number under <paramref name="key"/> (between <paramref name="min"/> and <paramref name="max"/>), or null.</summary>
    public double? Number(string key, double min = double.MinValue, double max = double.MaxValue)
    {
        if (!Fields.TryGetValue(key, out var node)) return null;
        var value = _reader.Number(node, key);
        if (value < min || value > max)
            throw _reader.Error(node, FormattableString.Invariant($"{key} must be between {min} and {max}; found {value}"));
        return value;
    }

    /// <summary>The true/false under <paramref name="key"/>, or null.</summary>
    public bool? Flag(string key) => Fields.TryGetValue(key, out var node) ? _reader.Flag(node, key) : null;

    /// <summary>The option named under <paramref name="key"/> (<paramref name="what"/> names it in errors), or null.</summary>
    public T? Choice<T>(string key, string what, IReadOnlyList<(string Name, T Value)> options) where T : struct =>
        Fields.TryGetValue(key, out var node) ? _reader.Choice(node, what, options) : null;

    /// <summary>The text-to-text mapping under <paramref name="key"/> (empty when not set).</summary>
    public ImmutableSortedDictionary<string, string> TextMapping(string key)
    {
        var result = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);
        if (!Fields.TryGetValue(key, out var node) || PolicyLoader.IsNull(node)) return result;
        foreach (var (name, value) in _reader.Fields(node, key, null))
            result = result.SetItem(name, _reader.Text(value, $"{key} \"{name}\""));
        return result;
    }

    /// <summary>Every setting as text: the settings of a <see cref="CustomAction"/>.</summary>
    public ImmutableSortedDictionary<string, string> AllText()
    {
        var result = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in Fields) result = result.SetItem(name, _reader.Text(value, name));
        return result;
    }

    /// <summary>An error at the value of <paramref name="key"/> (or at the action when it is not set).</summary>
    public PolicyValidationException Error(string? key, string problem) =>
        _reader.Error(key is not null && Fields.TryGetValue(key, out var node) ? node : _action, problem);
}
