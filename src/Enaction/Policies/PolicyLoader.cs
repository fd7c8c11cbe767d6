using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Enaction.Detection;
using Enaction.Transcripts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Enaction.Policies;

/// <summary>
/// Reads policy YAML (schema: <c>policies/README.md</c>). Anything invalid is rejected with a
/// <see cref="PolicyValidationException"/> naming the file, line, column and what was expected.
/// </summary>
public static partial class PolicyLoader
{
    /// <summary>The built-in action names, in documentation order (a host's registered actions are accepted too).</summary>
    public static IReadOnlyList<string> ActionNames => PolicyActionNames.BuiltIn;

    private static readonly (string Name, Severity Value)[] Severities = [("low", Severity.Low), ("medium", Severity.Medium), ("high", Severity.High)];
    private static readonly (string Name, FailureMode Value)[] Modes = [("fail-open", FailureMode.FailOpen), ("fail-closed", FailureMode.FailClosed)];
    private static readonly (string Name, PolicyStage Value)[] Stages = [("request", PolicyStage.Request), ("response", PolicyStage.Response), ("any", PolicyStage.Any)];

    private static readonly (string Name, UnjudgedTurns Value)[] UnjudgedModes = [("strip", UnjudgedTurns.Strip), ("block", UnjudgedTurns.Block), ("keep", UnjudgedTurns.Keep)];

    private static readonly (string Name, SurrogateTurns Value)[] SurrogateModes = [("skip", SurrogateTurns.Skip), ("judge", SurrogateTurns.Judge)];

    private static readonly string[] PolicyKeys = ["name", "version", "description", "mode", "unjudged", "surrogate", "budgets", "conformal", "rules"];
    private static readonly string[] ConformalKeys = ["target_fpr", "min_turns", "capacity", "contrast_sample_rate", "drift_window", "drift_p_value"];
    private static readonly string[] BudgetKeys = ["max_resamples_per_call", "max_verifications_per_call", "scoring_timeout"];
    private static readonly string[] RuleKeys = ["name", "description", "match", "actions"];
    private static readonly string[] MatchKeys = ["kinds", "min_severity", "score", "agents", "functions", "stage"];
    private static readonly string[] ScoreKeys = ["min", "max"];

    /// <summary>The largest policy file read (1 MiB): a policy is a page of rules, and a runaway file must not exhaust a host.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The deepest nesting of lists and mappings accepted; deeper input is rejected before it is built.</summary>
    public const int MaxDepth = 32;

    /// <summary>The longest <c>scoring_timeout</c> accepted (1 hour): longer would never end a stuck scorer in practice,
    /// and timers cannot hold much more than 49 days.</summary>
    public static TimeSpan MaxScoringTimeout { get; } = TimeSpan.FromHours(1);

    /// <summary>The largest budget (<c>max_resamples_per_call</c>, <c>max_verifications_per_call</c>) and resample <c>n</c> accepted.</summary>
    public const int MaxCount = 100;

    /// <summary>Reads and validates a policy file.</summary>
    /// <param name="path">The file; error messages name it as given.</param>
    /// <param name="references">When given, verifier and callback names must be registered.</param>
    public static Policy Load(string path, PolicyReferences? references = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(ReadText(path), path, references);
    }

    /// <summary>Reads and validates a policy file asynchronously.</summary>
    public static async Task<Policy> LoadAsync(string path, PolicyReferences? references = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = await ReadBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(Decode(bytes, path), path, references);
    }

    private static string ReadText(string path) => Decode(ReadBytesAsync(path, CancellationToken.None).GetAwaiter().GetResult(), path);

