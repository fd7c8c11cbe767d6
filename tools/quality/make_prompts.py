"""Write the quality prompt files (calibration and held-out, disjoint) from tools/fixture-model/corpus.py.

Run:  /usr/bin/python3 tools/quality/make_prompts.py [--out tests/fixtures/quality]
Only reads corpus.py's prompt families and its train / held-out split (corpus.Tasks.sample(rng, family, split));
it never trains or loads a model. Writes one JSON object a line:
  {"prompt":"...","family":"open-ended","system":"...","topic":"...","answers":["corpus answer", ...]}

calibration.jsonl  prompts from the TRAINING split (open-ended topics the model was trained on)
heldout.jsonl      prompts from the HELD-OUT split (open-ended: the 20 held-out topics; checkable: held-out items)
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


def open_prompts(tasks, split, n, rng):
    """Distinct (topic, prompt form, system) combinations of the split's open-ended topics."""
    w = tasks.world
    held = split == "heldout"
    names = sorted(e["name"] for e in w.entities if (e["name"] in w.heldout_topics) == held)
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
    for split, name in (("train", "calibration.jsonl"), ("heldout", "heldout.jsonl")):
        rng = random.Random(f"{args.seed}-{split}")
        rows = open_prompts(tasks, split, args.open, rng)
        for fam in ("arith", "lists", "facts"):
            rows += checkable_prompts(tasks, fam, split, args.checkable, rng)
        write(os.path.join(args.out, name), rows, tasks, rng, args.answers)
        files[split] = {(r[0]["prompt"], r[1]) for r in rows}
        print(f"{name}: {len(rows)} prompts", file=sys.stderr)
    overlap = {p for p, _ in files["train"]} & {p for p, _ in files["heldout"]}
    if overlap:
        raise SystemExit(f"calibration and held-out prompts overlap: {sorted(overlap)[:5]}")


if __name__ == "__main__":
    main()
