"""Chat encoding, batched KV-cache sampling and teacher-forced scoring shared by training and measurement."""
import math

import torch
import torch.nn.functional as F

from bpe import render_chat

EOT, IM_START, IM_END = 0, 1, 2


def encode_chat(tok, messages, add_generation_prompt=False):
    return tok.encode(render_chat(messages, add_generation_prompt))


def assistant_mask(tok, messages):
    """ids of the rendered transcript and a 0/1 mask marking assistant content tokens and their <|im_end|>."""
    ids, mask = [], []
    for m in messages:
        head = [IM_START] + tok.encode(m["role"] + "\n")
        body = tok.encode(m["content"]) + [IM_END]
        tail = tok.encode("\n")
        ids += head + body + tail
        a = 1 if m["role"] == "assistant" else 0
        mask += [0] * len(head) + [a] * len(body) + [0] * len(tail)
    return ids, mask


def default_device():
    """Where new tensors go (torch.set_default_device; CPU unless a GPU build set it)."""
    return torch.empty(0).device


@torch.no_grad()
def generate(model, prompts, max_new=160, temperature=1.0, seed=0, stop=IM_END, return_entropy=False):
    """prompts: list of id lists (left-padded internally). Returns list of generated id lists (stop token excluded)
    and, if asked, the per-step entropy (nats) of each generated token's distribution."""
    g = torch.Generator(device=default_device()).manual_seed(seed)
    B = len(prompts)
    L = max(len(p) for p in prompts)
    ids = torch.full((B, L), EOT, dtype=torch.long)
    am = torch.zeros((B, L), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, L - len(p):] = torch.tensor(p)
        am[i, L - len(p):] = 1
    pos = (am.cumsum(1) - 1).clamp(min=0)
    logits, past = model(ids, am, pos, None)
    last = logits[:, -1, :]
    nextpos = pos[:, -1:] + 1
    out = [[] for _ in range(B)]
    ents = [[] for _ in range(B)]
    done = [False] * B
    for step in range(max_new):
        lp = F.log_softmax(last.float() / temperature, -1)
        if return_entropy:
            ent = -(lp.exp() * lp).sum(-1)
        tokn = torch.multinomial(lp.exp(), 1, generator=g).squeeze(1)
        toks = tokn.tolist()  # one device-to-host copy per step, not one per row
        ent_list = ent.tolist() if return_entropy else None
        for i in range(B):
            if not done[i]:
                t = toks[i]
                if return_entropy:
                    ents[i].append(ent_list[i])  # the step that emits the stop token counts too
                if t == stop:
                    done[i] = True
                else:
                    out[i].append(t)
        if all(done):
            break
        am = torch.cat([am, torch.ones(B, 1, dtype=torch.long)], 1)
        logits, past = model(tokn.unsqueeze(1), am, nextpos, past)
        nextpos = nextpos + 1
        last = logits[:, -1, :]
    return (out, ents) if return_entropy else out


@torch.no_grad()
def continue_stats(model, prompts, max_new=160, temperature=1.0, seed=0):
    return generate(model, prompts, max_new, temperature, seed, return_entropy=True)


@torch.no_grad()
def token_stats(model, ids):
    """Teacher forcing one sequence: per-token entropy, surprisal, rank for tokens 1..n-1 (float64 from fp32 logits)."""
    x = torch.tensor([ids])
    logits, _ = model(x)
    lg = logits[0].double()
    lp = torch.log_softmax(lg, -1)
    ent = -(lp.exp() * lp).sum(-1)
    tgt = torch.tensor(ids[1:])
    sur = -lp[:-1].gather(1, tgt.unsqueeze(1)).squeeze(1)
    rank = (lg[:-1] > lg[:-1].gather(1, tgt.unsqueeze(1))).sum(1) + 1
    return ent[:-1].tolist(), sur.tolist(), rank.tolist(), logits[0]
