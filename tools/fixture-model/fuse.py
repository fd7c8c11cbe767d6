"""Rewrite a fixture-layout decoder (tools/fixture-model/export.py) with ONNX Runtime's fused decoder operators.

  /usr/bin/python3 tools/fixture-model/fuse.py MODEL_DIR [--int8 [--int8-kind rowwise|dynamic|nbits]] [--out OUT.onnx]

ONNX Runtime fuses some of an exported Llama graph by itself when it loads it (RMSNorm into
SimplifiedLayerNormalization, x*sigmoid(x) into QuickGelu, transposes into FusedMatMul), but not attention: the
export computes QK^T, adds a [S, P+S] mask tensor, runs Softmax and multiplies by V as separate 5-D operators, and
applies rotary positions with a dozen Slice/Neg/Concat/Mul/Add nodes per layer. Its offline transformer optimizer (a
Python package not available here) would rewrite them into contrib operators. This script writes that graph directly
(measured: no faster than ONNX Runtime's own fusions of the plain export on these models, so the float32 files stay
as exported), and with --int8 the int8-weight variant the scorer loads for ScoringPrecision.Int8:

  per layer: SkipSimplifiedLayerNormalization (residual add + RMSNorm), one MatMul for Q, K and V together,
  GroupQueryAttention (rotary positions, causal softmax and the KV-cache concat in one kernel), MatMul,
  SkipSimplifiedLayerNormalization, gate and up MatMuls, QuickGelu (SiLU), Mul, down MatMul; then the final norm and
  the LM head.

The inputs and outputs keep the Optimum decoder-with-past names, types and shapes, so the C# scorer loads the result
as it loaded the original. Arithmetic stays float32; only the order of summation changes (logits agree to ~1e-5).
The weight initializers keep their names and storage (float16 + Cast stays float16 + Cast), the projections are
concatenated and transposed by constant nodes that ONNX Runtime folds at load, so tools/Enaction.Bench/pytorch_score.py reads
the same weights from the fused file. The attention mask must be all ones (the scorer never pads): GroupQueryAttention
takes the sequence length (the mask's sum) instead of the mask. Positions must stay below --rotary-positions (the
rotary table ONNX Runtime computes once at load).
"""
import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from onnx_weights import read_weights  # noqa: E402

FUSED_MARK = "enaction.fused_decoder"
# Int8 weights (--int8), three ways, measured on the bundled model (largest per-token entropy error against float32 on
# 128-2,048 synthetic tokens) and the ~100M model (CPU time of 512 tokens on one thread, float32 about 1,500 ms):
#   "rowwise" (default): per-token symmetric activation scales computed in the graph, uint8 activations x int8 weights
#     (MatMulInteger, ONNX Runtime's u8 x s8 kernel), both scales applied to the int32 product: 0.18-0.21 nats, ~1,040 ms.
#   "dynamic": DynamicQuantizeMatMul, one activation scale per tensor (a 256-token chunk): one outlier token coarsens
#     every other token's levels: 0.94 nats, ~970 ms.
#   "nbits": MatMulNBits, 8-bit weights in blocks of 32 with int8 compute (accuracy_level 4): 0.11 nats, but slower than
#     float32 on this AVX2 processor without VNNI (~2,300-2,750 ms).
# Weights use 7 bits (+-63), as ONNX Runtime's own quantizer does for processors without VNNI: AVX2's u8 x s8
# multiply-add saturates at int16 with full-range weights (largest logit error 0.92 with +-127, 0.28 with +-63).
INT8_LEVELS = 63
INT8_BLOCK = 32
# SHA-256 of the model.onnx a file was written from: the C# loader refuses an int8 file whose source is not the
# model.onnx beside it (a retrained model with a stale int8 file would otherwise score with the old weights).
SOURCE_MARK = "enaction.source_sha256"


