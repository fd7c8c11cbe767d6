"""Write the quality prompt files (calibration and held-out, disjoint) from tools/fixture-model/corpus.py.

Run:  /usr/bin/python3 tools/quality/make_prompts.py [--out tests/fixtures/quality]
Only reads corpus.py's prompt families and its train / held-out split (corpus.Tasks.sample(rng, family, split));
it never trains or loads a model. Writes one JSON object a line:
  {"prompt":"...","family":"open-ended","system":"...","topic":"...","answers":["corpus answer", ...]}

calibration.jsonl  open-ended prompts on 60 of the 100 training-split topics; checkable items from the training split
heldout.jsonl      held out from calibration: open-ended prompts on the other 40 training-split topics (the model
                   knows them, the calibration never saw them); checkable items from the held-out split
unseen.jsonl       open-ended prompts on the 20 topics held out from open-ended training (the model was never asked
                   about them): what happens when the model does not know the topic
"""
import argparse
import itertools
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "fixture-model"))

import corpus  # noqa: E402

FAMILY_NAMES = {"open": "open-ended", "arith": "arithmetic", "lists": "lists", "facts": "facts"}
SYSTEM_CHOICES = [None] + corpus.SYSTEMS


def topic_split(tasks, split):
    """Open-ended topic names for a prompt file: training-split topics divided 60/40 (15/10 per kind, by a stable
    hash) between calibration and held-out, and the topics held out from training for "unseen"."""
    w = tasks.world
    if split == "unseen":
        return sorted(w.heldout_topics)
    names = []
    for kind in sorted({e["kind"] for e in w.entities}):
        known = sorted((e["name"] for e in w.entities if e["kind"] == kind and e["name"] not in w.heldout_topics),
                       key=lambda n: corpus._h("quality-split-" + n))
        cut = len(known) * 3 // 5
        names += known[:cut] if split == "calibration" else known[cut:]
    return sorted(names)


def open_prompts(tasks, split, n, rng):
    """Distinct (topic, prompt form, system) combinations of the split's open-ended topics."""
    w = tasks.world
    names = topic_split(tasks, split)
    combos = list(itertools.product(names, range(len(corpus.OPEN_PROMPTS)), range(len(SYSTEM_CHOICES))))
    rng.shuffle(combos)
    out = []
    for name, k, s in combos[:n]:
        e = w.by_name[name]
        item = {"family": "open", "topic": name, "prompt": corpus.fill(corpus.OPEN_PROMPTS[k], e)}
        out.append((item, SYSTEM_CHOICES[s], name))
    return out


def checkable_prompts(tasks, family, split, n, rng):
    out, seen = [], set()
    for _ in range(100 * n):
        if len(out) == n:
            break
        item = tasks.sample(rng, family, split)
        system = rng.choice(SYSTEM_CHOICES)
        key = (item["prompt"], system)
        if key in seen:
            continue
        seen.add(key)
        topic = item["item"][0] if family == "facts" else item["prompt"]
        out.append((item, system, topic))
    return out


def write(path, rows, tasks, rng, answers):
    with open(path, "w", encoding="utf-8") as f:
        for item, system, topic in rows:
            drawn = []
            for _ in range(10 * answers):
                if len(drawn) == answers:
                    break
                a = tasks.reference_answer(rng, item)
                if a not in drawn:
                    drawn.append(a)
            obj = {"prompt": item["prompt"], "family": FAMILY_NAMES[item["family"]]}
            if system:
                obj["system"] = system
            obj["topic"] = topic
            obj["answers"] = drawn
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "quality"))
    ap.add_argument("--open", type=int, default=400, help="open-ended prompts per file")
    ap.add_argument("--checkable", type=int, default=60, help="prompts per checkable family per file")
    ap.add_argument("--answers", type=int, default=2, help="corpus answers per prompt")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    tasks = corpus.Tasks(1234)  # the world seed the fixture models were trained on
    os.makedirs(args.out, exist_ok=True)
    files = {}
    # (open-ended topic split, checkable item split or None)
    for split, items, name in (("calibration", "train", "calibration.jsonl"), ("heldout", "heldout", "heldout.jsonl"),
                               ("unseen", None, "unseen.jsonl")):
        rng = random.Random(f"{args.seed}-{split}")
        rows = open_prompts(tasks, split, args.open, rng)
        if items:
            for fam in ("arith", "lists", "facts"):
                rows += checkable_prompts(tasks, fam, items, args.checkable, rng)
        write(os.path.join(args.out, name), rows, tasks, rng, args.answers)
        files[split] = {(r[0]["prompt"], r[1]) for r in rows}
        print(f"{name}: {len(rows)} prompts", file=sys.stderr)
    for other in ("heldout", "unseen"):
        overlap = {p for p, _ in files["calibration"]} & {p for p, _ in files[other]}
        if overlap:
            raise SystemExit(f"calibration and {other} prompts overlap: {sorted(overlap)[:5]}")


if __name__ == "__main__":
    main()
