"""Measure the on-policy / off-policy entropy gap and the cached-intention effect on HELD-OUT prompts.

Run:  /usr/bin/python3 tools/fixture-model/measure_gap.py [--per-family 40] [--open 80]
Reads tools/fixture-model/out/{base,chat}.pt and writes tools/fixture-model/gap.json and GAP.md.

Two views, for each checkpoint M (base, chat) and each held-out prompt:
  paper protocol  prefill the first k response tokens into the assistant turn, let M generate the rest at
                  temperature 1, mean entropy of M's output distributions over the generated tokens. The prefill is
                  M's own earlier sample (on-policy) or off-policy text: the other checkpoint's sample, a corpus
                  answer (uniform over valid answers), M's own answer to another held-out prompt of the family
                  (for open-ended prompts: a different topic).
  monitor view    teacher-force a whole response through M and average next-token entropy / surprisal over the
                  response tokens, own response vs each off-policy source at matched positions.
  cached intention  entropy of the first generated tokens with no prefill, after an own opening, and after a
                  different-topic opening (k tokens of an answer about another entity).
"""
import argparse
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402

torch.set_num_threads(2)
if os.environ.get("ENACTION_TRAIN_DEVICE", "cpu") != "cpu":
    torch.set_default_device(os.environ["ENACTION_TRAIN_DEVICE"])

import corpus  # noqa: E402
from bpe import Tokenizer  # noqa: E402
from export import load_checkpoint  # noqa: E402
from lm import encode_chat, generate, IM_END  # noqa: E402

OUT = os.path.join(HERE, "out")
FAMILIES = ["open", "arith", "lists", "facts"]
KS = [0, 4, 8, 16]
SOURCES = ["other_checkpoint", "corpus", "other_prompt"]
FIRST_N = 12


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else float("nan")


def gen_batched(m, prompts, seed, max_new=130, bs=128):
    outs, ents = [], []
    for i in range(0, len(prompts), bs):
        o, e = generate(m, prompts[i:i + bs], max_new=max_new, temperature=1.0, seed=seed + i, return_entropy=True)
        outs += o
        ents += e
    return outs, ents


@torch.no_grad()
def teacher_forced(m, prompt_ids, resp_ids):
    """Per response token entropy and surprisal (nats) under teacher forcing; resp_ids includes <|im_end|>."""
    ids = prompt_ids + resp_ids
    logits, _ = m(torch.tensor([ids]))
    lp = torch.log_softmax(logits[0].double(), -1)
    P = len(prompt_ids)
    rows = lp[P - 1:len(ids) - 1]
    ent = -(rows.exp() * rows).sum(-1)
    sur = -rows.gather(1, torch.tensor(resp_ids).unsqueeze(1)).squeeze(1)
    return ent.tolist(), sur.tolist()