def sha256(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fuse(model_dir, out_path, rotary_positions=32768, int8=None, int8_head=True):
    """Writes the fused decoder to OUT_PATH; INT8 None (float32 weights), "dynamic" or "nbits" (see INT8_LEVELS)."""
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    src = onnx.load(os.path.join(model_dir, "model.onnx"))
    if any(p.key == FUSED_MARK for p in src.metadata_props):
        raise SystemExit(f"{model_dir}/model.onnx is already fused")
    weights, storage = read_weights(src)
    hidden, heads, kv_heads = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
    head_dim = c.get("head_dim") or hidden // heads
    layers, eps = c["num_hidden_layers"], float(c.get("rms_norm_eps", 1e-5))
    theta = float(c.get("rope_theta", 10000.0))
    tied = c.get("tie_word_embeddings", True)

    inits, nodes, written = [], [], set()

    def weight(key):
        """The float32 tensor named m.KEY in the graph, stored as the source stored it."""
        name = "m." + key
        if name in written:
            return name
        written.add(name)
        array = weights[key]
        if storage[key] == "float16":
            inits.append(numpy_helper.from_array(array.astype(np.float16), name + "_fp16"))
            nodes.append(helper.make_node("Cast", [name + "_fp16"], [name], to=TensorProto.FLOAT, name=name + "_cast"))
        else:
            inits.append(numpy_helper.from_array(array, name))
        return name

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(op, inputs, outputs, domain="", **attrs):
        nodes.append(helper.make_node(op, inputs, outputs, name=outputs[0] if outputs[0] else op + str(len(nodes)), domain=domain or None, **attrs))
        return outputs[0]

    def transposed(name, parts):
        """[in, out] weight for MatMul from torch Linear weights [out, in] (folded at load)."""
        source = parts[0] if len(parts) == 1 else node("Concat", parts, [name + "_rows"], axis=0)
        return node("Transpose", [source], [name], perm=[1, 0])

    def linear(x, name, keys, quantize=True):
        """x times the torch Linear weights KEYS stacked by rows: a float32 MatMul, or with int8 a
        DynamicQuantizeMatMul (activations quantized per tensor at run time, weights per output column)."""
        if not (int8 and quantize):
            return node("MatMul", [x, transposed(name + "_w", [weight(k) for k in keys])], [name])
        rows = np.concatenate([weights[k] for k in keys], axis=0).astype(np.float32)  # torch layout [out, in]
        if int8 == "dynamic":
            w = rows.T  # [in, out]
            levels = INT8_LEVELS
            scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / levels
            q = np.clip(np.rint(w / scale), -levels, levels).astype(np.int8)
            const(name + "_w_scale", scale.astype(np.float32))
            const(name + "_w_int8", q)
            return node("DynamicQuantizeMatMul", [x, name + "_w_int8", name + "_w_scale"], [name], domain="com.microsoft")
        if int8 == "rowwise":
            # Symmetric per-token (row) activation scales computed in the graph, int8 x int8 MatMulInteger, then both
            # scales applied to the int32 product: one outlier token no longer coarsens every other token's levels.
            w = rows.T
            levels = INT8_LEVELS
            scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / levels
            const(name + "_w_int8", np.clip(np.rint(w / scale), -levels, levels).astype(np.int8))
            const(name + "_w_scale", scale.astype(np.float32))
            node("Abs", [x], [name + "_abs"])
            node("ReduceMax", [name + "_abs"], [name + "_absmax"], axes=[-1], keepdims=1)
            node("Max", [name + "_absmax", "tiny_f32"], [name + "_absmax_safe"])
            node("Div", [name + "_absmax_safe", "a_levels"], [name + "_a_scale"])
            node("Div", [x, name + "_a_scale"], [name + "_a_scaled"])
            node("Round", [name + "_a_scaled"], [name + "_a_round"])
            # uint8 with zero point 128: ONNX Runtime's fast u8 x s8 kernel (int8 x int8 has none on x64).
            node("Add", [name + "_a_round", "u8_zero_f32"], [name + "_a_shifted"])
            node("Cast", [name + "_a_shifted"], [name + "_a_u8"], to=TensorProto.UINT8)
            node("MatMulInteger", [name + "_a_u8", name + "_w_int8", "u8_zero"], [name + "_int32"])
            node("Cast", [name + "_int32"], [name + "_f32"], to=TensorProto.FLOAT)
            node("Mul", [name + "_f32", name + "_a_scale"], [name + "_rows"])
            return node("Mul", [name + "_rows", name + "_w_scale"], [name])
        n, k = rows.shape
        block = INT8_BLOCK
        blocks = (k + block - 1) // block
        padded = np.zeros((n, blocks * block), dtype=np.float32)
        padded[:, :k] = rows
        grouped = padded.reshape(n, blocks, block)
        scale = np.maximum(np.abs(grouped).max(axis=2), 1e-12) / 127.0  # [n, blocks]
        q = (np.clip(np.rint(grouped / scale[:, :, None]), -127, 127) + 128).astype(np.uint8)  # zero point 128
        const(name + "_w_q8", q)
        const(name + "_w_scale", scale.reshape(-1).astype(np.float32))
        return node("MatMulNBits", [x, name + "_w_q8", name + "_w_scale"], [name], domain="com.microsoft",
                    K=k, N=n, bits=8, block_size=block, accuracy_level=4)

    # Sequence lengths for GroupQueryAttention: past + new = the mask's length (all ones).
    const("one_i64", np.array(1, dtype=np.int64))
    const("axis1", np.array([1], dtype=np.int64))
    node("ReduceSum", ["attention_mask", "axis1"], ["mask_sum"], keepdims=0)
    node("Sub", ["mask_sum", "one_i64"], ["seqlens_k_i64"])
    node("Cast", ["seqlens_k_i64"], ["seqlens_k"], to=TensorProto.INT32)
    node("Shape", ["attention_mask"], ["mask_shape"])
    node("Gather", ["mask_shape", "one_i64"], ["total_len_i64"], axis=0)
    node("Cast", ["total_len_i64"], ["total_sequence_length"], to=TensorProto.INT32)

    # Rotary tables: cos/sin(position * inv_freq) for every position below rotary_positions, as the PyTorch model
    # computes them (float32 product, then cos/sin); constant inputs only, so ONNX Runtime folds them once at load.
    inv_freq = (1.0 / (theta ** (np.arange(0, head_dim, 2, dtype=np.float32) / head_dim))).astype(np.float32)
    const("rotary_start", np.array(0.0, dtype=np.float32))
    const("rotary_limit", np.array(float(rotary_positions), dtype=np.float32))
    const("rotary_delta", np.array(1.0, dtype=np.float32))
    const("inv_freq", inv_freq.reshape(1, -1))
    node("Range", ["rotary_start", "rotary_limit", "rotary_delta"], ["rotary_positions"])
    node("Unsqueeze", ["rotary_positions", "axis1"], ["rotary_column"])
    node("Mul", ["rotary_column", "inv_freq"], ["rotary_freqs"])
    node("Cos", ["rotary_freqs"], ["cos_cache"])
    node("Sin", ["rotary_freqs"], ["sin_cache"])

    const("tiny_f32", np.array(1e-12, dtype=np.float32))
    const("a_levels", np.array(127.0, dtype=np.float32))
    const("u8_zero_f32", np.array(128.0, dtype=np.float32))
    const("u8_zero", np.array(128, dtype=np.uint8))
    if head_dim % 16:
        const("split_sizes", np.array([heads * head_dim, kv_heads * head_dim, kv_heads * head_dim], dtype=np.int64))
    embed = weight("embed_tokens.weight")
    x = node("Gather", [embed, "input_ids"], ["embedded"], axis=0)
    residual, pending = x, None
    for i in range(layers):
        p = f"layers.{i}."
        norm_in = weight(p + "input_layernorm.weight")
        if pending is None:
            h = node("SimplifiedLayerNormalization", [residual, norm_in], [f"l{i}_norm_in"], axis=-1, epsilon=eps, stash_type=1)
        else:
            h, _, _, residual = nodes_skip_norm(node, pending, residual, norm_in, f"l{i}_norm_in", eps)
        qkv = linear(h, f"l{i}_qkv", [p + f"self_attn.{n}_proj.weight" for n in ("q", "k", "v")])
        gqa = dict(domain="com.microsoft", num_heads=heads, kv_num_heads=kv_heads, scale=1.0 / math.sqrt(head_dim))
        state = [f"past_key_values.{i}.key", f"past_key_values.{i}.value", "seqlens_k", "total_sequence_length"]
        outputs = [f"l{i}_attention", f"present.{i}.key", f"present.{i}.value"]
        if head_dim % 16 == 0:
            # Packed QKV, rotary positions inside the attention kernel.
            attention = node("GroupQueryAttention", [qkv, "", "", *state, "cos_cache", "sin_cache", "position_ids"], outputs,
                             do_rotary=1, rotary_interleaved=0, **gqa)
        else:
            # The attention kernel's own rotary needs head_dim % 16 == 0: rotate Q and K with RotaryEmbedding first.
            node("Split", [qkv, f"split_sizes"], [f"l{i}_q", f"l{i}_k", f"l{i}_v"], axis=-1)
            q = node("RotaryEmbedding", [f"l{i}_q", "position_ids", "cos_cache", "sin_cache"], [f"l{i}_q_rot"],
                     domain="com.microsoft", num_heads=heads, interleaved=0)
            k = node("RotaryEmbedding", [f"l{i}_k", "position_ids", "cos_cache", "sin_cache"], [f"l{i}_k_rot"],
                     domain="com.microsoft", num_heads=kv_heads, interleaved=0)
            attention = node("GroupQueryAttention", [q, k, f"l{i}_v", *state], outputs, **gqa)
        o = linear(attention, f"l{i}_o", [p + "self_attn.o_proj.weight"])
        h2, _, _, residual = nodes_skip_norm(node, o, residual, weight(p + "post_attention_layernorm.weight"), f"l{i}_norm_post", eps)
        gate = linear(h2, f"l{i}_gate", [p + "mlp.gate_proj.weight"])
        up = linear(h2, f"l{i}_up", [p + "mlp.up_proj.weight"])
        act = node("QuickGelu", [gate], [f"l{i}_silu"], domain="com.microsoft", alpha=1.0)
        prod = node("Mul", [act, up], [f"l{i}_swiglu"])
        pending = linear(prod, f"l{i}_down", [p + "mlp.down_proj.weight"])
    final, _, _, _ = nodes_skip_norm(node, pending, residual, weight("norm.weight"), "final_norm", eps)
    linear(final, "logits", ["embed_tokens.weight" if tied else "lm_head.weight"], quantize=int8_head)

    graph = helper.make_graph(nodes, "fused_decoder", list(src.graph.input), list(src.graph.output), inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
                              producer_name="enaction tools/fixture-model/fuse.py")
    model.ir_version = src.ir_version
    helper.set_model_props(model, {FUSED_MARK: json.dumps({"rotary_positions": rotary_positions, "int8": int8, "int8_head": bool(int8) and int8_head}),
                                   SOURCE_MARK: sha256(os.path.join(model_dir, "model.onnx"))})
    # No onnx.checker: it rejects SimplifiedLayerNormalization, which ONNX Runtime registers in the default domain.
    onnx.save(model, out_path)
    return model


def nodes_skip_norm(node, x, skip, gamma, name, eps):
    """(x + skip) normalised, and x + skip itself (the next residual)."""
    outputs = [name, "", "", name + "_residual"]
    node("SkipSimplifiedLayerNormalization", [x, skip, gamma], outputs, domain="com.microsoft", epsilon=eps)
    return name, None, None, name + "_residual"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--out", help="output file (default: replace MODEL_DIR/model.onnx)")
    ap.add_argument("--rotary-positions", type=int, default=32768, help="positions the rotary table covers")
    ap.add_argument("--int8", action="store_true", help="int8 weights; default out MODEL_DIR/model.int8.onnx")
    ap.add_argument("--int8-kind", choices=["rowwise", "dynamic", "nbits"], default="rowwise", help="per-token activation scales + MatMulInteger (default), DynamicQuantizeMatMul, or MatMulNBits")
    ap.add_argument("--float-head", action="store_true", help="with --int8: keep the LM head in float32")
    a = ap.parse_args()
    out = a.out or os.path.join(a.model_dir, "model.int8.onnx" if a.int8 else "model.onnx")
    fuse(a.model_dir, out, a.rotary_positions, a.int8_kind if a.int8 else None, not a.float_head)
    print(f"{out}: fused ({os.path.getsize(out) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
