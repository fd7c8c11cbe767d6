"""PyTorch reference for `enaction bench throughput`: teacher-forced per-token statistics from the same weights.

  /usr/bin/python3 tools/bench/pytorch_score.py --model DIR --ids IDS.json [--repeats 5] [--dump STATS.json]
  /usr/bin/python3 tools/bench/pytorch_score.py --model DIR --matmul --tokens 512 [--repeats 5]

Scoring mode loads the ONNX export's initializers (onnx.numpy_helper) into the fixture's PyTorch module
(tools/fixture-model/model.py), so both sides run exactly the same weights, then times one causal forward pass
over the ids plus the statistics the C# scorer keeps per token: entropy, surprisal, rank and Var[ln p].
It prints one JSON object: times in ms per repeat, the median and tokens/s.

Matmul mode times torch.mm (the BLAS torch uses, OpenBLAS here) on the model's own linear-layer shapes for
--tokens rows (q, k, v, o, gate, up, down per layer, then the LM head) and prints GFLOP/s; with the model's
FLOP count that gives the "matmul bound" a forward pass could reach on this machine.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixture-model"))

import numpy as np  # noqa: E402
import torch  # noqa: E402


def load_config(model_dir):
    from model import Config
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    return Config(vocab_size=c["vocab_size"], hidden_size=c["hidden_size"], intermediate_size=c["intermediate_size"],
                  num_hidden_layers=c["num_hidden_layers"], num_attention_heads=c["num_attention_heads"],
                  num_key_value_heads=c["num_key_value_heads"], max_position_embeddings=c["max_position_embeddings"],
                  rms_norm_eps=c.get("rms_norm_eps", 1e-5), rope_theta=c.get("rope_theta", 10000.0),
                  tie_word_embeddings=c.get("tie_word_embeddings", True))


def load_model(model_dir):
    """The fixture LlamaLM with the ONNX file's weights (initializer names are the state-dict names under 'm.')."""
    import onnx
    from onnx import numpy_helper
    from model import LlamaLM
    cfg = load_config(model_dir)
    m = LlamaLM(cfg)
    proto = onnx.load(os.path.join(model_dir, "model.onnx"))
    arrays = {init.name: numpy_helper.to_array(init) for init in proto.graph.initializer}
    # The exporter keeps one copy of identical tensors (all-ones RMSNorm weights in a random model) and names the
    # others through Identity nodes.
    for node in proto.graph.node:
        if node.op_type == "Identity" and node.input[0] in arrays:
            arrays.setdefault(node.output[0], arrays[node.input[0]])
    state = {}
    for name, array in arrays.items():
        state[name[2:] if name.startswith("m.") else name] = torch.from_numpy(array.copy())
    del proto
    own = m.state_dict()
    missing = [k for k in own if k not in state and not (k == "lm_head.weight" and cfg.tie_word_embeddings)]
    if missing:
        raise SystemExit(f"{model_dir}: the ONNX file has no initializer for {missing[:5]}")
    m.load_state_dict({k: v for k, v in state.items() if k in own}, strict=False)
    if cfg.tie_word_embeddings:
        m.lm_head.weight = m.embed_tokens.weight
    m.eval()
    return m, cfg


def score(m, ids):
    """Per-token statistics of token i+1 given tokens 0..i, as the C# scorer computes them."""
    x = torch.tensor(ids, dtype=torch.long).unsqueeze(0)
    pos = torch.arange(len(ids), dtype=torch.long).unsqueeze(0)
    logits, _ = m(x, None, pos, None)
    logits = logits[0, :-1]
    target = x[0, 1:].unsqueeze(1)
    logp = torch.log_softmax(logits, dim=-1)
    p = logp.exp()
    plogp = p * logp
    mean = plogp.sum(-1)
    entropy = -mean
    variance = (plogp * logp).sum(-1) - mean * mean
    surprisal = -logp.gather(1, target).squeeze(1)
    rank = (logits > logits.gather(1, target)).sum(-1) + 1
    return entropy, surprisal, rank, variance


