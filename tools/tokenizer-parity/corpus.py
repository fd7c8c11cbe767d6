"""Writes the bundled models' training text with the ids the trainer's own tokenizer gave it, one JSON object a line
({"source", "text", "ids"}), for `dotnet run --project tools/tokenizer-parity`.

    /usr/bin/python3 tools/tokenizer-parity/corpus.py OUT.jsonl

The texts are regenerated from the build recipe's seeds (tools/fixture-model/build.py, train.py): the tokenizer's
6,000 documents, the base model's 60,000 documents, the 8,000 SFT and 3,200 topics-stage transcripts. The ids come
from tools/fixture-model/bpe.py with the split pattern training used (` ?\\p{N}`), so they are the ids the weights
were trained on. The on-policy stage trained on the model's own samples, which only the model can regenerate.
Needs the Debian packages of tools/fixture-model/README.md (python3-torch for the imports, wordnet-base, fortunes).
"""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixture-model"))

import corpus  # noqa: E402
import train  # noqa: E402
from bpe import Tokenizer, render_chat  # noqa: E402
from build import RECIPE  # noqa: E402


def transcripts(tasks, n, seed, family=None):
    rng = random.Random(seed)
    return [render_chat(tasks.transcript(rng, family=family)) for _ in range(n)]


def main():
    out = sys.argv[1]
    seed = RECIPE["seed"]
    tok = Tokenizer.load(os.path.join(HERE, "..", "..", "models", "tiny-chat"))
    tasks = corpus.Tasks(seed)
    sources = [
        ("tokenizer", train.base_documents(tasks, seed + 7, 6000)),
        ("base", train.base_documents(tasks, seed + 1, 60000)),
        ("sft", transcripts(tasks, RECIPE["sft_transcripts"], seed + 11)),
        ("topics", transcripts(tasks, RECIPE["topic_transcripts"], seed + 13, family="open")),
    ]
    count = tokens = 0
    with open(out, "w", encoding="utf-8") as f:
        for name, texts in sources:
            for text in texts:
                ids = tok.encode(text)
                f.write(json.dumps({"source": name, "text": text, "ids": ids}, ensure_ascii=False) + "\n")
                count += 1
                tokens += len(ids)
    print(f"{count} texts, {tokens} tokens -> {out}")


if __name__ == "__main__":
    main()
