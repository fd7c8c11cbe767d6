"""PyTorch reference for `dotnet run -c Release --project tools/Enaction.Bench -- throughput`: teacher-forced per-token statistics from the same weights.

  /usr/bin/python3 tools/Enaction.Bench/pytorch_score.py --model DIR --ids IDS.json [--repeats 5] [--dump STATS.json]
  /usr/bin/python3 tools/Enaction.Bench/pytorch_score.py --model DIR --matmul --tokens 512 [--repeats 5]
  /usr/bin/python3 tools/Enaction.Bench/pytorch_score.py --model DIR --serve    (one timed scoring per stdin request)

Scoring mode loads the ONNX export's initializers (onnx.numpy_helper) into the fixture's PyTorch module
(tools/fixture-model/model.py), so both sides run exactly the same weights (float16-stored weights are read through
their Cast to float32, as ONNX Runtime folds it), then times one causal forward pass over the ids plus the
statistics the C# scorer keeps per token: entropy, surprisal, rank and Var[ln p].
It prints one JSON object: times in ms per repeat, the median and tokens/s.

Matmul mode times torch.mm (the BLAS torch uses, OpenBLAS here) on the model's own linear-layer shapes for
--tokens rows (q, k, v, o, gate, up, down per layer, then the LM head) and prints GFLOP/s; with the model's
FLOP count that gives the "matmul bound" a forward pass could reach on this machine.

A fair baseline. Before torch loads, the script re-executes itself (once) with an environment that keeps the
comparison about the computation, not the machine's defaults, for its own process only:
  - OMP_WAIT_POLICY=PASSIVE: OpenMP workers sleep between parallel regions instead of spinning (on a shared
    2-core machine spinning workers steal the core the other worker needs);
  - glibc malloc keeps freed memory (no mmap for large blocks, no trimming), as ONNX Runtime's arena does: otherwise
    every ~100 MB attention buffer is mapped, page-faulted and unmapped on every use;
  - OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed, so OpenBLAS detects the processor and picks its kernels.
Every JSON result carries these settings ("baseline_settings") and the kernel OpenBLAS chose.
--keep-env runs with the caller's environment as it is (also recorded).
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixture-model"))

# The baseline's own environment (see the module docstring). glibc reads its malloc settings and OpenMP/OpenBLAS
# theirs when the process starts, so they are applied by re-executing the interpreter, never in the caller's process.
FAIR_ENV = {
    "OMP_WAIT_POLICY": "PASSIVE",
    # No mmap for large blocks (the heap serves them) and no trimming of the heap's top: freed memory is reused.
    "MALLOC_MMAP_MAX_": "0",
    "MALLOC_TRIM_THRESHOLD_": str(64 << 30),
    "MALLOC_TOP_PAD_": str(64 << 20),
}
FAIR_UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_MARK = "ENACTION_FAIR_BASELINE"


def _fair_environment():
    if "--keep-env" in sys.argv or os.environ.get(_MARK) == "1":
        return
    env = {k: v for k, v in os.environ.items() if k not in FAIR_UNSET}
    env.update(FAIR_ENV)
    env[_MARK] = "1"
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


_fair_environment()

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
    from model import LlamaLM
    from onnx_weights import read_weights
    cfg = load_config(model_dir)
    m = LlamaLM(cfg)
    proto = onnx.load(os.path.join(model_dir, "model.onnx"))
    arrays, _ = read_weights(proto)
    state = {name: torch.from_numpy(array.copy()) for name, array in arrays.items()}
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


def openblas():
    """The OpenBLAS library torch calls (ctypes handle), or None."""
    import ctypes
    with open("/proc/self/maps") as f:
        libraries = sorted({line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1]})
    for path in libraries:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return path, lib
        except (OSError, AttributeError):
            continue
    return None, None


def set_threads(n):
    """torch's threads and OpenBLAS's: the pthread OpenBLAS keeps its own pool, which torch.set_num_threads leaves
    at one thread per core, so a one-thread baseline would still run its matrix products on two."""
    torch.set_num_threads(n)
    _, lib = openblas()
    if lib is not None:
        lib.openblas_set_num_threads(n)


def baseline_settings():
    """What this process runs with: the fair-environment settings, OpenBLAS's kernel and threads, torch's threads."""
    settings = {"fair_environment": os.environ.get(_MARK) == "1",
                "environment": {k: os.environ.get(k) for k in list(FAIR_ENV) + list(FAIR_UNSET)},
                "torch": torch.__version__, "torch_threads": torch.get_num_threads()}
    path, lib = openblas()
    if lib is not None:
        settings["openblas"] = {"library": os.path.realpath(path), "kernel": lib.openblas_get_corename().decode(),
                                "config": lib.openblas_get_config().decode().strip(),
                                "threads": lib.openblas_get_num_threads()}
    else:
        settings["openblas"] = {"library": None, "kernel": None}
    return settings


def minor_faults():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


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


def timed_score(m, ids, dump=None):
    """One timed scoring: wall and CPU milliseconds and minor page faults; writes the statistics to DUMP if given."""
    f0 = minor_faults()
    c0 = time.process_time()
    t0 = time.perf_counter()
    with torch.inference_mode():
        entropy, surprisal, rank, variance = score(m, ids)
    ms = (time.perf_counter() - t0) * 1000
    cpu = (time.process_time() - c0) * 1000
    faults = minor_faults() - f0
    if dump:
        with open(dump, "w") as f:
            json.dump({"entropy": entropy.tolist(), "surprisal": surprisal.tolist(), "rank": rank.tolist()}, f)
    return ms, cpu, faults


def run_score(a):
    set_threads(a.threads)
    m, cfg = load_model(a.model)
    with open(a.ids) as f:
        ids = json.load(f)
    times, cpu, faults = [], [], []
    for i in range(a.warmup + a.repeats):
        last = i == a.warmup + a.repeats - 1
        ms, c, fl = timed_score(m, ids, a.dump if last else None)
        if i >= a.warmup:
            times.append(ms)
            cpu.append(c)
            faults.append(fl)
    med = statistics.median(times)
    print(json.dumps({"tokens": len(ids), "times_ms": times, "median_ms": med, "tokens_per_s": len(ids) / med * 1000,
                      "cpu_ms": cpu, "median_cpu_ms": statistics.median(cpu), "minor_faults": faults,
                      "threads": torch.get_num_threads(), "torch": torch.__version__, "baseline_settings": baseline_settings()}))


def run_serve(a):
    """Loads the model once, prints {"ready": ...}, then answers one JSON request per input line,
    {"ids": FILE, "dump": FILE or null}, with one timed scoring {"tokens", "ms", "cpu_ms", "minor_faults"}: the C#
    side alternates its own runs with these, so both sides see the same machine load."""
    set_threads(a.threads)
    m, cfg = load_model(a.model)
    print(json.dumps({"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "baseline_settings": baseline_settings()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        with open(request["ids"]) as f:
            ids = json.load(f)
        ms, cpu, faults = timed_score(m, ids, request.get("dump"))
        print(json.dumps({"tokens": len(ids), "ms": ms, "cpu_ms": cpu, "minor_faults": faults}), flush=True)


def linear_shapes(cfg):
    """(in, out, count) of every linear layer the forward pass runs per token."""
    hd = cfg.hidden_size // cfg.num_attention_heads
    h, kv, f, n = cfg.hidden_size, cfg.num_key_value_heads * hd, cfg.intermediate_size, cfg.num_hidden_layers
    return [(h, h, n), (h, kv, n), (h, kv, n), (h, h, n), (h, f, n), (h, f, n), (f, h, n), (h, cfg.vocab_size, 1)]


def run_matmul(a):
    set_threads(a.threads)
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
                      "threads": torch.get_num_threads(), "torch": torch.__version__, "baseline_settings": baseline_settings(),
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
    ap.add_argument("--serve", action="store_true", help="answer scoring requests on stdin (see run_serve)")
    ap.add_argument("--write-matmul-onnx", metavar="DIR")
    ap.add_argument("--keep-env", action="store_true", help="run with the caller's environment (no fair-baseline settings)")
    a = ap.parse_args()
    if a.write_matmul_onnx:
        write_matmul_onnx(a)
    elif a.serve:
        run_serve(a)
    elif a.matmul:
        run_matmul(a)
    elif a.ids:
        run_score(a)
    else:
        ap.error("give --ids FILE (scoring) or --matmul")


if __name__ == "__main__":
    main()
