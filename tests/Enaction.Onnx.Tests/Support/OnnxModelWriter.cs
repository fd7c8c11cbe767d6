namespace Enaction.Onnx.Tests.Support;

/// <summary>
/// Writes a single-graph ONNX model (float and int64 tensors, int attributes) from C#, so tests can build models of
/// any size at run time instead of committing them. Field numbers are those of onnx.proto.
/// </summary>
internal sealed class OnnxModelWriter
{
    /// <summary>TensorProto.DataType FLOAT.</summary>
    public const int Float = 1;
    /// <summary>TensorProto.DataType INT64.</summary>
    public const int Int64 = 7;

    private const int AttributeTypeInt = 2;

    private readonly List<Action<ProtobufWriter>> _nodes = [];
    private readonly List<Action<ProtobufWriter>> _initializers = [];
    private readonly List<Action<ProtobufWriter>> _inputs = [];
    private readonly List<Action<ProtobufWriter>> _outputs = [];

    /// <summary>A graph input of <paramref name="elementType"/> with the given fixed or named dimensions.</summary>
    public OnnxModelWriter Input(string name, int elementType, params OnnxDimension[] shape)
    {
        _inputs.Add(w => ValueInfo(w, name, elementType, shape));
        return this;
    }

    /// <summary>A graph output of <paramref name="elementType"/> with the given fixed or named dimensions.</summary>
    public OnnxModelWriter Output(string name, int elementType, params OnnxDimension[] shape)
    {
        _outputs.Add(w => ValueInfo(w, name, elementType, shape));
        return this;
    }

    /// <summary>A constant float32 tensor.</summary>
    public OnnxModelWriter Initializer(string name, float[] values, params long[] dims) =>
        Initializer(name, Float, ProtobufWriter.RawFloats(values), dims);

    /// <summary>A constant int64 tensor.</summary>
    public OnnxModelWriter Initializer(string name, long[] values, params long[] dims) =>
        Initializer(name, Int64, ProtobufWriter.RawInt64s(values), dims);

    /// <summary>A node of the default ONNX domain, with int attributes only.</summary>
    public OnnxModelWriter Node(string opType, string[] inputs, string[] outputs, params (string Name, long Value)[] attributes)
    {
        var name = opType + "_" + _nodes.Count;
        _nodes.Add(w =>
        {
            foreach (var input in inputs) w.String(1, input);       // NodeProto.input
            foreach (var output in outputs) w.String(2, output);    // NodeProto.output
            w.String(3, name);                                      // NodeProto.name
            w.String(4, opType);                                    // NodeProto.op_type
            foreach (var (attribute, value) in attributes)
                w.Message(5, a => a                                 // NodeProto.attribute
                    .String(1, attribute)                           // AttributeProto.name
                    .Int64(3, value)                                // AttributeProto.i
                    .Int64(20, AttributeTypeInt));                  // AttributeProto.type
        });
        return this;
    }

    /// <summary>Writes the model to <paramref name="path"/>.</summary>
    public void Save(string path, string graphName, int opset = 17, long irVersion = 8)
    {
        var model = new ProtobufWriter()
            .Int64(1, irVersion)                                    // ModelProto.ir_version
            .String(2, "Enaction.Onnx.Tests")                       // ModelProto.producer_name
            .Message(8, o => o.String(1, "").Int64(2, opset))       // ModelProto.opset_import {domain, version}
            .Message(7, g =>                                        // ModelProto.graph
            {
                foreach (var node in _nodes) g.Message(1, node);    // GraphProto.node
                g.String(2, graphName);                             // GraphProto.name
                foreach (var t in _initializers) g.Message(5, t);   // GraphProto.initializer
                foreach (var i in _inputs) g.Message(11, i);        // GraphProto.input
                foreach (var o in _outputs) g.Message(12, o);       // GraphProto.output
            });
        using var file = File.Create(path);
        model.CopyTo(file);
    }

    private OnnxModelWriter Initializer(string name, int elementType, byte[] raw, long[] dims)
    {
        _initializers.Add(w =>
        {
            foreach (var d in dims) w.Int64(1, d);                  // TensorProto.dims
            w.Int64(2, elementType);                                // TensorProto.data_type
            w.String(8, name);                                      // TensorProto.name
            w.Bytes(9, raw);                                        // TensorProto.raw_data
        });
        return this;
    }

    private static void ValueInfo(ProtobufWriter w, string name, int elementType, OnnxDimension[] shape)
    {
        w.String(1, name);                                          // ValueInfoProto.name
        w.Message(2, type => type                                   // ValueInfoProto.type
            .Message(1, tensor =>                                   // TypeProto.tensor_type
            {
                tensor.Int64(1, elementType);                       // TypeProto.Tensor.elem_type
                tensor.Message(2, s =>                              // TypeProto.Tensor.shape
                {
                    foreach (var d in shape)
                        s.Message(1, dim =>                         // TensorShapeProto.dim
                        {
                            if (d.Name is { } param) dim.String(2, param); // Dimension.dim_param
                            else dim.Int64(1, d.Value);             // Dimension.dim_value
                        });
                });
            }));
    }
}

/// <summary>One axis of a graph input or output: a fixed size or a named (dynamic) one.</summary>
internal readonly record struct OnnxDimension(long Value, string? Name)
{
    public static implicit operator OnnxDimension(long value) => new(value, null);
    public static implicit operator OnnxDimension(string name) => new(0, name);
}
