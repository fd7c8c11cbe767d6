#!/usr/bin/env bash
# The int8 scoring mode's effect on detection (docs/performance.md, "Int8 scoring"): builds a held-out dataset from the
# first N prompts of tests/fixtures/quality/heldout.jsonl (as tools/quality/run.sh builds its held-out set, smaller),
# then evaluates it with the float32 calibration in float32 and in int8 (which warns that the calibration was fitted
# in float32). Compare AUROC / TPR in $OUT/eval-float32.json and $OUT/eval-int8.json.
#
#   tools/quality/int8.sh                  # N=100, OUT=/tmp/enaction-int8-quality
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
OUT="${OUT:-/tmp/enaction-int8-quality}"
N="${N:-100}"
CALIBRATION="${CALIBRATION:-models/tiny-chat/calibration.json}"
mkdir -p "$OUT"
dotnet build -c Release src/Enaction.Cli/Enaction.Cli.csproj -v q -nologo
enaction() { dotnet src/Enaction.Cli/bin/Release/net10.0/Enaction.Cli.dll "$@"; }
[ -f models/tiny-chat/model.int8.onnx ] || /usr/bin/python3 tools/fixture-model/fuse.py models/tiny-chat --int8

head -n "$N" tests/fixtures/quality/heldout.jsonl > "$OUT/heldout-$N.jsonl"
enaction dataset --model models/tiny-chat --other-model models/tiny-base --prompts "$OUT/heldout-$N.jsonl" \
  --samples 2 --seed 2 --out "$OUT/heldout-chat.jsonl"
for precision in float32 int8; do
  enaction evaluate --model models/tiny-chat --dataset "$OUT/heldout-chat.jsonl" --calibration "$CALIBRATION" \
    --precision "$precision" --save-json "$OUT/eval-$precision.json" > "$OUT/eval-$precision.md"
done
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
for p in ("float32", "int8"):
    g = json.load(open(f"{sys.argv[1]}/eval-{p}.json"))["groups"][0]
    d, c = g["detector"], g["curvature"]
    print(f"{p:8s} AUROC {d['auroc']:.6f} TPR@1% {d['tpr_at_1pct_fpr']:.4f} TPR@thr {d['tpr_at_threshold']:.4f} "
          f"FPR@thr {d['fpr_at_threshold']:.4f} | curvature AUROC {c['auroc']:.6f} TPR@1% {c['tpr_at_1pct_fpr']:.4f}")
PY
