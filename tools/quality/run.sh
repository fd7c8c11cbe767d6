#!/usr/bin/env bash
# Reproduces docs/quality.md: calibrate tiny-chat on the calibration prompts, then evaluate on the prompts held out from
# calibration (tiny-base as the other model), with and without the calibration, on topics the model was never asked
# about, and the same entropy measure for tiny-base.
#
#   tools/quality/run.sh              # writes tools/quality/out/*.md and *.json and models/tiny-chat/calibration.json
#   OUT=/tmp/q PARALLEL=2 tools/quality/run.sh
#
# The prompt files are committed; tools/quality/make_prompts.py regenerates them from tools/fixture-model/corpus.py
# (deterministic). Nothing here trains a model.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
OUT="${OUT:-tools/quality/out}"
PARALLEL="${PARALLEL:-2}"
CALIBRATION="${CALIBRATION:-models/tiny-chat/calibration.json}"
mkdir -p "$OUT"

dotnet build -c Release src/Enaction.Cli/Enaction.Cli.csproj -v q -nologo
enaction() { dotnet src/Enaction.Cli/bin/Release/net10.0/Enaction.Cli.dll "$@"; }
PROMPTS="${PROMPTS:-tests/fixtures/quality}"

# 1. Calibration (open-ended prompts on 60 of the training topics): own samples x2, tiny-base, corpus, swap, prefill.
enaction calibrate --model models/tiny-chat --other-model models/tiny-base --prompts $PROMPTS/calibration.jsonl \
  --samples 2 --seed 1 --parallel "$PARALLEL" --fpr 0.01 --out "$CALIBRATION" \
  --save-dataset "$OUT/calibration-chat.jsonl" > "$OUT/calibrate-chat.md"
# 2. Held-out dataset for tiny-chat (tiny-base is the other model) and its evaluation.
enaction dataset --model models/tiny-chat --other-model models/tiny-base --prompts $PROMPTS/heldout.jsonl \
  --samples 2 --seed 2 --parallel "$PARALLEL" --out "$OUT/heldout-chat.jsonl"
enaction evaluate --model models/tiny-chat --dataset "$OUT/heldout-chat.jsonl" --calibration "$CALIBRATION" --parallel "$PARALLEL" \
  --save-json "$OUT/evaluate-chat.json" > "$OUT/evaluate-chat.md"
# The same without the calibration: the uncalibrated curvature z and its default threshold.
enaction evaluate --model models/tiny-chat --dataset "$OUT/heldout-chat.jsonl" --parallel "$PARALLEL" \
  --save-json "$OUT/evaluate-chat-default.json" > "$OUT/evaluate-chat-default.md"

# 2b. Topics the model was never asked about in training (unseen.jsonl): what happens when it does not know the topic.
enaction dataset --model models/tiny-chat --other-model models/tiny-base --prompts $PROMPTS/unseen.jsonl \
  --samples 2 --seed 3 --parallel "$PARALLEL" --out "$OUT/unseen-chat.jsonl"
enaction evaluate --model models/tiny-chat --dataset "$OUT/unseen-chat.jsonl" --calibration "$CALIBRATION" --parallel "$PARALLEL" \
  --save-json "$OUT/evaluate-unseen.json" > "$OUT/evaluate-unseen.md"

# 3. The paper's measure for the base model: tiny-base's own samples vs tiny-chat's and the other sources.
enaction dataset --model models/tiny-base --other-model models/tiny-chat --prompts $PROMPTS/heldout.jsonl \
  --samples 1 --seed 2 --parallel "$PARALLEL" --out "$OUT/heldout-base.jsonl"
enaction evaluate --model models/tiny-base --dataset "$OUT/heldout-base.jsonl" --parallel "$PARALLEL" \
  --save-json "$OUT/evaluate-base.json" > "$OUT/evaluate-base.md"

# 4. Record what was measured.
sha256sum models/tiny-chat/model.onnx models/tiny-base/model.onnx > "$OUT/models.sha256"
date -u +%Y-%m-%dT%H:%MZ > "$OUT/date.txt"
echo "done: $OUT"
