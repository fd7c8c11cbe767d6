using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Enaction.Onnx.Models;

/// <summary>
/// The past key/values of one sequence (batch 1), in ONNX Runtime memory. Owned by one scoring session or one
/// generation; not thread-safe. <see cref="Fork"/> shares the tensors with a second cache instead of copying them:
/// a forward pass only reads its past and writes a new present, so shared tensors are never written to, and each
/// cache drops its reference when it moves on.
/// </summary>
internal sealed class KeyValueCache : IDisposable
{
    private readonly DecoderSignature _signature;
    private Buffers _buffers;

    public KeyValueCache(DecoderSignature signature)
    {
        _signature = signature;
        _buffers = new Buffers(Allocate(signature, 0));
    }

    private KeyValueCache(KeyValueCache source)
    {
        _signature = source._signature;
        _buffers = source._buffers.AddReference();
        Length = source.Length;
    }

    /// <summary>Tokens held.</summary>
    public int Length { get; private set; }

    /// <summary>Past tensors in input order: layer 0 key, layer 0 value, layer 1 key, ...</summary>
    public IReadOnlyList<OrtValue> Values => _buffers.Values;

    /// <summary>A second cache holding the same tokens, sharing this cache's tensors (no copy).</summary>
    public KeyValueCache Fork() => new(this);

    /// <summary>Allocates present tensors for <paramref name="length"/> tokens, for a run to write into.</summary>
    public OrtValue[] AllocatePresent(int length) => Allocate(_signature, length);

    /// <summary>Takes ownership of <paramref name="present"/> as the new past.</summary>
    public void Replace(OrtValue[] present, int length)
    {
        var old = _buffers;
        _buffers = new Buffers(present);
        Length = length;
        old.Release();
    }

    /// <summary>Keeps only the first <paramref name="length"/> tokens.</summary>
    public void Truncate(int length)
    {
        if (length >= Length) return;
        if (length <= 0) { Replace(Allocate(_signature, 0), 0); return; }
        var kept = Allocate(_signature, length);
        var elementSize = _signature.CacheType == TensorElementType.Float16 ? 2 : 4;
        var rowBytes = _signature.HeadDim * elementSize;
        var values = _buffers.Values;
        for (var i = 0; i < values.Length; i++)
        {
            var source = values[i].GetTensorMutableRawData();
            var target = kept[i].GetTensorMutableRawData();
            for (var head = 0; head < _signature.KeyValueHeads; head++)
            {
                source.Slice(head * Length * rowBytes, length * rowBytes)
                    .CopyTo(target.Slice(head * length * rowBytes, length * rowBytes));
            }
        }
        Replace(kept, length);
    }

    /// <summary>Drops everything.</summary>
    public void Clear() => Truncate(0);

    public void Dispose()
    {
        var old = _buffers;
        _buffers = Buffers.Empty;
        Length = 0;
        old.Release();
    }

    private static OrtValue[] Allocate(DecoderSignature signature, int length)
    {
        var values = new OrtValue[signature.Layers.Count * 2];
        long[] shape = [1, signature.KeyValueHeads, length, signature.HeadDim];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = length == 0
                ? signature.CacheType == TensorElementType.Float16
                    ? OrtValue.CreateTensorValueFromMemory(Array.Empty<Float16>(), shape)
                    : OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), shape)
                : OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, signature.CacheType, shape);
        }
        return values;
    }

    /// <summary>Tensors with a count of the caches that hold them; the last to let go disposes them.</summary>
    private sealed class Buffers(OrtValue[] values)
    {
        public static readonly Buffers Empty = new([]) { _references = int.MaxValue / 2 };

        private int _references = 1;

        public OrtValue[] Values { get; } = values;

        public Buffers AddReference()
        {
            Interlocked.Increment(ref _references);
            return this;
        }

        public void Release()
        {
            // Forks of one cache may live on different threads (a branch scored beside its parent).
            if (Interlocked.Decrement(ref _references) != 0) return;
            foreach (var v in Values) v.Dispose();
        }
    }
}