def matched(a, b):
    n = min(len(a), len(b))
    return a[:n], b[:n]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-family", type=int, default=16)
    ap.add_argument("--open", type=int, default=48)
    ap.add_argument("--seed", type=int, default=99)
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--base", default=os.path.join(OUT, "base.pt"))
    ap.add_argument("--chat", default=os.path.join(OUT, "chat.pt"))
    ap.add_argument("--split", default="heldout", choices=["heldout", "train"],
                    help="heldout: topics and items held out from training (GAP.md); train: training-split topics the "
                         "chat model knows (GAP-train.md)")
    args = ap.parse_args()
    t0 = time.time()
    tok = Tokenizer.load(os.path.join(OUT, "tokenizer"))
    tasks = corpus.Tasks(1234)
    models = {"base": load_checkpoint(args.base), "chat": load_checkpoint(args.chat)}
    rng = random.Random(args.seed)
    items = []
    for fam in FAMILIES:
        n = args.open if fam == "open" else args.per_family
        for _ in range(n):
            items.append(tasks.sample(rng, fam, args.split, wording=0.0))  # the fixed wordings, as before
    prompts = [encode_chat(tok, [{"role": "user", "content": it["prompt"]}], True) for it in items]
    fam_idx = {f: [i for i, it in enumerate(items) if it["family"] == f] for f in FAMILIES}
    # another held-out prompt of the same family; for open-ended prompts a different entity
    other = {}
    for f, idx in fam_idx.items():
        for j, i in enumerate(idx):
            for s in range(1, len(idx)):
                c = idx[(j + s) % len(idx)]
                if f != "open" or items[c]["topic"] != items[i]["topic"]:
                    other[i] = c
                    break
    corpus_ans = [tok.encode(tasks.reference_answer(random.Random(args.seed * 31 + i), it)) + [IM_END]
                  for i, it in enumerate(items)]

    # own samples: the prefill / teacher-forced own response; their generation entropies are the k=0 numbers
    own, k0_ent = {}, {}
    for name, m in models.items():
        o, e = gen_batched(m, prompts, args.seed + (0 if name == "base" else 7), bs=256)
        own[name] = [x + [IM_END] for x in o]
        k0_ent[name] = e
        print(f"{name}: own samples done {time.time() - t0:.0f}s", flush=True)
    rewards = {name: {f: mean([tasks.reward(items[i], tok.decode(own[name][i][:-1])) for i in idx])
                      for f, idx in fam_idx.items()} for name in models}

    res = {"n_prompts": {f: len(v) for f, v in fam_idx.items()}, "reward_of_own_samples": rewards, "models": {}}
    for name, m in models.items():
        oth = "chat" if name == "base" else "base"
        src_resp = {
            "own": own[name],
            "other_checkpoint": own[oth],
            "corpus": corpus_ans,
            "other_prompt": [own[name][other[i]] for i in range(len(items))],
        }
        R = {"paper": {}, "monitor": {}, "cached_intention": {}}
        # every prefilled continuation of this model is one job; all run together in family-grouped batches
        jobs = []
        for src, resp in src_resp.items():
            for k in KS[1:]:
                for i in range(len(items)):
                    jobs.append((("paper", src, k, i), prompts[i] + resp[i][:min(k, len(resp[i]) - 1)]))
        for k in (4, 8):
            for label, resp in (("own_opening", own[name]), ("different_topic_opening", src_resp["other_prompt"])):
                for i in fam_idx["open"]:
                    jobs.append((("ci", label, k, i), prompts[i] + resp[i][:min(k, len(resp[i]) - 1)]))
        jobs.sort(key=lambda j: (items[j[0][3]]["family"] != "open", len(j[1])))
        o, e = gen_batched(m, [p for _, p in jobs], args.seed + (11 if name == "base" else 13), bs=256)
        ent = {key: e[j] for j, (key, _) in enumerate(jobs)}
        print(f"{name}: {len(jobs)} prefilled continuations done {time.time() - t0:.0f}s", flush=True)
        for src in src_resp:
            for k in KS:
                if k == 0 and src != "own":
                    continue
                ents = k0_ent[name] if k == 0 else [ent[("paper", src, k, i)] for i in range(len(items))]
                for f, idx in fam_idx.items():
                    R["paper"].setdefault(f, {}).setdefault(src, {})[str(k)] = {
                        "entropy": mean([mean(ents[i]) for i in idx]),
                        "first_tokens_entropy": mean([mean(ents[i][:FIRST_N]) for i in idx])}
        # ---- monitor view (teacher forcing whole responses, matched positions)
        tf = {src: [teacher_forced(m, prompts[i], resp[i]) for i in range(len(items))] for src, resp in src_resp.items()}
        for f, idx in fam_idx.items():
            d = {}
            for src in SOURCES:
                on_e, off_e, on_s, off_s = [], [], [], []
                for i in idx:
                    a, b = matched(tf["own"][i][0], tf[src][i][0])
                    c, e = matched(tf["own"][i][1], tf[src][i][1])
                    on_e += a
                    off_e += b
                    on_s += c
                    off_s += e
                d[src] = {"on_entropy": mean(on_e), "off_entropy": mean(off_e), "on_surprisal": mean(on_s),
                          "off_surprisal": mean(off_s), "entropy_ratio": mean(off_e) / max(1e-9, mean(on_e))}
            d["own_full_entropy"] = mean([x for i in idx for x in tf["own"][i][0]])
            R["monitor"][f] = d
        # ---- cached intention (open-ended): first generated tokens after an own vs a different-topic opening
        for k in (4, 8):
            rows = {}
            for label in ("own_opening", "different_topic_opening"):
                rows[label] = mean([mean(ent[("ci", label, k, i)][:FIRST_N]) for i in fam_idx["open"]])
            rows["no_prefill"] = mean([mean(k0_ent[name][i][:FIRST_N]) for i in fam_idx["open"]])
            rows["rise_vs_own_opening"] = rows["different_topic_opening"] - rows["own_opening"]
            rows["ratio_vs_own_opening"] = rows["different_topic_opening"] / max(1e-9, rows["own_opening"])
            R["cached_intention"][str(k)] = rows
        res["models"][name] = R
        print(f"{name}: done {time.time() - t0:.0f}s", flush=True)

    # ---- summary ratios
    summ = {}
    for name in models:
        P = res["models"][name]["paper"]
        M = res["models"][name]["monitor"]
        s = {}
        for f in FAMILIES:
            s[f] = {
                "paper_ratio_k8": {src: P[f][src]["8"]["entropy"] / max(1e-9, P[f]["own"]["8"]["entropy"]) for src in SOURCES},
                "paper_ratio_k16": {src: P[f][src]["16"]["entropy"] / max(1e-9, P[f]["own"]["16"]["entropy"]) for src in SOURCES},
                "monitor_ratio": {src: M[f][src]["entropy_ratio"] for src in SOURCES},
            }
            s[f]["paper_ratio_k8_mean"] = mean(list(s[f]["paper_ratio_k8"].values()))
            s[f]["monitor_ratio_mean"] = mean(list(s[f]["monitor_ratio"].values()))
        summ[name] = s
    res["summary"] = summ
    res["seconds"] = time.time() - t0
    res["device"] = "one CUDA GPU (" + torch.cuda.get_device_name() + ")" if torch.empty(0).device.type == "cuda" else "2 CPU cores"
    res["command"] = "/usr/bin/python3 tools/fixture-model/measure_gap.py " + " ".join(sys.argv[1:])
    res["split"] = args.split
    suffix = "" if args.split == "heldout" else "-" + args.split
    with open(os.path.join(args.out, f"gap{suffix}.json"), "w") as f:
        json.dump(res, f, indent=1)
    with open(os.path.join(args.out, f"GAP{suffix}.md"), "w") as f:
        f.write(markdown(res))
    print(markdown(res))


