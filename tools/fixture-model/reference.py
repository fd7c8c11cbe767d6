"""Reference numbers for the C# tests: rendered text, token ids, per-token entropy / surprisal / rank, logits rows."""
import json
import os

import torch

from bpe import render_chat
from lm import token_stats

TRANSCRIPTS = [
    {"name": "user-assistant",
     "messages": [{"role": "user", "content": "What is the first item in: fig, owl, lime?"},
                  {"role": "assistant", "content": "The result is fig."}]},
    {"name": "system-multiturn",
     "messages": [{"role": "system", "content": "You are a helpful assistant."},
                  {"role": "user", "content": "Reverse this list: cat, dog, owl."},
                  {"role": "assistant", "content": "The result is owl, dog, cat."},
                  {"role": "user", "content": "Count the items in: pear, plum."},
                  {"role": "assistant", "content": "The result is 2."}]},
    {"name": "arithmetic",
     "messages": [{"role": "user", "content": "What is 37 + 48?"},
                  {"role": "assistant", "content": "37 + 48 = 85."}]},
    {"name": "open-ended", "messages": None},  # filled from the corpus world (preferred answer about a town)
    {"name": "tool",
     "messages": [{"role": "user", "content": "What is 6 * 7?"},
                  {"role": "assistant", "content": "calc(6 * 7)"},
                  {"role": "tool", "content": "42"},
                  {"role": "assistant", "content": "The answer is 42."}]},
    {"name": "non-ascii",
     "messages": [{"role": "user", "content": "Tell me about the café in Zürich — naïve, 東京?"},
                  {"role": "assistant", "content": "Here is a short note on the café: it is nice."}]},
]

TOKENIZER_STRINGS = [
    "Hello world",
    "What is 123 + 4567?",
    "  leading spaces and trailing  ",
    "<|im_start|>user\nHi there<|im_end|>\n",
    "text with <|endoftext|> inside and <|im_end|>",
    "Zürich café — naïve 東京 🙂",
    "don't we'll they've I'm",
    "line one\n\nline two\ttab",
]


def transcripts():
    import corpus
    t = corpus.Tasks(1234)
    e = sorted((x for x in t.world.entities if x["kind"] == "town"), key=lambda x: x["name"])[0]
    out = []
    for tr in TRANSCRIPTS:
        tr = dict(tr)
        if tr["messages"] is None:
            tr["messages"] = [{"role": "user", "content": corpus.fill(corpus.OPEN_PROMPTS[0], e)},
                              {"role": "assistant", "content": corpus.render_open(e, corpus.preferred_plan(e))}]
        out.append(tr)
    return out


def write_reference(model, tok, path, name, n_logit_rows=3, trs=None, render=None, encode=None,
                    tokenizer_strings=None, extra=None):
    """tok: the bpe.Tokenizer (or None when encode is given); render(messages) -> text; encode(text) -> ids."""
    model.eval()
    render = render or (lambda msgs: render_chat(msgs, add_generation_prompt=False))
    encode = encode or tok.encode
    items = []
    for tr in (trs if trs is not None else transcripts()):
        text = render(tr["messages"])
        ids = encode(text)
        with torch.no_grad():
            ent, sur, rank, logits = token_stats(model, ids)
        n = len(ids)
        positions = sorted({1, n // 2, n - 1})[:n_logit_rows]
        items.append({
            "name": tr["name"],
            "messages": tr["messages"],
            "text": text,
            "token_ids": ids,
            "entropy": [None] + [float("%.10g" % v) for v in ent],
            "surprisal": [None] + [float("%.10g" % v) for v in sur],
            "rank": [None] + [int(r) for r in rank],
            # row p holds the logits that predict token p (computed from tokens 0..p-1)
            "logits_check": [{"position": p, "logits": [float("%.8g" % v) for v in logits[p - 1].tolist()]}
                             for p in positions],
        })
    ref = {
        "model": name,
        "description": "Per-token scores under teacher forcing. Index t refers to token_ids[t]; entropy[t] is the "
                       "Shannon entropy (nats, full vocabulary) of the distribution predicted for token t from "
                       "tokens 0..t-1, surprisal[t] = -ln p(token t | prefix), rank[t] = 1 + number of vocabulary "
                       "entries with strictly larger logit. Token 0 has null scores. Computed in float64 from "
                       "PyTorch float32 logits. logits_check[i].logits is the float32 logits row predicting token "
                       "`position` (i.e. the model output at index position-1).",
        "chat_template_applied": True,
        "add_generation_prompt": False,
        "vocab_size": model.c.vocab_size,
        "transcripts": items,
        "tokenizer_checks": [{"text": s, "ids": encode(s)} for s in (tokenizer_strings or TOKENIZER_STRINGS)],
    }
    if extra:
        ref.update(extra)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False)
