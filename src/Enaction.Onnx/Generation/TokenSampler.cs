using System.Numerics.Tensors;

namespace Enaction.Onnx.Generation;

/// <summary>Temperature and nucleus (top-p) sampling from one row of logits.</summary>
public static class TokenSampler
{
    /// <summary>
    /// Draws a token id. <paramref name="probabilities"/> and <paramref name="order"/> are scratch buffers of the
    /// vocabulary's length.
    /// </summary>
    public static int Sample(ReadOnlySpan<float> logits, float temperature, float topP, Random random, Span<float> probabilities, Span<int> order)
    {
        if (temperature == 0) return TensorPrimitives.IndexOfMax(logits);
        var n = logits.Length;
        var p = probabilities[..n];
        TensorPrimitives.Divide(logits, temperature, p);
        TensorPrimitives.SoftMax(p, p);

        if (topP < 1)
        {
            var ids = order[..n];
            for (var i = 0; i < n; i++) ids[i] = i;
            // Sort ids by probability, highest first (keys are negated probabilities on a copy).
            var keys = new float[n];
            for (var i = 0; i < n; i++) keys[i] = -p[i];
            keys.AsSpan().Sort(ids);
            var cumulative = 0f;
            var cut = n;
            for (var i = 0; i < n; i++)
            {
                cumulative += p[ids[i]];
                if (cumulative >= topP) { cut = i + 1; break; }
            }
            var draw = random.NextSingle() * cumulative;
            var acc = 0f;
            for (var i = 0; i < cut; i++)
            {
                acc += p[ids[i]];
                if (draw < acc) return ids[i];
            }
            return ids[cut - 1];
        }

        var target = random.NextSingle();
        var sum = 0f;
        for (var i = 0; i < n; i++)
        {
            sum += p[i];
            if (target < sum) return i;
        }
        return TensorPrimitives.IndexOfMax(p);
    }
}
