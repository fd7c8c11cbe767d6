using System.Buffers.Binary;
using System.Text;

namespace Enaction.Onnx.Tests.Support;

/// <summary>
/// The protobuf wire format, only as far as ONNX files need it: varints, length-delimited strings, bytes and
/// nested messages. CI has no Python, so test models are written from C# with this.
/// </summary>
internal sealed class ProtobufWriter
{
    private const int Varint = 0;
    private const int LengthDelimited = 2;

    private readonly MemoryStream _stream = new();

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _stream.GetBuffer().AsSpan(0, (int)_stream.Length);

    public ProtobufWriter Int64(int field, long value)
    {
        Tag(field, Varint);
        RawVarint((ulong)value);
        return this;
    }

    public ProtobufWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtobufWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimited);
        RawVarint((ulong)value.Length);
        _stream.Write(value);
        return this;
    }

    /// <summary>A nested message: written into its own buffer first, because its length comes before it.</summary>
    public ProtobufWriter Message(int field, Action<ProtobufWriter> body)
    {
        var inner = new ProtobufWriter();
        body(inner);
        return Bytes(field, inner.Written);
    }

    /// <summary>Little-endian float32 values, as TensorProto.raw_data stores them.</summary>
    public static byte[] RawFloats(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return bytes;
    }

    /// <summary>Little-endian int64 values, as TensorProto.raw_data stores them.</summary>
    public static byte[] RawInt64s(ReadOnlySpan<long> values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        return bytes;
    }

    public void CopyTo(Stream destination) => destination.Write(Written);

    private void Tag(int field, int wireType) => RawVarint((ulong)((field << 3) | wireType));

    private void RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _stream.WriteByte((byte)value);
    }
}
