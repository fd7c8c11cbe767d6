"""Reading the weights of a fixture-layout ONNX export (tools/fixture-model/export.py) back as float32 arrays."""
import numpy as np
import onnx
from onnx import numpy_helper


def cast_target(node):
    for attribute in node.attribute:
        if attribute.name == "to":
            return attribute.i
    return None


def read_weights(proto):
    """State-dict-named float32 arrays ("m." prefix removed) plus the storage type of each ("float16" for weights
    stored as float16 followed by a Cast to float32, "float32" otherwise).

    The exporter keeps one copy of identical tensors (all-ones RMSNorm weights in a random model) and names the others
    through Identity nodes; float16-stored weights reach the graph through a Cast to float32, which ONNX Runtime folds
    when it loads the session, so the float32 values here are exactly the ones the graph computes with."""
    arrays = {init.name: numpy_helper.to_array(init) for init in proto.graph.initializer}
    stored = {name: "float16" if a.dtype == np.float16 else "float32" for name, a in arrays.items()}
    for node in proto.graph.node:
        if node.op_type == "Identity" and node.input[0] in arrays:
            arrays.setdefault(node.output[0], arrays[node.input[0]])
            stored.setdefault(node.output[0], stored[node.input[0]])
        elif node.op_type == "Cast" and node.input[0] in arrays and cast_target(node) == onnx.TensorProto.FLOAT:
            arrays.setdefault(node.output[0], arrays[node.input[0]].astype(np.float32))
            stored.setdefault(node.output[0], stored[node.input[0]])
    weights, types = {}, {}
    for name, array in arrays.items():
        if array.dtype != np.float32:
            continue
        key = name[2:] if name.startswith("m.") else name
        weights[key] = array
        types[key] = stored[name]
    return weights, types
