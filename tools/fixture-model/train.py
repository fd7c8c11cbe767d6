"""Stages: corpus + tokenizer, base pre-training, SFT, on-policy best-of-n (expert iteration)."""
import json
import math
import os
import random
import time

import torch
import torch.nn.functional as F

import corpus
from bpe import Tokenizer, train_bpe, render_chat
from export import save_checkpoint, load_checkpoint
from lm import assistant_mask, default_device, encode_chat, generate, EOT, IM_END
from model import Config, LlamaLM

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")


class Log:
    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "a")
        self.t0 = time.time()

    def __call__(self, msg):
        line = f"[{time.strftime('%H:%M:%S')} +{time.time() - self.t0:6.0f}s] {msg}"
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


# ---------------------------------------------------------------- corpus
def base_documents(tasks, seed, n_docs):
    """Plain-text documents for the base model: real English, encyclopedia prose, chat transcripts."""
    rng = random.Random(seed)
    wn = corpus.load_wordnet()
    fo = corpus.load_fortunes()
    docs = []
    for _ in range(n_docs):
        r = rng.random()
        if r < 0.17:
            ents = rng.sample(wn, 6)
            lines = []
            for x in ents:
                s = f"{x['words'][0]}: {x['def']}."
                if x["examples"]:
                    s += " " + corpus.cap(x["examples"][0]) + "."
                lines.append(s)
            docs.append("\n".join(lines))
        elif r < 0.30:
            docs.append("\n\n".join(rng.sample(fo, 3)))
        elif r < 0.45:
            es = rng.sample(tasks.world.entities, 3)
            docs.append("\n".join(tasks.encyclopedia(rng, e) for e in es))
        else:
            docs.append(render_chat(tasks.transcript(rng)))
    return docs


def build_tokenizer(tasks, seed, vocab_size, log):
    docs = base_documents(tasks, seed + 7, 6000)
    texts = []
    for d in docs:
        for s in ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]:
            d = d.replace(s, "\n")
        texts.append(d)
    vocab, merges = train_bpe(texts, vocab_size, log=log)
    return Tokenizer(vocab, merges)


# ---------------------------------------------------------------- training loops
def lr_at(step, total, peak, warm=100):
    if step < warm:
        return peak * (step + 1) / warm
    p = (step - warm) / max(1, total - warm)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


def train_base(tok, tasks, cfg, log, steps, seed=0, seq=256, batch=24, lr=2e-3):
    torch.manual_seed(seed)
    m = LlamaLM(cfg)
    log(f"base: {m.num_params()} params")
    docs = base_documents(tasks, seed + 1, 60000)
    stream = []
    for d in docs:
        stream += tok.encode(d) + [EOT]
    data = torch.tensor(stream)
    log(f"base: corpus {len(docs)} docs, {len(stream)} tokens")
    opt = torch.optim.AdamW(m.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.05)
    g = torch.Generator(device=default_device()).manual_seed(seed)
    t0 = time.time()
    seen = 0
    m.train()
    for step in range(steps):
        for gp in opt.param_groups:
            gp["lr"] = lr_at(step, steps, lr)
        ix = torch.randint(0, len(data) - seq - 1, (batch,), generator=g)
        x = torch.stack([data[i:i + seq] for i in ix])
        y = torch.stack([data[i + 1:i + seq + 1] for i in ix])
        logits, _ = m(x)
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab_size), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        seen += batch * seq
        if step % 50 == 0:
            log(f"base step {step} loss {loss.item():.3f} tok/s {seen / max(1e-9, time.time() - t0):.0f}")
    log(f"base done: {steps} steps, {seen} tokens, {time.time() - t0:.0f}s")
    return m


def masked_batches(tok, seqs, batch, rng):
    """seqs: list of (ids, mask). Yields padded (x, y, w) batches, sorted-ish by length for efficiency."""
    idx = list(range(len(seqs)))
    rng.shuffle(idx)
    # length buckets: sort within chunks of 8 batches so padding stays small, then shuffle the batches
    batches = []
    for c in range(0, len(idx), batch * 8):
        chunk = sorted(idx[c:c + batch * 8], key=lambda j: len(seqs[j][0]))
        batches += [chunk[i:i + batch] for i in range(0, len(chunk), batch)]
    rng.shuffle(batches)
    for bidx in batches:
        part = [seqs[j] for j in bidx]
        L = max(len(s[0]) for s in part)
        x = torch.full((len(part), L - 1), EOT, dtype=torch.long)
        y = torch.full((len(part), L - 1), -100, dtype=torch.long)
        for k, (ids, mask) in enumerate(part):
            t = torch.tensor(ids)
            mm = torch.tensor(mask[1:], dtype=torch.bool)
            x[k, :len(ids) - 1] = t[:-1]
            yy = t[1:].clone()
            yy[~mm] = -100
            y[k, :len(ids) - 1] = yy
        yield x, y


