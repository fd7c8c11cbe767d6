"""Large random-weight models for benchmarks, written ON DEMAND (never committed).

  /usr/bin/python3 tools/fixture-model/make_large.py [OUT_DIR] [--which llama100m|vocab150k|both]

OUT_DIR defaults to /tmp/enaction-large. Writes
  OUT_DIR/llama-100m/   ~100M parameters: hidden 768, 12 layers, 12 heads / 4 KV heads, vocab 32,000 (~400 MB fp32)
  OUT_DIR/vocab-150k/   vocab 150,000 with a small body: hidden 64, 2 layers (~40 MB)
in the same Optimum decoder-with-past layout as models/tiny-chat (config.json, generation_config.json,
tokenizer.json / vocab.json / merges.txt / tokenizer_config.json, model.onnx). The tokenizers are synthetic
byte-level BPEs of exactly the model's vocabulary size: after the 256 byte tokens, merges build letter n-grams
(lowercase pairs, then space-prefixed words, then longer n-grams) in a fixed order, so they are valid and
deterministic but not trained on text.
"""
import argparse
import itertools
import os
import string
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402

torch.set_num_threads(2)

from bpe import B2U, SPECIAL_TOKENS, Tokenizer  # noqa: E402
from export import export_with_past, write_configs  # noqa: E402
from model import Config, LlamaLM  # noqa: E402


def synthetic_bpe(vocab_size):
    vocab = {s: i for i, s in enumerate(SPECIAL_TOKENS)}
    for b in range(256):
        vocab[B2U[b]] = len(vocab)
    merges = []
    sp = B2U[ord(" ")]

    def add(a, b):
        if len(vocab) >= vocab_size or a + b in vocab:
            return
        merges.append((a, b))
        vocab[a + b] = len(vocab)

    letters = string.ascii_lowercase
    for a, b in itertools.product(letters, letters):  # 676 letter pairs
        add(a, b)
    for a in letters:  # space + letter
        add(sp, a)
    for a, b in itertools.product(letters, letters):  # space + pair
        add(sp, a + b)
    n = 3
    while len(vocab) < vocab_size:  # longer n-grams, with and without the leading space
        for combo in itertools.product(letters, repeat=n):
            if len(vocab) >= vocab_size:
                break
            w = "".join(combo)
            add(w[:-1], w[-1])
            add(sp + w[:-1], w[-1])
        n += 1
    return Tokenizer(vocab, merges)


def build(out, name, cfg, seed=0):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    t0 = time.time()
    tok = synthetic_bpe(cfg.vocab_size)
    assert tok.vocab_size == cfg.vocab_size
    tok.save(d)
    torch.manual_seed(seed)
    m = LlamaLM(cfg)
    m.eval()
    write_configs(cfg, d)
    export_with_past(m, os.path.join(d, "model.onnx"))
    print(f"{name}: {m.num_params() / 1e6:.1f}M params, {os.path.getsize(os.path.join(d, 'model.onnx')) / 1e6:.0f} MB, "
          f"{time.time() - t0:.0f}s -> {d}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default="/tmp/enaction-large")
    ap.add_argument("--which", default="both", choices=["llama100m", "vocab150k", "both"])
    a = ap.parse_args()
    if a.which in ("llama100m", "both"):
        build(a.out, "llama-100m", Config(vocab_size=32000, hidden_size=768, intermediate_size=2048,
                                          num_hidden_layers=12, num_attention_heads=12, num_key_value_heads=4,
                                          max_position_embeddings=2048))
    if a.which in ("vocab150k", "both"):
        build(a.out, "vocab-150k", Config(vocab_size=150000, hidden_size=64, intermediate_size=128,
                                          num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                          max_position_embeddings=2048))


if __name__ == "__main__":
    main()
