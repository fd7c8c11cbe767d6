using Enaction.Onnx.Models;
using Microsoft.ML.OnnxRuntime;

namespace Enaction.Tests;

/// <summary>
/// The full next-token distribution of a local ONNX model at every position of a token sequence, reduced to what the
/// log-probability sources see (the top-k) and what only the full distribution gives (the exact entropy). Computed in
/// double from the model's float32 logits, one forward pass over the whole sequence.
/// </summary>
internal static class ExactLogprobs
{
    /// <summary>One position t ≥ 1: the distribution predicted from tokens 0..t−1 and the token at t.</summary>
    public sealed record Position(int Token, double Entropy, double Logprob, int Rank, int[] TopIds, double[] TopLogprobs);

    /// <summary>Positions 1..n−1 of <paramref name="ids"/> (which must fit the model's context), with the top <paramref name="k"/> at each.</summary>
    public static IReadOnlyList<Position> Compute(CausalLanguageModel model, int[] ids, int k)
    {
        if (ids.Length > model.ContextLength) throw new ArgumentException($"{ids.Length} tokens do not fit the context of {model.ContextLength}");
        var vocab = model.VocabSize;
        var logits = new float[ids.Length * vocab];
        using (var cache = model.Signature.HasCache ? new KeyValueCache(model.Signature) : null)
        using (var run = new RunOptions())
            model.Forward(ids, 0, cache, logits, run);

        var result = new List<Position>(ids.Length - 1);
        var logprobs = new double[vocab];
        var order = new int[vocab];
        for (var t = 1; t < ids.Length; t++)
        {
            var row = logits.AsSpan((t - 1) * vocab, vocab);
            double max = double.NegativeInfinity;
            foreach (var x in row) max = Math.Max(max, x);
            double sum = 0;
            foreach (var x in row) sum += Math.Exp(x - max);
            var logSum = max + Math.Log(sum);
            double entropy = 0;
            for (var i = 0; i < vocab; i++)
            {
                logprobs[i] = row[i] - logSum;
                entropy -= Math.Exp(logprobs[i]) * logprobs[i];
            }
            for (var i = 0; i < vocab; i++) order[i] = i;
            Array.Sort(order, (a, b) => logprobs[b].CompareTo(logprobs[a]));
            var token = ids[t];
            var rank = 1;
            for (var i = 0; i < vocab; i++) if (logprobs[i] > logprobs[token]) rank++;
            var top = order.AsSpan(0, k).ToArray();
            result.Add(new Position(token, entropy, logprobs[token], rank, top, top.Select(i => logprobs[i]).ToArray()));
        }
        return result;
    }
}
