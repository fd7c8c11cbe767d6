using Enaction.Policies;

namespace Enaction.Actions;

/// <summary>Resamples and verifications left to one model call (including its retries), from the policy's budgets.</summary>
public sealed class CallBudget
{
    private int _resamples;
    private int _verifications;

    /// <summary>A fresh budget.</summary>
    public CallBudget(PolicyBudgets budgets)
    {
        ArgumentNullException.ThrowIfNull(budgets);
        _resamples = budgets.MaxResamplesPerCall;
        _verifications = budgets.MaxVerificationsPerCall;
    }

    /// <summary>Resamples left.</summary>
    public int ResamplesLeft => Volatile.Read(ref _resamples);

    /// <summary>Verifications left.</summary>
    public int VerificationsLeft => Volatile.Read(ref _verifications);

    /// <summary>Takes up to <paramref name="wanted"/> resamples; returns how many were granted.</summary>
    public int TakeResamples(int wanted)
    {
        while (true)
        {
            var left = Volatile.Read(ref _resamples);
            var granted = Math.Clamp(wanted, 0, left);
            if (Interlocked.CompareExchange(ref _resamples, left - granted, left) == left) return granted;
        }
    }

    /// <summary>Takes one verification; false when none is left.</summary>
    public bool TakeVerification()
    {
        while (true)
        {
            var left = Volatile.Read(ref _verifications);
            if (left <= 0) return false;
            if (Interlocked.CompareExchange(ref _verifications, left - 1, left) == left) return true;
        }
    }
}
