#!/usr/bin/env bash
# Reproduces every figure in docs/performance.md; writes one JSON file per benchmark to OUT (default /tmp/enaction-bench).
#   tools/Enaction.Bench/run_all.sh [OUT]
# Run on an otherwise idle machine: the script waits (up to 30 min; ENACTION_BENCH_WAIT_STEPS=0 skips) for the 1-minute load average to drop below the
# core count, and every JSON result records the load average it started at.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-/tmp/enaction-bench}
LARGE=${ENACTION_LARGE:-/tmp/enaction-large}
mkdir -p "$OUT"
cores=$(nproc)
for _ in $(seq "${ENACTION_BENCH_WAIT_STEPS:-180}"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l < c) }' && break
  echo "load $load >= $cores cores, waiting..." >&2
  sleep 10
done

dotnet build -c Release -v q -nologo tools/Enaction.Bench >&2
bench() { dotnet tools/Enaction.Bench/bin/Release/net10.0/Enaction.Bench.dll "$@"; }

# The ~100M and 150k-vocabulary random models are generated on demand, never committed; so is the 100M model's int8 file.
[ -d "$LARGE/llama-100m" ] && [ -d "$LARGE/vocab-150k" ] || /usr/bin/python3 tools/fixture-model/make_large.py "$LARGE"
[ -f "$LARGE/llama-100m/model.int8.onnx" ] || /usr/bin/python3 tools/fixture-model/fuse.py "$LARGE/llama-100m" --int8

# Against the fair PyTorch baseline (tools/Enaction.Bench/pytorch_score.py sets its own environment; runs interleaved).
bench throughput --model models/tiny-chat --tokens 512 2048 --json > "$OUT/throughput-tiny.json"
bench throughput --model "$LARGE/llama-100m" --tokens 512 2048 --repeats 3 --json > "$OUT/throughput-100m.json"
bench throughput --model models/tiny-chat --tokens 512 2048 --precision int8 --no-matmul --json > "$OUT/throughput-tiny-int8.json"
bench throughput --model "$LARGE/llama-100m" --tokens 512 2048 --repeats 3 --precision int8 --no-matmul --json > "$OUT/throughput-100m-int8.json"
# Both sides single-threaded: insensitive to other load on the machine (no thread-pool barrier stalls).
bench throughput --model models/tiny-chat --tokens 512 2048 --intra-op-threads 1 --torch-threads 1 --json > "$OUT/throughput-tiny-1thread.json"
bench throughput --model "$LARGE/llama-100m" --tokens 512 2048 --repeats 3 --intra-op-threads 1 --torch-threads 1 --json > "$OUT/throughput-100m-1thread.json"
bench incremental --model models/tiny-chat --turns 40 --json > "$OUT/incremental-tiny.json"
bench incremental --model models/tiny-chat --turns 40 --intra-op-threads 1 --json > "$OUT/incremental-tiny-1thread.json"
bench incremental --model models/tiny-chat --turns 40 --context 512 --json > "$OUT/incremental-tiny-ctx512.json"
bench incremental --model "$LARGE/llama-100m" --turns 40 --repeats 3 --json > "$OUT/incremental-100m.json"
bench memory --model "$LARGE/vocab-150k" --tokens 4096 --json > "$OUT/memory-150k.json"
bench overhead --model models/tiny-chat --json > "$OUT/overhead-tiny.json"
bench overhead --model models/tiny-chat --intra-op-threads 1 --json > "$OUT/overhead-tiny-1thread.json"
bench concurrency --model models/tiny-chat --conversations 1 4 16 --json > "$OUT/concurrency-tiny.json"
bench concurrency --model models/tiny-chat --conversations 1 4 16 --intra-op-threads 1 --json > "$OUT/concurrency-tiny-1thread.json"
ls -l "$OUT"
