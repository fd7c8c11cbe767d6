using System.Collections.Immutable;
using Enaction.Detection;

namespace Enaction.Policies;

/// <summary>
/// Applies a <see cref="Policy"/> to findings. Pure and deterministic: the same findings and context always give
/// the same decision, and nothing is read, written or executed.
/// </summary>
/// <remarks>
/// A rule matches when at least one finding meets all its criteria; its actions are then collected in rule order.
/// The collected actions are resolved as follows:
/// <list type="bullet">
/// <item><c>block</c>: one. <c>throw: true</c> beats a replacement; otherwise the earliest rule's wins.
/// A block supersedes <c>strip</c>, <c>resample</c> and <c>verify</c> (they would only shape a response that is
/// discarded); <c>escalate</c>, <c>annotate</c> and <c>log</c> still apply.</item>
/// <item><c>strip</c>, <c>log</c>: one each.</item>
/// <item><c>resample</c>: one; the earliest rule's parameters win.</item>
/// <item><c>verify</c>: one per verifier name; for the same verifier <c>on_reject: block</c> beats <c>annotate</c>.</item>
/// <item><c>escalate</c>: one per callback name.</item>
/// <item><c>annotate</c>: merged into one; for a key set twice the earliest rule's value wins.</item>
/// <item>A host's action (<see cref="CustomAction"/>): one per name and settings, after the built-in actions of its
/// strictness; a block does not remove it.</item>
/// </list>
/// The result is ordered strictest first: block, strip, resample, verify, escalate, annotate, log (strip comes
/// first in its tier because it acts before the call, resample before verify so the kept sample is verified).
/// Budgets are not spent here: the decision carries them for the executor.
/// </remarks>
public sealed class PolicyEngine
{
    /// <summary>Creates an engine for <paramref name="policy"/>.</summary>
    /// <param name="policy">The policy to apply.</param>
    /// <param name="references">
    /// When given, every verifier and callback name in the policy must be registered, or
    /// <see cref="PolicyValidationException"/> is thrown.
    /// </param>
    public PolicyEngine(Policy policy, PolicyReferences? references = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        references?.Validate(policy);
        Policy = policy;
    }

    /// <summary>The policy being applied.</summary>
    public Policy Policy { get; }

    /// <summary>Decides which rules match <paramref name="findings"/> and which actions to take.</summary>
    /// <param name="findings">The findings of one stage of one call.</param>
    /// <param name="context">The stage (request or response), agent and function.</param>
    public PolicyDecision Decide(IReadOnlyList<Finding> findings, PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Stage == PolicyStage.Any)
            throw new ArgumentException("The context stage must be Request or Response.", nameof(context));

        var matched = ImmutableArray.CreateBuilder<MatchedRule>();
        foreach (var rule in Policy.Rules)
        {
            ImmutableArray<Finding>.Builder? hits = null;
            for (var i = 0; i < findings.Count; i++)
            {
                if (rule.Match.Matches(findings[i], context))
                    (hits ??= ImmutableArray.CreateBuilder<Finding>()).Add(findings[i]);
            }
            if (hits is not null) matched.Add(new MatchedRule(rule, hits.ToImmutable()));
        }

        var rules = matched.ToImmutable();
        return new PolicyDecision(Policy.Name, Policy.Version, Policy.Mode, Policy.Budgets, rules, Resolve(rules));
    }

    private static ImmutableArray<PolicyAction> Resolve(ImmutableArray<MatchedRule> rules)
    {
        BlockAction? block = null;
        StripAction? strip = null;
        ResampleAction? resample = null;
        LogAction? log = null;
        AnnotateAction? annotate = null;
        var verifies = new List<VerifyAction>();
        var escalations = new List<EscalateAction>();
        var custom = new List<PolicyAction>();

        foreach (var rule in rules)
        {
            foreach (var action in rule.Rule.Actions)
            {
                switch (action)
                {
                    case BlockAction b:
                        if (block is null || (b.Throw && !block.Throw)) block = b;
                        break;
                    case StripAction s:
                        strip ??= s;
                        break;
                    case ResampleAction r:
                        resample ??= r;
                        break;
                    case LogAction l:
                        log ??= l;
                        break;
                    case AnnotateAction a:
                        if (annotate is null)
                        {
                            annotate = a;
                        }
                        else
                        {
                            var merged = annotate.Metadata;
                            foreach (var pair in a.Metadata)
                                if (!merged.ContainsKey(pair.Key)) merged = merged.Add(pair.Key, pair.Value);
                            annotate = annotate with { Metadata = merged };
                        }
                        break;
                    case VerifyAction v:
                        var index = verifies.FindIndex(x => string.Equals(x.Verifier, v.Verifier, StringComparison.Ordinal));
                        if (index < 0) verifies.Add(v);
                        else if (v.OnReject == VerifierRejection.Block && verifies[index].OnReject != VerifierRejection.Block) verifies[index] = v;
                        break;
                    case EscalateAction e:
                        if (!escalations.Exists(x => string.Equals(x.Callback, e.Callback, StringComparison.Ordinal))) escalations.Add(e);
                        break;
                    default:
                        // A host's action: the same name with the same settings is one action.
                        if (!custom.Contains(action)) custom.Add(action);
                        break;
                }
            }
        }

        var result = ImmutableArray.CreateBuilder<PolicyAction>();
        if (block is not null)
        {
            result.Add(block);
        }
        else
        {
            if (strip is not null) result.Add(strip);
            if (resample is not null) result.Add(resample);
            result.AddRange(verifies);
        }
        result.AddRange(escalations);
        if (annotate is not null) result.Add(annotate);
        if (log is not null) result.Add(log);
        // A host's actions go after the built-in ones of the same strictness (the built-in order is strictest first).
        foreach (var action in custom)
        {
            var at = 0;
            while (at < result.Count && result[at].Strictness >= action.Strictness) at++;
            result.Insert(at, action);
        }
        return result.ToImmutable();
    }
}
