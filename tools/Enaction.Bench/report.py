"""Markdown rows for docs/performance.md from the JSON files tools/Enaction.Bench/run_all.sh writes.

  /usr/bin/python3 tools/Enaction.Bench/report.py [OUT]     (default /tmp/enaction-bench)
"""
import glob
import json
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/enaction-bench"


def load(name):
    path = os.path.join(out, name + ".json")
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return None


def when(r):
    m = r["machine"]
    return f"{m['date'][:16].replace('T', ' ')} UTC, {m['cores']} cores, load {m['load_average']}"


for name in sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(out, "*.json"))):
    r = load(name)
    if r is None:
        continue
    if name.startswith("throughput"):
        b = r.get("baseline_settings") or {}
        blas = b.get("openblas") or {}
        print(f"| {name} | {r['model']} {r.get('precision', 'float32')} (pass {r['tokens_per_pass']}, intra-op {r.get('intra_op_threads')}, spinning {r.get('allow_spinning')}, "
              f"torch {r.get('torch_threads')}; baseline fair env {b.get('fair_environment')}, OpenBLAS {blas.get('kernel')} x{blas.get('threads')}) | {when(r)} |")
        for row in r["rows"]:
            print(f"|   | {row['tokens']} tok | C# {row['csharp_tokens_per_second']} tok/s ({row['csharp_ms']} ms, CPU {row['csharp_cpu_ms']} ms, "
                  f"{row['csharp_cores_used']} cores) | PyTorch {row.get('pytorch_tokens_per_second')} tok/s ({row.get('pytorch_ms')} ms, "
                  f"CPU {row.get('pytorch_cpu_ms')} ms, faults {row.get('pytorch_minor_faults')}) | speedup {row.get('speedup')} (CPU {row.get('cpu_speedup')}) | "
                  f"bound {row.get('matmul_bound_ms')} ms at {row.get('matmul_bound_source')} (torch {row.get('torch_matmul_gflops')}, "
                  f"ORT {row.get('ort_matmul_gflops')} GFLOP/s), ratio {row.get('bound_ratio')} | diff H {row.get('max_entropy_difference')} "
                  f"S {row.get('max_surprisal_difference')} | int8 error H {row.get('int8_max_entropy_error')} S {row.get('int8_max_surprisal_error')} |")
    elif name.startswith("incremental"):
        print(f"| {name} | {r['model']} ctx {r['context_length']} {r['turns']}x{r['last_turn_tokens']} | inc {r['incremental_ms']} ms | "
              f"full {r['full_ms']} ms | ratio {r['ratio']} | growth {r['growth']} (engine {r['engine_growth']}) | "
              f"turn1 {r['incremental_per_turn_ms'][0]} ms | CPU inc {r.get('incremental_cpu_ms')} full {r.get('full_cpu_ms')} "
              f"ratio {r.get('cpu_ratio')} growth {r.get('cpu_growth')} | encode {r['encode_first_ms']}->{r['encode_last_ms']} ms | {when(r)} |")
    elif name.startswith("memory"):
        print(f"| {name} | {r['model']} {r['tokens']} tok V={r['vocabulary']} | peak extra RSS {r['peak_extra_mb']} MB | "
              f"managed extra {r['peak_managed_extra_mb']} MB | allocated {r['allocated_mb']} MB | after load {r['resident_after_load_mb']} MB | "
              f"{r['score_ms']} ms | {when(r)} |")
    elif name.startswith("overhead"):
        print(f"| {name} | {r['model']} prompt {r['prompt_tokens']} gen {r['generated_tokens']} | gen {r['generation_ms']} ms | "
              f"inc {r['incremental_score_ms']} ms ({r['incremental_fraction']}) | full {r['full_score_ms']} ms ({r['full_fraction']}) | "
              f"CPU gen {r.get('generation_cpu_ms')} inc {r.get('incremental_score_cpu_ms')} ({r.get('incremental_cpu_fraction')}) | {when(r)} |")
    elif name.startswith("concurrency"):
        for row in r["rows"]:
            print(f"| {name} | {r['model']} intra-op {r['intra_op_threads']} x{row['conversations']} | {row['tokens_per_second']} tok/s | "
                  f"p50 {row['p50_ms']} ms | p95 {row['p95_ms']} ms | {when(r)} |")