def markdown(res):
    L = []
    where = ("training-split prompts (topics the chat model was trained to answer about)" if res.get("split") == "train"
             else "held-out prompts (topics and items held out from training)")
    L.append(f"# On-policy vs off-policy entropy gap (tiny-base vs tiny-chat, {where})\n")
    L.append(f"Command: `{res['command'].strip()}` ({res['seconds']:.0f} s on {res.get('device', '2 CPU cores')}). "
             f"Prompts per family: {res['n_prompts']}. Entropies in nats.\n")
    L.append("Off/on = mean entropy with an off-policy response / with the model's own response. "
             "Sources: `other_checkpoint` (the other model's sample), `corpus` (a uniformly drawn valid answer), "
             "`other_prompt` (the model's own answer to another held-out prompt; a different topic for open-ended).\n")
    L.append("## Monitor view: teacher-forced whole responses, matched positions\n")
    L.append("| family | model | own entropy | off: other ckpt | off: corpus | off: other prompt | off/on ratios (ckpt / corpus / prompt) | surprisal own -> corpus |")
    L.append("|---|---|---|---|---|---|---|---|")
    for f in FAMILIES:
        for name in ("base", "chat"):
            M = res["models"][name]["monitor"][f]
            L.append(f"| {f} | {name} | {M['corpus']['on_entropy']:.3f} | {M['other_checkpoint']['off_entropy']:.3f} | "
                     f"{M['corpus']['off_entropy']:.3f} | {M['other_prompt']['off_entropy']:.3f} | "
                     f"{M['other_checkpoint']['entropy_ratio']:.2f} / {M['corpus']['entropy_ratio']:.2f} / "
                     f"{M['other_prompt']['entropy_ratio']:.2f} | {M['corpus']['on_surprisal']:.2f} -> "
                     f"{M['corpus']['off_surprisal']:.2f} |")
    L.append("\n## Paper protocol: prefill k tokens, the model generates the rest (temperature 1)\n")
    L.append("Mean entropy over generated tokens; k=0 is the unprefilled answer.\n")
    L.append("| family | model | k | own prefill | other ckpt | corpus | other prompt | off/on (mean of sources) |")
    L.append("|---|---|---|---|---|---|---|---|")
    for f in FAMILIES:
        for name in ("base", "chat"):
            P = res["models"][name]["paper"][f]
            L.append(f"| {f} | {name} | 0 | {P['own']['0']['entropy']:.3f} | | | | |")
            for k in KS[1:]:
                r = mean([P[s][str(k)]['entropy'] for s in SOURCES]) / max(1e-9, P['own'][str(k)]['entropy'])
                L.append(f"| {f} | {name} | {k} | {P['own'][str(k)]['entropy']:.3f} | "
                         f"{P['other_checkpoint'][str(k)]['entropy']:.3f} | {P['corpus'][str(k)]['entropy']:.3f} | "
                         f"{P['other_prompt'][str(k)]['entropy']:.3f} | {r:.2f} |")
    L.append("\n## Cached intention (open-ended): entropy of the first "
             f"{FIRST_N} generated tokens\n")
    L.append("| model | k | no prefill | after own opening | after different-topic opening | rise (nats) | ratio |")
    L.append("|---|---|---|---|---|---|---|")
    for name in ("base", "chat"):
        for k, c in res["models"][name]["cached_intention"].items():
            L.append(f"| {name} | {k} | {c['no_prefill']:.3f} | {c['own_opening']:.3f} | "
                     f"{c['different_topic_opening']:.3f} | {c['rise_vs_own_opening']:+.3f} | {c['ratio_vs_own_opening']:.2f} |")
    L.append("\n## Headline (open-ended)\n")
    sb, sc = res["summary"]["base"]["open"], res["summary"]["chat"]["open"]
    L.append(f"- monitor off/on ratio (mean of sources): base {sb['monitor_ratio_mean']:.2f}x, chat {sc['monitor_ratio_mean']:.2f}x "
             f"(chat corpus-source ratio {sc['monitor_ratio']['corpus']:.2f}x)")
    L.append(f"- paper-protocol off/on ratio at k=8 (mean of sources): base {sb['paper_ratio_k8_mean']:.2f}x, chat {sc['paper_ratio_k8_mean']:.2f}x")
    L.append(f"- reward of own samples on these prompts: {json.dumps({n: {f: round(v, 3) for f, v in r.items()} for n, r in res['reward_of_own_samples'].items()})}")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
