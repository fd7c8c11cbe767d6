using System.Globalization;
using System.Text.RegularExpressions;
using Enaction.Actions;

namespace AgentLoop;

/// <summary>
/// The demo's <c>default-verifier</c> (policies/default.yaml names one): a deterministic local check that rejects a
/// response stating a wrong sum or product ("12 x 7 = 85"). A real host registers another model or an HTTP service.
/// </summary>
public sealed partial class ArithmeticVerifier : IVerifier
{
    /// <inheritdoc/>
    public Task<VerificationResult> VerifyAsync(VerificationRequest request, CancellationToken cancellationToken = default)
    {
        foreach (Match m in Equation().Matches(request.Response))
        {
            var a = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var b = double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            var c = double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
            var expected = m.Groups[2].Value == "+" ? a + b : a * b;
            if (Math.Abs(expected - c) > 1e-9) return Task.FromResult(VerificationResult.Reject($"{m.Value} is wrong; expected {expected}"));
        }
        return Task.FromResult(VerificationResult.Approve("no arithmetic errors found"));
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)\s*([+x*×])\s*(\d+(?:\.\d+)?)\s*=\s*(\d+(?:\.\d+)?)")]
    private static partial Regex Equation();
}
