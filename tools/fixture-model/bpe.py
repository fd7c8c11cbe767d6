"""Byte-level BPE (GPT-2 bytes-to-unicode) trained from scratch, plus Hugging Face file writers.

Deterministic: ties in pair counts are broken by the pair itself (lexicographic), never by dict order.
"""
import base64
import collections
import json
import os

import regex

SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
# What tokenizer.json declares. OnnxRuntimeGenAI's tokenizer (onnxruntime-extensions) knows GPT-2's ` ?\p{N}+` but
# rejects ` ?\p{N}` ("Invalid regex"). The ids are the same: training split digits one by one, so no merge joins two
# digits and BPE inside a run of digits stops at single digits either way (checked on the whole corpus and every
# fixture: tools/tokenizer-parity). Training keeps SPLIT_PATTERN so a rebuild learns the same merges.
EXPORT_SPLIT_PATTERN = SPLIT_PATTERN.replace(r" ?\p{N}|", r" ?\p{N}+|")
assert EXPORT_SPLIT_PATTERN != SPLIT_PATTERN
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
                 "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")

_PAT = regex.compile(SPLIT_PATTERN)


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


B2U = bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}


def pretokenize(text):
    return _PAT.findall(text)


def to_units(piece):
    return "".join(B2U[b] for b in piece.encode("utf-8"))


def train_bpe(texts, vocab_size, min_freq=2, log=print):
    """texts: iterable of strings (special tokens must already be removed). Returns (vocab dict, merges list)."""
    counts = collections.Counter()
    for t in texts:
        for p in pretokenize(t):
            counts[to_units(p)] += 1
    words = [list(w) for w in sorted(counts)]
    freqs = [counts[w] for w in sorted(counts)]
    vocab = {}
    for s in SPECIAL_TOKENS:
        vocab[s] = len(vocab)
    for b in range(256):
        vocab[B2U[b]] = len(vocab)
    pair_counts = collections.Counter()
    where = collections.defaultdict(set)
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_counts[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    merges = []
    while len(vocab) < vocab_size:
        if not pair_counts:
            break
        # max count, ties broken by smallest pair (deterministic)
        best = min(pair_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        (a, b), c = best
        if c < min_freq:
            break
        merged = a + b
        merges.append((a, b))
        vocab[merged] = len(vocab)
        for i in sorted(where.pop((a, b), ())):
            w = words[i]
            f = freqs[i]
            for x, y in zip(w, w[1:]):
                pair_counts[(x, y)] -= f
                if pair_counts[(x, y)] <= 0:
                    del pair_counts[(x, y)]
            nw = []
            j = 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    nw.append(merged)
                    j += 2
                else:
                    nw.append(w[j])
                    j += 1
            words[i] = nw
            for x, y in zip(nw, nw[1:]):
                pair_counts[(x, y)] += f
                where[(x, y)].add(i)
        pair_counts.pop((a, b), None)
        if len(merges) % 500 == 0:
            log(f"bpe: {len(merges)} merges, last {merged!r} x{c}")
    return vocab, merges


class Tokenizer:
    def __init__(self, vocab, merges):
        self.vocab = dict(vocab)
        self.inv = {i: t for t, i in self.vocab.items()}
        self.merges = [tuple(m) for m in merges]
        self.ranks = {m: i for i, m in enumerate(self.merges)}
        self.special = {s: self.vocab[s] for s in SPECIAL_TOKENS}
        self._special_re = regex.compile("(" + "|".join(regex.escape(s) for s in SPECIAL_TOKENS) + ")")
        self._cache = {}

    @property
    def vocab_size(self):
        return len(self.vocab)

    def _bpe(self, units):
        if units in self._cache:
            return self._cache[units]
        w = list(units)
        while len(w) > 1:
            best = None
            for i in range(len(w) - 1):
                r = self.ranks.get((w[i], w[i + 1]))
                if r is not None and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                break
            a, b = w[best[1]], w[best[1] + 1]
            nw, j = [], 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    nw.append(a + b)
                    j += 2
                else:
                    nw.append(w[j])
                    j += 1
            w = nw
        ids = [self.vocab[t] for t in w]
        if len(self._cache) < 200000:
            self._cache[units] = ids
        return ids

    def encode(self, text):
        ids = []
        for part in self._special_re.split(text):
            if not part:
                continue
            if part in self.special:
                ids.append(self.special[part])
                continue
            for p in pretokenize(part):
                ids.extend(self._bpe(to_units(p)))
        return ids

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            t = self.inv[int(i)]
            if t in self.special:
                out += t.encode("utf-8")
            else:
                out += bytes(U2B[c] for c in t)
        return out.decode("utf-8", errors="replace")

    def token_bytes(self, i):
        t = self.inv[i]
        if t in self.special:
            return t.encode("utf-8")
        return bytes(U2B[c] for c in t)

    # ---- files ----
    def save(self, d, model_max_length=512):
        os.makedirs(d, exist_ok=True)
        added = [{"id": self.special[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                  "normalized": False, "special": True} for s in SPECIAL_TOKENS]
        tj = {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": EXPORT_SPLIT_PATTERN}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
            "post_processor": None,
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": self.vocab, "merges": [f"{a} {b}" for a, b in self.merges]},
        }
        with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(tj, f, ensure_ascii=False, indent=1)
        with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump(self.vocab, f, ensure_ascii=False)
        with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n")
            for a, b in self.merges:
                f.write(f"{a} {b}\n")
        cfg = {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": model_max_length,
            "bos_token": None,
            "eos_token": "<|im_end|>",
            "pad_token": "<|endoftext|>",
            "unk_token": None,
            "add_bos_token": False,
            "add_eos_token": False,
            "clean_up_tokenization_spaces": False,
            "added_tokens_decoder": {str(a["id"]): {k: v for k, v in a.items() if k != "id"} for a in added},
            "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
            "chat_template": CHAT_TEMPLATE,
        }
        with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(cfg, f, ensure_ascii=False, indent=1)

    def save_tiktoken(self, path):
        """tiktoken rank file for the non-special tokens: 'base64(bytes) rank' per line, rank == id."""
        with open(path, "w", encoding="ascii") as f:
            for i in sorted(self.inv):
                t = self.inv[i]
                if t in self.special:
                    continue
                f.write(base64.b64encode(self.token_bytes(i)).decode("ascii") + f" {i}\n")

    @classmethod
    def load(cls, d):
        with open(os.path.join(d, "tokenizer.json"), encoding="utf-8") as f:
            tj = json.load(f)
        merges = [tuple(m.split(" ")) for m in tj["model"]["merges"]]
        return cls(tj["model"]["vocab"], merges)


def render_chat(messages, add_generation_prompt=False, _cache={}):
    import jinja2
    if "t" not in _cache:
        _cache["t"] = jinja2.Environment().from_string(CHAT_TEMPLATE)
    return _cache["t"].render(messages=messages, add_generation_prompt=add_generation_prompt)
