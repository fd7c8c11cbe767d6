using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Enaction.Onnx.Models;

/// <summary>
/// The past key/values of one sequence (batch 1), in ONNX Runtime memory. Owned by one scoring session or one
/// generation; not thread-safe.
/// </summary>
internal sealed class KeyValueCache : IDisposable
{
    private readonly DecoderSignature _signature;
    private OrtValue[] _values;

    public KeyValueCache(DecoderSignature signature)
    {
        _signature = signature;
        _values = Allocate(signature, 0);
    }

    /// <summary>Tokens held.</summary>
    public int Length { get; private set; }

    /// <summary>Past tensors in input order: layer 0 key, layer 0 value, layer 1 key, ...</summary>
    public IReadOnlyList<OrtValue> Values => _values;

    /// <summary>Allocates present tensors for <paramref name="length"/> tokens, for a run to write into.</summary>
    public OrtValue[] AllocatePresent(int length) => Allocate(_signature, length);

    /// <summary>Takes ownership of <paramref name="present"/> as the new past.</summary>
    public void Replace(OrtValue[] present, int length)
    {
        DisposeValues();
        _values = present;
        Length = length;
    }

    /// <summary>Keeps only the first <paramref name="length"/> tokens.</summary>
    public void Truncate(int length)
    {
        if (length >= Length) return;
        if (length <= 0) { Replace(Allocate(_signature, 0), 0); return; }
        var kept = Allocate(_signature, length);
        var elementSize = _signature.CacheType == TensorElementType.Float16 ? 2 : 4;
        var rowBytes = _signature.HeadDim * elementSize;
        for (var i = 0; i < _values.Length; i++)
        {
            var source = _values[i].GetTensorMutableRawData();
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

    public void Dispose() => DisposeValues();

    private void DisposeValues()
    {
        foreach (var v in _values) v.Dispose();
        _values = [];
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
}