def train_masked(m, tok, seqs, log, epochs=1, batch=32, lr=1e-3, tag="sft", seed=0, warm=20):
    rng = random.Random(seed)
    opt = torch.optim.AdamW(m.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.0)
    total = epochs * math.ceil(len(seqs) / batch)
    step = 0
    t0 = time.time()
    m.train()
    for ep in range(epochs):
        for x, y in masked_batches(tok, seqs, batch, rng):
            for gp in opt.param_groups:
                gp["lr"] = lr_at(step, total, lr, warm=warm)
            logits, _ = m(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
            opt.step()
            if step % 50 == 0:
                log(f"{tag} step {step}/{total} loss {loss.item():.3f} {time.time() - t0:.0f}s")
            step += 1
    m.eval()
    return m


def sft_data(tok, tasks, n, seed, family=None):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        msgs = tasks.transcript(rng, family=family)
        ids, mask = assistant_mask(tok, msgs)
        if len(ids) <= 480:
            out.append((ids, mask))
    return out


ONPOLICY_FAMILIES = ["open", "open", "open", "open", "open", "arith", "lists", "facts"]


def onpolicy_context(tasks, tok, rng, item, pool, max_prompt=380):
    """The conversation an on-policy prompt is asked in, in the shapes of real traffic: sometimes a system prompt,
    1-2 earlier rounds of the model's own kept answers (from earlier rounds; uniform SFT answers before any exist),
    and a tool call with its result before the answer. Too long a context loses its history."""
    sys_ = [{"role": "system", "content": corpus.system_prompt(rng)}] if rng.random() < 0.3 else []
    history = []
    if rng.random() < 0.3:
        for _ in range(rng.choice([1, 1, 2])):
            if pool:
                history += rng.choice(pool)
            else:
                history += tasks.exchange(rng, tasks.sample(rng, rng.choice(["arith", "lists", "facts", "open"])))
    tail = [{"role": "user", "content": item["prompt"]}]
    if rng.random() < 0.2:
        tail += tasks.tool_exchange(rng, item) or []
    mm = sys_ + history + tail
    if len(encode_chat(tok, mm, True)) > max_prompt:
        mm = sys_ + tail
    return mm


def onpolicy(m, tok, tasks, log, rounds, prompts_per_round, n, seed=0, replay=0.25, lr=5e-4, batch=32,
             min_reward=0.1, epochs=2, save=None, temperature=1.0):
    """Best-of-n expert iteration: sample n answers per training prompt from the current model (temperature 1),
    keep the highest-reward one, fine-tune on those (assistant tokens only), repeat. A share of uniform SFT
    transcripts is replayed so states the model does not visit itself keep the broad SFT distribution."""
    rng = random.Random(seed)
    hist = []
    pool = []
    for r in range(rounds):
        t0 = time.time()
        items = [tasks.sample(rng, rng.choice(ONPOLICY_FAMILIES)) for _ in range(prompts_per_round)]
        msgs = [onpolicy_context(tasks, tok, rng, it, pool) for it in items]
        prompts = [encode_chat(tok, mm, True) for mm in msgs]
        m.eval()
        # batches grouped by family: short checkable answers finish in a few steps
        flat = [(j, p) for j, p in enumerate(prompts) for _ in range(n)]
        flat.sort(key=lambda jp: (items[jp[0]]["family"] == "open", jp[0]))
        gen = []
        for i in range(0, len(flat), 256):
            gen += generate(m, [p for _, p in flat[i:i + 256]], max_new=120, temperature=temperature,
                            seed=seed * 1000 + r * 100 + i)
        outs = [None] * len(flat)
        cnt = {}
        for (j, _), o in zip(flat, gen):
            k = cnt.get(j, 0)
            cnt[j] = k + 1
            outs[j * n + k] = o
        keep = []
        by_fam = {}
        for j, it in enumerate(items):
            cands = [tok.decode(o) for o in outs[j * n:(j + 1) * n]]
            rs = [tasks.reward(it, c) for c in cands]
            b = max(range(n), key=lambda k: (rs[k], -k))
            by_fam.setdefault(it["family"], []).append((sum(rs) / n, rs[b]))
            if rs[b] > min_reward:
                keep.append(assistant_mask(tok, msgs[j] + [{"role": "assistant", "content": cands[b]}]))
                if rs[b] >= 0.5:
                    # the model's own good answers become the earlier turns of later rounds' conversations
                    own = [{"role": "user", "content": it["prompt"]}, {"role": "assistant", "content": cands[b]}]
                    if len(pool) < 4000:
                        pool.append(own)
                    else:
                        pool[rng.randrange(len(pool))] = own
        stats = {f: (round(sum(a for a, _ in v) / len(v), 3), round(sum(b for _, b in v) / len(v), 3))
                 for f, v in by_fam.items()}
        hist.append({"round": r, "mean_and_best_reward": stats, "kept": len(keep)})
        log(f"onpolicy round {r}: mean/best reward by family {stats}, kept {len(keep)}, sampling {time.time() - t0:.0f}s")
        nrep = int(len(keep) * replay / max(1e-9, 1 - replay))
        data = keep + sft_data(tok, tasks, nrep, seed * 7919 + r)
        train_masked(m, tok, data, log, epochs=epochs, batch=batch, lr=lr, tag=f"onpolicy{r}", seed=r, warm=5)
        if save:
            save(m, hist)
    return m, hist
