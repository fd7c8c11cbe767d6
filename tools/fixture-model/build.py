"""One command rebuild: /usr/bin/python3 tools/fixture-model/build.py [--quick] [--from STAGE]

Stages (each cached under tools/fixture-model/out/): tokenizer, base, sft, chat (on-policy), export, reference.
--from STAGE reruns that stage and everything after it; --quick is the minutes-long placeholder build.
"""
import argparse
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402

torch.set_num_threads(2)
# ENACTION_TRAIN_DEVICE=cuda trains on a GPU (minutes instead of the better part of an hour); every tensor, the model
# and the samplers' generators then live there. Seeded runs repeat on the same device; CPU and CUDA give different
# (equally valid) models, so the build log says which device made the committed one.
DEVICE = os.environ.get("ENACTION_TRAIN_DEVICE", "cpu")
if DEVICE != "cpu":
    torch.set_default_device(DEVICE)

import corpus  # noqa: E402
from bpe import Tokenizer  # noqa: E402
from export import (export_with_past, load_checkpoint, round_weights_fp16, save_checkpoint,  # noqa: E402
                    store_weights_fp16, write_configs, write_genai_config)
from model import Config  # noqa: E402
import train  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(HERE, "out")
STAGES = ["tokenizer", "base", "sft", "topics", "chat", "export", "reference"]

RECIPE = {
    "seed": 1234,
    "vocab_size": 2048,
    "model": dict(hidden_size=192, intermediate_size=512, num_hidden_layers=5, num_attention_heads=8,
                  num_key_value_heads=2, max_position_embeddings=512),
    "base_steps": 200,
    "sft_transcripts": 16000, "sft_epochs": 1, "sft_lr": 1e-3,
    "topic_transcripts": 3200, "topic_epochs": 3,
    "rounds": 16, "prompts_per_round": 256, "n": 4, "replay": 0.2, "onpolicy_lr": 1e-3, "onpolicy_epochs": 3,
    "onpolicy_temperature": 0.7,
}
QUICK = dict(RECIPE, base_steps=20, sft_transcripts=1000, topic_transcripts=200, topic_epochs=1, rounds=1, prompts_per_round=16, n=2, onpolicy_epochs=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--from", dest="start", default=None, choices=STAGES)
    ap.add_argument("--only", default=None, choices=STAGES)
    ap.add_argument("--stop-after", default=None, choices=STAGES,
                    help="stop after this stage (train on a GPU machine, export where the committed toolchain is)")
    args = ap.parse_args()
    R = QUICK if args.quick else RECIPE
    os.makedirs(OUT, exist_ok=True)
    log = train.Log(os.path.join(OUT, "build.log"))
    log(f"build start quick={args.quick} device={DEVICE} torch={torch.__version__} recipe={json.dumps(R)}")
    t_start = time.time()

    def need(stage, path):
        if args.only:
            return stage == args.only
        if args.start and STAGES.index(stage) >= STAGES.index(args.start):
            return True
        return not os.path.exists(path)

    tasks = corpus.Tasks(R["seed"])
    tokdir = os.path.join(OUT, "tokenizer")
    if need("tokenizer", os.path.join(tokdir, "tokenizer.json")):
        t0 = time.time()
        tok = train.build_tokenizer(tasks, R["seed"], R["vocab_size"], log)
        tok.save(tokdir)
        log(f"tokenizer: {tok.vocab_size} tokens, {time.time() - t0:.0f}s")
    tok = Tokenizer.load(tokdir)
    cfg = Config(vocab_size=tok.vocab_size, **R["model"])

    def done(stage):
        if args.stop_after == stage:
            log(f"stopped after {stage} in {time.time() - t_start:.0f}s")
            return True
        return False

    if done("tokenizer"):
        return
    base_pt, sft_pt, topics_pt, chat_pt = (os.path.join(OUT, f"{n}.pt") for n in ("base", "sft", "topics", "chat"))
    if need("base", base_pt):
        m = train.train_base(tok, tasks, cfg, log, R["base_steps"], seed=R["seed"])
        save_checkpoint(m, base_pt)
    if done("base"):
        return
    if need("sft", sft_pt):
        m = load_checkpoint(base_pt)
        data = train.sft_data(tok, tasks, R["sft_transcripts"], R["seed"] + 11)
        log(f"sft: {len(data)} transcripts")
        train.train_masked(m, tok, data, log, epochs=R["sft_epochs"], lr=R["sft_lr"], tag="sft")
        save_checkpoint(m, sft_pt)
    if done("sft"):
        return
    if need("topics", topics_pt):
        # Open-ended transcripts only, several epochs: the mixed SFT leaves the model answering about whichever
        # entity it likes best; this teaches it to answer about the entity it was asked about.
        m = load_checkpoint(sft_pt)
        data = train.sft_data(tok, tasks, R["topic_transcripts"], R["seed"] + 13, family="open")
        log(f"topics: {len(data)} open-ended transcripts x {R['topic_epochs']} epochs")
        train.train_masked(m, tok, data, log, epochs=R["topic_epochs"], lr=R["sft_lr"], tag="topics")
        save_checkpoint(m, topics_pt)
    if done("topics"):
        return
    if need("chat", chat_pt):
        m = load_checkpoint(topics_pt)
        m, hist = train.onpolicy(m, tok, tasks, log, R["rounds"], R["prompts_per_round"], R["n"],
                                 seed=R["seed"], replay=R["replay"], lr=R["onpolicy_lr"],
                                 epochs=R["onpolicy_epochs"], temperature=R["onpolicy_temperature"],
                                 save=lambda mm, h: save_checkpoint(mm, chat_pt + f".round{len(h) - 1}", history=h))
        save_checkpoint(m, chat_pt, history=hist)
        with open(os.path.join(OUT, "onpolicy_history.json"), "w") as f:
            json.dump(hist, f, indent=1)
    if done("chat"):
        return
    if need("export", os.path.join(ROOT, "models", "tiny-chat", "model.onnx")) or args.start:
        # The chat model ships a nucleus sampler (top-p 0.9, as most chat models' generation_config.json do), so its
        # deployed outputs skip the far tail of its distribution; the base model samples plainly.
        for name, pt, top_p in (("tiny-base", base_pt, 1.0), ("tiny-chat", chat_pt, 0.9)):
            d = os.path.join(ROOT, "models", name)
            os.makedirs(d, exist_ok=True)
            # Weights ship in float16 (half the file; arithmetic stays float32), rounded first so the references agree.
            m = round_weights_fp16(load_checkpoint(pt))
            tok.save(d)
            write_configs(m.c, d, eos_token_id=2, bos_token_id=None, temperature=1.0, top_p=top_p)
            write_genai_config(m.c, d, eos_token_id=2, temperature=1.0, top_p=top_p)
            export_with_past(m, os.path.join(d, "model.onnx"))
            store_weights_fp16(os.path.join(d, "model.onnx"))
            log(f"exported {name}: {os.path.getsize(os.path.join(d, 'model.onnx'))} bytes")
    if need("reference", os.path.join(ROOT, "tests", "fixtures", "reference", "tiny-chat.json")) or args.start:
        import reference
        for name, pt in (("tiny-base", base_pt), ("tiny-chat", chat_pt)):
            reference.write_reference(round_weights_fp16(load_checkpoint(pt)), tok,
                                      os.path.join(ROOT, "tests", "fixtures", "reference", f"{name}.json"), name)
        log("references written")
    log(f"build done in {time.time() - t_start:.0f}s")


if __name__ == "__main__":
    main()
