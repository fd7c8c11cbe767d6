namespace Enaction.Actions;

/// <summary>An external check a policy's <c>verify</c> action consults by name; its verdict decides.</summary>
public interface IVerifier
{
    /// <summary>Judges a response.</summary>
    Task<VerificationResult> VerifyAsync(VerificationRequest request, CancellationToken cancellationToken = default);
}