    /// <summary>Reads a policy file's bytes, refusing anything over <see cref="MaxFileBytes"/> before reading it.</summary>
    internal static async Task<byte[]> ReadBytesAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: false);
            if (stream.Length > MaxFileBytes)
                throw new PolicyValidationException(path, null, null,
                    FormattableString.Invariant($"the file is {stream.Length:N0} bytes; a policy file must be at most {MaxFileBytes:N0} bytes"));
            var bytes = new byte[stream.Length];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyValidationException(path, null, null, $"cannot read the file ({e.Message})", e);
        }
    }

    /// <summary>Decodes UTF-8 (a byte order mark allowed); invalid bytes are an error with their line.</summary>
    internal static string Decode(byte[] bytes, string path)
    {
        var span = bytes.AsSpan();
        // Editors on Windows may save UTF-16 with a byte order mark.
        if (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])) return Encoding.Unicode.GetString(span[2..]);
        if (span.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return Encoding.BigEndianUnicode.GetString(span[2..]);
        if (span.StartsWith("\uFEFF"u8)) span = span[3..];
        if (Utf8Text.IndexOfInvalid(span) is var invalid and >= 0)
        {
            var (line, column) = Utf8Text.Position(span, invalid);
            throw new PolicyValidationException(path, line, column, Utf8Text.Describe(span, invalid));
        }
        return Encoding.UTF8.GetString(span);
    }

    /// <summary>Parses and validates policy YAML.</summary>
    /// <param name="yaml">The policy text.</param>
    /// <param name="source">The name error messages use for the text.</param>
    /// <param name="references">When given, verifier and callback names must be registered.</param>
    public static Policy Parse(string yaml, string source = "<input>", PolicyReferences? references = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(source);
        var stream = new YamlStream();
        try
        {
            CheckDepth(yaml, source);
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new PolicyValidationException(source, e.Start.Line, e.Start.Column, CleanYamlMessage(e), e);
        }
        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
            throw new PolicyValidationException(source, 1, 1, "the file is empty; expected a mapping with the keys " + string.Join(", ", PolicyKeys));
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            throw new PolicyValidationException(source, second.Start.Line, second.Start.Column, "expected one YAML document; found a second one");
        }

        var policy = new Reader(source, references?.FindingKinds ?? (IReadOnlySet<string>)new HashSet<string>(FindingKinds.All, StringComparer.Ordinal),
            references?.Actions ?? Actions.ActionHandlerRegistry.BuiltIn).ReadPolicy(stream.Documents[0].RootNode);
        references?.Validate(policy);
        return policy;
    }

    /// <summary>
    /// Walks the YAML events (no tree is built, so no recursion) and rejects nesting deeper than
    /// <see cref="MaxDepth"/>: building the tree of a deeply nested file would recurse until the stack overflows,
    /// which no handler can catch.
    /// </summary>
    private static void CheckDepth(string yaml, string source)
    {
        var parser = new Parser(new StringReader(yaml));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxDepth)
                        throw new PolicyValidationException(source, parser.Current.Start.Line, parser.Current.Start.Column,
                            $"lists and mappings are nested more than {MaxDepth} deep; a policy needs at most a few levels");
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    private static string CleanYamlMessage(YamlException e)
    {
        var message = YamlLocationPrefix().Replace(e.Message, string.Empty);
        if (e.InnerException is { } inner && !string.IsNullOrWhiteSpace(inner.Message) && message.Length == 0) message = inner.Message;
        return "invalid YAML: " + message;
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex YamlLocationPrefix();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$")]
    private static partial Regex DurationPattern();

    private static string Hours(TimeSpan span) => FormattableString.Invariant($"{span.TotalHours:0.##}h");

    internal static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ when IsNull(node) => "nothing",
        YamlScalarNode s => $"\"{s.Value}\"",
        _ => "something else",
    };

    /// <summary>Reads one policy document; holds the file name for locations and errors.</summary>
    internal sealed class Reader(string file, IReadOnlySet<string> knownKinds, Actions.ActionHandlerRegistry handlers)
    {
        internal PolicyValidationException Error(YamlNode node, string problem) => new(file, node.Start.Line, node.Start.Column, problem);

        internal PolicySourceLocation Location(YamlNode node) => new(file, node.Start.Line, node.Start.Column);

        public Policy ReadPolicy(YamlNode root)
        {
            var fields = Fields(root, "the policy", PolicyKeys);
            var name = Text(Required(root, fields, "name", "the policy", "name: TEXT"), "name");
            var version = Text(Required(root, fields, "version", "the policy", "version: TEXT"), "version");
            var rulesNode = Required(root, fields, "rules", "the policy", "rules: [ ... ]");
            FailureMode? mode = fields.TryGetValue("mode", out var m) ? Choice(m, "mode", Modes) : null;
            var unjudged = fields.TryGetValue("unjudged", out var u) ? Choice(u, "unjudged", UnjudgedModes) : UnjudgedTurns.Strip;
            var surrogate = fields.TryGetValue("surrogate", out var sg) ? Choice(sg, "surrogate", SurrogateModes) : SurrogateTurns.Skip;
            var budgets = fields.TryGetValue("budgets", out var b) ? ReadBudgets(b) : PolicyBudgets.Default;
            var description = fields.TryGetValue("description", out var d) ? Text(d, "description") : null;
            var conformal = fields.TryGetValue("conformal", out var c) ? ReadConformal(c) : null;

            var rules = ImmutableArray.CreateBuilder<PolicyRule>();
            var names = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var item in Sequence(rulesNode, "rules"))
            {
                var (rule, nameNode) = ReadRule(item);
                if (names.TryGetValue(rule.Name, out var first))
                    throw Error(nameNode, $"duplicate rule name \"{rule.Name}\"; the first is at line {first.Start.Line}, and rule names must be unique");
                names.Add(rule.Name, nameNode);
                rules.Add(rule);
            }

            // Required, and checked last so that other errors come first: a save cut off before the mode line must
            // never turn a fail-closed policy into a fail-open one.
            if (mode is null)
                throw Error(root, "the policy has no \"mode\"; expected mode: fail-open or mode: fail-closed (stated explicitly, so a truncated file cannot change it)");
            return new Policy(name, version, mode.Value, budgets, rules.ToImmutable()) { Description = description, Source = file, Unjudged = unjudged, Surrogate = surrogate, Conformal = conformal };
        }

        private PolicyBudgets ReadBudgets(YamlNode node)
        {
            if (IsNull(node)) return PolicyBudgets.Default;
            var fields = Fields(node, "budgets", BudgetKeys);
            var defaults = PolicyBudgets.Default;
            return new PolicyBudgets(
                fields.TryGetValue("max_resamples_per_call", out var r) ? WholeNumber(r, "max_resamples_per_call", 0, MaxCount) : defaults.MaxResamplesPerCall,
                fields.TryGetValue("max_verifications_per_call", out var v) ? WholeNumber(v, "max_verifications_per_call", 0, MaxCount) : defaults.MaxVerificationsPerCall,
                fields.TryGetValue("scoring_timeout", out var t) ? Duration(t, "scoring_timeout") : defaults.ScoringTimeout);
        }

        private Conformal.ConformalOptions ReadConformal(YamlNode node)
        {
            var defaults = new Conformal.ConformalOptions();
            if (IsNull(node)) return defaults;
            var fields = Fields(node, "conformal", ConformalKeys);
            var options = new Conformal.ConformalOptions
            {
                TargetFpr = fields.TryGetValue("target_fpr", out var t) ? Number(t, "conformal.target_fpr") : defaults.TargetFpr,
                MinTurns = fields.TryGetValue("min_turns", out var n) ? WholeNumber(n, "conformal.min_turns", 1, Conformal.ConformalOptions.MaxCapacity) : null,
                Capacity = fields.TryGetValue("capacity", out var k) ? WholeNumber(k, "conformal.capacity", 1, Conformal.ConformalOptions.MaxCapacity) : defaults.Capacity,
                ContrastSampleRate = fields.TryGetValue("contrast_sample_rate", out var r) ? Number(r, "conformal.contrast_sample_rate") : defaults.ContrastSampleRate,
                DriftWindow = fields.TryGetValue("drift_window", out var w) ? WholeNumber(w, "conformal.drift_window", 20, Conformal.ConformalOptions.MaxCapacity) : defaults.DriftWindow,
                DriftPValue = fields.TryGetValue("drift_p_value", out var p) ? Number(p, "conformal.drift_p_value") : defaults.DriftPValue,
            };
            // Point at the setting that is out of range (the block itself for settings that conflict with each other).
            if (options.Problem("conformal.", yamlNames: true) is { } problem)
            {
                var at = ConformalKeys.FirstOrDefault(key => problem.StartsWith("conformal." + key + " ", StringComparison.Ordinal)) is { } bad
                    && fields.TryGetValue(bad, out var badNode) ? badNode : node;
                throw Error(at, problem);
            }
            return options;
        }

        private (PolicyRule Rule, YamlNode NameNode) ReadRule(YamlNode node)
        {
            var fields = Fields(node, "a rule", RuleKeys);
            var nameNode = Required(node, fields, "name", "a rule", "name: TEXT");
            var name = Text(nameNode, "name");
            var match = fields.TryGetValue("match", out var m) ? ReadMatch(m) : RuleMatch.Any;
            var description = fields.TryGetValue("description", out var d) ? Text(d, "description") : null;
            var expected = "expected at least one of " + string.Join(", ", handlers.Names);
            if (!fields.TryGetValue("actions", out var actionsNode))
                throw Error(node, $"rule \"{name}\" has no actions; {expected}");
            if (IsNull(actionsNode) || actionsNode is YamlSequenceNode { Children.Count: 0 })
                throw Error(actionsNode, $"rule \"{name}\" has no actions; {expected}");
            var actions = ImmutableArray.CreateBuilder<PolicyAction>();
            foreach (var item in Sequence(actionsNode, "actions"))
                actions.Add(ReadAction(item));
            return (new PolicyRule(name, match, actions.ToImmutable()) { Description = description, Location = Location(node) }, nameNode);
        }

        private RuleMatch ReadMatch(YamlNode node)
        {
            if (IsNull(node)) return RuleMatch.Any;
            var fields = Fields(node, "match", MatchKeys);
            var kinds = ImmutableArray<string>.Empty;
            if (fields.TryGetValue("kinds", out var k))
            {
                NotEmpty(k, "kinds", "a finding kind");
                var builder = ImmutableArray.CreateBuilder<string>();
                foreach (var item in Sequence(k, "kinds"))
                {
                    var kind = Text(item, "a finding kind");
                    if (!knownKinds.Contains(kind))
                        throw Error(item, $"unknown finding kind \"{kind}\"; expected one of {string.Join(", ", FindingKinds.All.Concat(knownKinds.Except(FindingKinds.All).Order(StringComparer.Ordinal)))} (custom detectors add theirs)");
                    builder.Add(kind);
                }
                kinds = builder.ToImmutable();
            }
            var minSeverity = fields.TryGetValue("min_severity", out var s) ? Choice(s, "severity", Severities) : Severity.Low;
            var score = fields.TryGetValue("score", out var r) ? ReadScore(r) : ScoreRange.Any;
            var agents = fields.TryGetValue("agents", out var a) ? Names(a, "agents") : [];
            var functions = fields.TryGetValue("functions", out var f) ? Names(f, "functions") : [];
            var stage = fields.TryGetValue("stage", out var st) ? Choice(st, "stage", Stages) : PolicyStage.Any;
            return new RuleMatch(kinds, minSeverity, score, agents, functions, stage);
        }

        private ScoreRange ReadScore(YamlNode node)
        {
            if (IsNull(node)) return ScoreRange.Any;
            var fields = Fields(node, "score", ScoreKeys);
            double? min = fields.TryGetValue("min", out var lo) ? Number(lo, "min") : null;
            double? max = fields.TryGetValue("max", out var hi) ? Number(hi, "max") : null;
            if (min > max)
                throw Error(node, FormattableString.Invariant($"score min {min} is greater than max {max}; expected min <= max"));
            return new ScoreRange(min, max);
        }

        private ImmutableArray<string> Names(YamlNode node, string what)
        {
            NotEmpty(node, what, "a name or a pattern with *");
            var builder = ImmutableArray.CreateBuilder<string>();
            foreach (var item in Sequence(node, what))
            {
                var name = Text(item, $"an entry of {what}");
                if (name.Length == 0) throw Error(item, $"an entry of {what} is empty; expected a name or a pattern with *");
                builder.Add(name);
            }
            return builder.ToImmutable();
        }

        /// <summary>An empty list would read as "any" and widen the rule to every finding: it is an error.</summary>
        private void NotEmpty(YamlNode node, string what, string entry)
        {
            if (node is YamlSequenceNode { Children.Count: 0 })
                throw Error(node, $"{what} is an empty list, which would match everything; list at least one entry ({entry}) or leave {what} out to match any");
        }

        private PolicyAction ReadAction(YamlNode node)
        {
            YamlScalarNode nameNode;
            YamlNode? settings = null;
            switch (node)
            {
                case YamlScalarNode scalar when !IsNull(scalar):
                    nameNode = scalar;
                    break;
                case YamlMappingNode { Children.Count: > 0 } mapping:
                    var (key, value) = mapping.Children[0];
                    nameNode = key as YamlScalarNode ?? throw Error(key, $"an action name must be text; found {Describe(key)}");
                    settings = value;
                    if (mapping.Children.Count > 1)
                    {
                        CheckActionName(nameNode);
                        var extra = mapping.Children[1].Key;
                        throw Error(extra, $"unexpected key {Describe(extra)} beside action \"{nameNode.Value}\"; " +
                            $"indent the action's settings under it, for example - {nameNode.Value}: {{ ... }}");
                    }
                    break;
                default:
                    throw Error(node, $"an action must be a name such as - log, or a single-key mapping such as - resample: {{n: 3}}; found {Describe(node)}");
            }

            var name = CheckActionName(nameNode);
            return handlers.Find(name)!.Read(new ActionSettings(this, name, node, settings));
        }

        private string CheckActionName(YamlScalarNode node)
        {
            var name = node.Value ?? string.Empty;
            if (handlers.Find(name) is null)
                throw Error(node, $"unknown action \"{name}\"; expected one of {string.Join(", ", handlers.Names)}");
            return name;
        }

        internal void NoSettings(YamlNode? settings, string action)
        {
            if (settings is null || IsNull(settings) || settings is YamlMappingNode { Children.Count: 0 }) return;
            if (settings is YamlMappingNode mapping)
                throw Error(mapping.Children[0].Key, $"unknown key {Describe(mapping.Children[0].Key)} in {action}; {action} takes no settings");
            throw Error(settings, $"{action} takes no settings; found {Describe(settings)}");
        }

        internal Dictionary<string, YamlNode> Settings(YamlNode? settings, string action, string[]? accepted) =>
            settings is null || IsNull(settings) ? new Dictionary<string, YamlNode>() : Fields(settings, $"the settings of {action}", accepted);

        /// <summary>The entries of a mapping; with <paramref name="accepted"/>, any other key is an error.</summary>
        internal Dictionary<string, YamlNode> Fields(YamlNode node, string what, string[]? accepted)
        {
            if (node is not YamlMappingNode mapping)
                throw Error(node, $"{what} must be a mapping; found {Describe(node)}");
            var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in mapping.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key } || IsNull(keyNode))
                    throw Error(keyNode, $"keys in {what} must be text; found {Describe(keyNode)}");
                if (accepted is not null && !accepted.Contains(key, StringComparer.Ordinal))
                    throw Error(keyNode, $"unknown key \"{key}\" in {what}; expected one of {string.Join(", ", accepted)}");
                if (!fields.TryAdd(key, value))
                    throw Error(keyNode, $"duplicate key \"{key}\" in {what}");
            }
            return fields;
        }

        internal YamlNode Required(YamlNode owner, Dictionary<string, YamlNode> fields, string key, string what, string example) =>
            fields.TryGetValue(key, out var value) ? value : throw Error(owner, $"{what} has no \"{key}\"; expected {example}");

        internal IList<YamlNode> Sequence(YamlNode node, string what) =>
            node is YamlSequenceNode sequence ? sequence.Children : throw Error(node, $"{what} must be a list; found {Describe(node)}");

        internal string Text(YamlNode node, string what) =>
            node is YamlScalarNode { Value: { } value } && !IsNull(node) ? value : throw Error(node, $"{what} must be text; found {Describe(node)}");

        internal int WholeNumber(YamlNode node, string what, int min, int max)
        {
            if (node is YamlScalarNode { Value: { } text } && !IsNull(node) &&
                int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
                return value;
            throw Error(node, $"{what} must be a whole number from {min} to {max}; found {Describe(node)}");
        }

        internal double Number(YamlNode node, string what)
        {
            if (node is YamlScalarNode { Value: { } text } && !IsNull(node) &&
                double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                return value;
            throw Error(node, $"{what} must be a number; found {Describe(node)}");
        }

        internal bool Flag(YamlNode node, string what) => node is YamlScalarNode { Value: { } text } && !IsNull(node)
            ? text switch
            {
                "true" or "True" or "TRUE" => true,
                "false" or "False" or "FALSE" => false,
                _ => throw Error(node, $"{what} must be true or false; found {Describe(node)}"),
            }
            : throw Error(node, $"{what} must be true or false; found {Describe(node)}");

        internal T Choice<T>(YamlNode node, string what, IReadOnlyList<(string Name, T Value)> options)
        {
            var expected = string.Join(", ", options.Select(o => o.Name));
            if (node is not YamlScalarNode { Value: { } text } || IsNull(node))
                throw Error(node, $"{what} must be one of {expected}; found {Describe(node)}");
            foreach (var (name, value) in options)
                if (string.Equals(name, text, StringComparison.Ordinal)) return value;
            throw Error(node, $"unknown {what} \"{text}\"; expected one of {expected}");
        }

        private TimeSpan Duration(YamlNode node, string what)
        {
            if (node is YamlScalarNode { Value: { } text } && !IsNull(node))
            {
                var match = DurationPattern().Match(text.Trim());
                if (match.Success)
                {
                    var amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                    // In milliseconds as a double first: TimeSpan.FromHours and friends throw OverflowException on
                    // huge values (999999999999h), and nothing a file contains may throw anything but a rejection.
                    var milliseconds = amount * match.Groups[2].Value switch { "ms" => 1.0, "s" => 1e3, "m" => 60e3, _ => 3600e3 };
                    if (double.IsFinite(milliseconds) && milliseconds > MaxScoringTimeout.TotalMilliseconds)
                        throw Error(node, $"{what} {Describe(node)} is longer than the {Hours(MaxScoringTimeout)} allowed; expected a positive duration up to {Hours(MaxScoringTimeout)}");
                    if (double.IsFinite(milliseconds) && TimeSpan.FromMilliseconds(milliseconds) is var duration && duration > TimeSpan.Zero) return duration;
                }
            }
            throw Error(node, $"cannot read {what} {Describe(node)} as a duration; expected a positive number followed by ms, s, m or h, at most {Hours(MaxScoringTimeout)} (for example 500ms, 2s, 1.5s)");
        }
    }
}