def run_score(a):
    torch.set_num_threads(a.threads)
    m, cfg = load_model(a.model)
    with open(a.ids) as f:
        ids = json.load(f)
    times, cpu = [], []
    with torch.inference_mode():
        for i in range(a.warmup + a.repeats):
            c0 = time.process_time()
            t0 = time.perf_counter()
            entropy, surprisal, rank, variance = score(m, ids)
            dt = (time.perf_counter() - t0) * 1000
            if i >= a.warmup:
                times.append(dt)
                cpu.append((time.process_time() - c0) * 1000)
    med = statistics.median(times)
    if a.dump:
        with open(a.dump, "w") as f:
            json.dump({"entropy": entropy.tolist(), "surprisal": surprisal.tolist(), "rank": rank.tolist()}, f)
    print(json.dumps({"tokens": len(ids), "times_ms": times, "median_ms": med, "tokens_per_s": len(ids) / med * 1000,
                      "cpu_ms": cpu, "median_cpu_ms": statistics.median(cpu),
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


def linear_shapes(cfg):
    """(in, out, count) of every linear layer the forward pass runs per token."""
    hd = cfg.hidden_size // cfg.num_attention_heads
    h, kv, f, n = cfg.hidden_size, cfg.num_key_value_heads * hd, cfg.intermediate_size, cfg.num_hidden_layers
    return [(h, h, n), (h, kv, n), (h, kv, n), (h, h, n), (h, f, n), (h, f, n), (f, h, n), (h, cfg.vocab_size, 1)]


def run_matmul(a):
    torch.set_num_threads(a.threads)
    cfg = load_config(a.model)
    t = a.tokens
    shapes = linear_shapes(cfg)
    torch.manual_seed(0)
    xs = {k: torch.randn(t, k) for k in {s[0] for s in shapes}}
    ws = [(xs[k], torch.randn(o, k) * 0.02, c) for k, o, c in shapes]
    flops = sum(2.0 * t * k * o * c for k, o, c in shapes)
    # QK^T and AV over the causal triangle: 2 matmuls x 2 flops x heads*head_dim x t(t+1)/2 per layer.
    attention = cfg.num_hidden_layers * 4.0 * cfg.hidden_size * t * (t + 1) / 2
    times, cpu = [], []
    with torch.inference_mode():
        for i in range(a.warmup + a.repeats):
            c0 = time.process_time()
            t0 = time.perf_counter()
            for x, w, c in ws:
                for _ in range(c):
                    torch.mm(x, w.t())
            dt = time.perf_counter() - t0
            if i >= a.warmup:
                times.append(dt)
                cpu.append(time.process_time() - c0)
        big = torch.randn(2048, 2048)
        torch.mm(big, big)
        sq = []
        for _ in range(3):
            t0 = time.perf_counter()
            torch.mm(big, big)
            sq.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(json.dumps({"tokens": t, "linear_flops": flops, "attention_flops": attention, "median_ms": med * 1000, "gflops": flops / med / 1e9,
                      "gflops_per_cpu_second": flops / statistics.median(cpu) / 1e9,
                      "square2048_gflops": 2.0 * 2048 ** 3 / statistics.median(sq) / 1e9,
                      "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "shapes": [[t, k, o, c] for k, o, c in shapes]}))


def write_matmul_onnx(a):
    """Two MatMul-only graphs with the model's linear shapes for --tokens rows, for timing ONNX Runtime's own sgemm:
    layer.onnx (q, k, v, o, gate, up, down: one layer) and head.onnx (the LM head). Inputs x{in} [tokens, in]."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    cfg = load_config(a.model)
    shapes = linear_shapes(cfg)
    rng = np.random.default_rng(0)
    os.makedirs(a.write_matmul_onnx, exist_ok=True)
    for name, part in (("layer", shapes[:-1]), ("head", shapes[-1:])):
        inputs = {k for k, _, _ in part}
        nodes, inits, outputs = [], [], []
        for i, (k, o, _) in enumerate(part):
            inits.append(numpy_helper.from_array((rng.standard_normal((k, o)) * 0.02).astype(np.float32), f"w{i}"))
            nodes.append(helper.make_node("MatMul", [f"x{k}", f"w{i}"], [f"y{i}"]))
            outputs.append(helper.make_tensor_value_info(f"y{i}", TensorProto.FLOAT, ["t", o]))
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info(f"x{k}", TensorProto.FLOAT, ["t", k]) for k in sorted(inputs)],
                                  outputs, inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        onnx.save(model, os.path.join(a.write_matmul_onnx, name + ".onnx"))
    layer_flops = sum(2.0 * a.tokens * k * o for k, o, _ in shapes[:-1])
    head_flops = sum(2.0 * a.tokens * k * o for k, o, _ in shapes[-1:])
    print(json.dumps({"tokens": a.tokens, "layers": cfg.num_hidden_layers, "layer_flops": layer_flops, "head_flops": head_flops,
                      "attention_flops": cfg.num_hidden_layers * 4.0 * cfg.hidden_size * a.tokens * (a.tokens + 1) / 2}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--ids")
    ap.add_argument("--tokens", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dump")
    ap.add_argument("--matmul", action="store_true")
    ap.add_argument("--write-matmul-onnx", metavar="DIR")
    a = ap.parse_args()
    if a.write_matmul_onnx:
        write_matmul_onnx(a)
    elif a.matmul:
        run_matmul(a)
    elif a.ids:
        run_score(a)
    else:
        ap.error("give --ids FILE (scoring) or --matmul")


if __name__ == "__main__":
    main()
