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
        item = tasks.sample(rng, family, split, wording=0.0)
        system = rng.choice(SYSTEM_CHOICES)
        key = (item["prompt"], system)
        if key in seen:
            continue
        seen.add(key)
        topic = item["item"][0] if family == "facts" else item["prompt"]
        out.append((item, system, topic))
    return out


def shaped(tasks, rows, shape, split, rng):
    """The same kind of rows in another conversation shape (ConversationShapes in src/Enaction.Calibration):
    new-wording: the request in a wording (and often under a system prompt) that training never used (corpus.HELDOUT_*)
                 for the held-out file, a composed training wording for the calibration file;
    multi-turn:  2-4 earlier requests, which the dataset builder has the model answer itself;
    tools:       a tool call and its result between the request and the answer (families with a tool)."""
    out = []
    held = split == "heldout"
    for item, system, topic in rows:
        extra = {"shape": shape}
        item = dict(item)
        if shape == "new-wording":
            if item["family"] == "open":
                item["prompt"] = corpus.compose_open(rng, tasks.world.by_name[item["topic"]], heldout=held)
            elif item["family"] == "arith":
                item["prompt"] = corpus.compose_arith(rng, item["item"], heldout=held)
            elif item["family"] == "lists":
                item["prompt"] = corpus.compose_list(rng, item["item"])
            else:
                item["prompt"] = corpus.compose_fact(rng, item["prompt"])
            if rng.random() < 0.6:
                system = rng.choice(corpus.HELDOUT_SYSTEMS) if held else corpus.system_prompt(rng)
        elif shape == "multi-turn":
            extra["history"] = [tasks.sample(rng, rng.choice(["arith", "lists", "facts", "open"]), split if split != "unseen" else "train",
                                             wording=0.0)["prompt"] for _ in range(rng.choice([2, 3, 4]))]
        elif shape == "tools":
            exchange = tasks.tool_exchange(rng, item)
            if exchange is None:
                continue
            extra["tool_call"], extra["tool_result"] = exchange[0]["content"], exchange[1]["content"]
        out.append((item, system, topic, extra))
    return out


def write(path, rows, tasks, rng, answers):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            item, system, topic = row[:3]
            extra = row[3] if len(row) > 3 else {}
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
            obj.update(extra)
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "quality"))
    ap.add_argument("--open", type=int, default=400, help="open-ended prompts per file (unseen.jsonl)")
    ap.add_argument("--checkable", type=int, default=60, help="prompts per checkable family per file")
    ap.add_argument("--single-open", type=int, default=200, help="single-turn open-ended prompts (calibration, held-out)")
    ap.add_argument("--single-checkable", type=int, default=40, help="single-turn prompts per checkable family")
    ap.add_argument("--shape-open", type=int, default=100, help="open-ended prompts per other shape")
    ap.add_argument("--shape-checkable", type=int, default=20, help="prompts per checkable family per other shape")
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
        if not items:
            rows = open_prompts(tasks, split, args.open, rng)
        else:
            # Single-turn prompts in the training wordings, then the same kinds of prompts in the other shapes.
            n_open, n_check = args.single_open, args.single_checkable
            base = open_prompts(tasks, split, n_open + 3 * args.shape_open, rng)
            rows = base[:n_open]
            checks = {fam: checkable_prompts(tasks, fam, items, n_check + 3 * args.shape_checkable, rng)
                      for fam in ("arith", "lists", "facts")}
            for fam in ("arith", "lists", "facts"):
                rows += checks[fam][:n_check]
            for k, shape in enumerate(("new-wording", "multi-turn", "tools")):
                part = base[n_open + k * args.shape_open:n_open + (k + 1) * args.shape_open]
                for fam in ("arith", "lists", "facts"):
                    part += checks[fam][n_check + k * args.shape_checkable:n_check + (k + 1) * args.shape_checkable]
                rows += shaped(tasks, part, shape, split, rng)
        write(os.path.join(args.out, name), rows, tasks, rng, args.answers)
        files[split] = {(r[0]["prompt"], r[1]) for r in rows}
        print(f"{name}: " + ", ".join(f"{sh} {sum(1 for r in rows if (r[3] if len(r) > 3 else {}).get('shape', 'single') == sh)}"
                                      for sh in ("single", "new-wording", "multi-turn", "tools")), file=sys.stderr)
        print(f"{name}: {len(rows)} prompts", file=sys.stderr)
    for other in ("heldout", "unseen"):
        overlap = {p for p, _ in files["calibration"]} & {p for p, _ in files[other]}
        if overlap:
            raise SystemExit(f"calibration and {other} prompts overlap: {sorted(overlap)[:5]}")


if __name__ == "__main__":
    main()
