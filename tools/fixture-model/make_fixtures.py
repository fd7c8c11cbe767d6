"""Tiny random-weight model directories for the C# loader tests (tests/fixtures/models/<name>/).

Run: /usr/bin/python3 tools/fixture-model/make_fixtures.py
Each directory is self-contained (config.json, tokenizer files, ONNX, reference.json). Weights are random
(fixed seeds); reference.json holds token ids and per-token entropy / surprisal / rank from PyTorch.
The tiktoken fixture reads models/tiny-chat/tokenizer.json, so rerun this after the tokenizer changes.
"""
import base64
import json
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import onnx  # noqa: E402
from onnx import helper, TensorProto  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(2)

import corpus  # noqa: E402
from bpe import Tokenizer, train_bpe, SPLIT_PATTERN, SPECIAL_TOKENS, render_chat  # noqa: E402
from export import export_with_past, export_no_past, write_configs, WithPast  # noqa: E402
from model import Config, LlamaLM  # noqa: E402
import reference  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(ROOT, "tests", "fixtures", "models")
TMP = os.path.join(HERE, "out", "fixtures-tmp")

TRS = [
    {"name": "short", "messages": [{"role": "system", "content": "You are a helpful assistant."},
                                   {"role": "user", "content": "What is 2 + 3?"},
                                   {"role": "assistant", "content": "2 + 3 = 5."}]},
    {"name": "tool", "messages": [{"role": "user", "content": "Look up Zürich."},
                                  {"role": "assistant", "content": "lookup(Zürich)"},
                                  {"role": "tool", "content": "a city"},
                                  {"role": "assistant", "content": "It is a city."}]},
]
STRINGS = ["Hello world", "What is 12 + 345?", "<|im_start|>user\nHi<|im_end|>\n", "Zürich café 東京"]


def tiny_config(vocab, hidden=32):
    return Config(vocab_size=vocab, hidden_size=hidden, intermediate_size=3 * hidden // 2, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512)


def random_model(cfg, seed):
    torch.manual_seed(seed)
    m = LlamaLM(cfg)
    # larger random weights than the training init so the distributions are not flat
    with torch.no_grad():
        for p in m.parameters():
            if p.dim() > 1:
                p.normal_(0, 0.3)
    m.eval()
    return m


def fresh(name):
    d = os.path.join(FIX, name)
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    return d


def small_tokenizer():
    tasks = corpus.Tasks(1234)
    rng = random.Random(5)
    texts = []
    for _ in range(1500):
        t = render_chat(tasks.transcript(rng))
        for s in SPECIAL_TOKENS:
            t = t.replace(s, "\n")
        texts.append(t)
    vocab, merges = train_bpe(texts, 300, log=lambda *_: None)
    return Tokenizer(vocab, merges)


def write_ref(d, m, tok, n_logit_rows=2, **kw):
    reference.write_reference(m, tok, os.path.join(d, "reference.json"), os.path.basename(d), n_logit_rows=n_logit_rows,
                              trs=kw.pop("trs", TRS), tokenizer_strings=kw.pop("strings", STRINGS), **kw)


def size_of(d):
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))


# ---------------------------------------------------------------- merged (If node) decoder
class NoPastWithPresents(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, position_ids):
        logits, presents = self.m(input_ids, attention_mask, position_ids, None)
        out = [logits]
        for k, v in presents:
            out += [k, v]
        return tuple(out)


def _prefix_graph(g, prefix, keep):
    """Rename every internal value of g (node outputs, non-kept initializers) with prefix; names in keep are outer."""
    ren = {}
    for init in g.initializer:
        if init.name not in keep:
            ren[init.name] = prefix + init.name
    for n in g.node:
        for o in n.output:
            if o and o not in keep:
                ren[o] = prefix + o
        n.name = prefix + (n.name or n.op_type)
    for init in g.initializer:
        init.name = ren.get(init.name, init.name)
    for n in g.node:
        n.input[:] = [ren.get(i, i) for i in n.input]
        n.output[:] = [ren.get(o, o) for o in n.output]
    for vi in list(g.output) + list(g.value_info):
        vi.name = ren.get(vi.name, vi.name)
    return ren


def make_merged(m, path):
    c = m.c
    wp_path, np_path = os.path.join(TMP, "wp.onnx"), os.path.join(TMP, "np.onnx")
    export_with_past(m, wp_path)
    ids = torch.randint(3, c.vocab_size, (1, 5))
    am = torch.ones(1, 5, dtype=torch.long)
    pos = torch.arange(5).unsqueeze(0)
    names_out = ["logits"] + [f"present.{i}.{kv}" for i in range(c.num_hidden_layers) for kv in ("key", "value")]
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"}, "logits": {0: "batch_size", 1: "sequence_length"}}
    for n in names_out[1:]:
        dyn[n] = {0: "batch_size", 2: "sequence_length"}
    with torch.no_grad():
        torch.onnx.export(NoPastWithPresents(m), (ids, am, pos), np_path,
                          input_names=["input_ids", "attention_mask", "position_ids"], output_names=names_out,
                          dynamic_axes=dyn, opset_version=17, do_constant_folding=False)
    A, B = onnx.load(wp_path), onnx.load(np_path)
    # initializers identical in both exports (the weights) move to the outer graph and are shared
    binit = {i.name: i for i in B.graph.initializer}
    shared = [i for i in A.graph.initializer if i.name in binit and binit[i.name].raw_data == i.raw_data
              and i.raw_data]
    shared_names = {i.name for i in shared}
    outer_inputs = [i.name for i in A.graph.input]
    keep = set(outer_inputs) | shared_names
    for G, prefix in ((A.graph, "with_past/"), (B.graph, "no_past/")):
        _prefix_graph(G, prefix, keep)
    then_g = helper.make_graph(list(A.graph.node), "with_past_branch", [],
                               [helper.make_tensor_value_info(o.name, o.type.tensor_type.elem_type, None) for o in A.graph.output],
                               initializer=[i for i in A.graph.initializer if i.name not in shared_names])
    else_g = helper.make_graph(list(B.graph.node), "no_past_branch", [],
                               [helper.make_tensor_value_info(o.name, o.type.tensor_type.elem_type, None) for o in B.graph.output],
                               initializer=[i for i in B.graph.initializer if i.name not in shared_names])
    out_names = [o.name.split("/", 1)[1] for o in A.graph.output]
    if_node = helper.make_node("If", ["use_cache_branch"], out_names, name="optimum::if",
                               then_branch=then_g, else_branch=else_g)
    inputs = list(A.graph.input) + [helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1])]
    outputs = []
    for o in A.graph.output:
        vi = onnx.ValueInfoProto()
        vi.CopyFrom(o)
        vi.name = o.name.split("/", 1)[1]
        outputs.append(vi)
    g = helper.make_graph([if_node], "merged_decoder", inputs, outputs, initializer=shared)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="enaction-fixture-model")
    model.ir_version = A.ir_version
    onnx.checker.check_model(model)
    onnx.save(model, path)


# ---------------------------------------------------------------- sentencepiece
SP_TEMPLATE = ("{{ bos_token }}{% for message in messages %}"
               "{% if message['role'] == 'system' %}{{ '[SYS] ' + message['content'] + ' [/SYS]' }}"
               "{% elif message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
               "{% elif message['role'] == 'tool' %}{{ '[TOOL] ' + message['content'] + ' [/TOOL]' }}"
               "{% else %}{{ ' ' + message['content'] + eos_token }}{% endif %}{% endfor %}")


def make_sentencepiece(d):
    import sentencepiece as spm
    import jinja2
    tasks = corpus.Tasks(1234)
    rng = random.Random(9)
    txt = os.path.join(TMP, "sp.txt")
    with open(txt, "w", encoding="utf-8") as f:
        for _ in range(3000):
            for msg in tasks.transcript(rng):
                f.write(msg["content"].replace("\n", " ") + "\n")
        f.write("[INST] [/INST] [SYS] [/SYS] [TOOL] [/TOOL] Zürich café\n")
    spm.SentencePieceTrainer.train(input=txt, model_prefix=os.path.join(d, "tokenizer"), vocab_size=400,
                                   model_type="bpe", byte_fallback=True, character_coverage=0.9995,
                                   bos_id=1, eos_id=2, unk_id=0, pad_id=-1, num_threads=1, minloglevel=2,
                                   input_sentence_size=0, shuffle_input_sentence=False, normalization_rule_name="identity", seed_sentencepiece_size=1000000)
    os.remove(os.path.join(d, "tokenizer.vocab"))
    sp = spm.SentencePieceProcessor(model_file=os.path.join(d, "tokenizer.model"))
    V = sp.get_piece_size()
    m = random_model(tiny_config(V), 41)
    export_with_past(m, os.path.join(d, "model.onnx"))
    write_configs(m.c, d, eos_token_id=2, bos_token_id=1)
    tcfg = {"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
            "pad_token": None, "add_bos_token": True, "add_eos_token": False, "legacy": True,
            "model_max_length": 512, "clean_up_tokenization_spaces": False,
            "added_tokens_decoder": {"0": {"content": "<unk>", "special": True}, "1": {"content": "<s>", "special": True},
                                     "2": {"content": "</s>", "special": True}},
            "chat_template": SP_TEMPLATE}
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump(tcfg, f, indent=1)
    with open(os.path.join(d, "special_tokens_map.json"), "w") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}, f, indent=1)
    tmpl = jinja2.Environment().from_string(SP_TEMPLATE)

    def render(msgs):
        return tmpl.render(messages=msgs, bos_token="<s>", eos_token="</s>")

    def encode(text):
        # "<s>" / "</s>" in the rendered text are control tokens; every other segment is encoded by
        # sentencepiece separately (it adds its dummy-prefix space to each segment, as HF's legacy Llama does)
        ids = []
        import re
        for part in re.split(r"(<s>|</s>)", text):
            if part == "<s>":
                ids.append(1)
            elif part == "</s>":
                ids.append(2)
            elif part:
                ids += sp.encode(part)
        return ids

    strings = ["Hello world", "What is 12 + 345?", "Zürich café 東京", "[INST] Hi [/INST]"]
    reference.write_reference(m, None, os.path.join(d, "reference.json"), "sentencepiece", n_logit_rows=2, trs=TRS,
                              render=render, encode=encode, tokenizer_strings=strings, extra={
        "tokenizer_note": "tokenizer_checks ids are sentencepiece.encode(text) (no BOS, dummy prefix on). Transcript "
                          "token_ids: the chat template is rendered with bos_token '<s>' and eos_token '</s>', the text "
                          "is split on the literal strings '<s>'/'</s>' (ids 1/2) and each other segment is "
                          "sentencepiece-encoded on its own (each gets the dummy-prefix space).",
        "chat_template_note": "Mistral-like: <s>[SYS] system [/SYS][INST] user [/INST] assistant</s>[TOOL] tool [/TOOL]"})


# ---------------------------------------------------------------- main
def main():
    os.makedirs(TMP, exist_ok=True)
    os.makedirs(FIX, exist_ok=True)
    tok = small_tokenizer()
    V = tok.vocab_size
    report = {}

    # optimum-nopast
    d = fresh("optimum-nopast")
    m = random_model(tiny_config(V), 1)
    tok.save(d)
    write_configs(m.c, d, extra={"use_cache": False})
    export_no_past(m, os.path.join(d, "model.onnx"))
    write_ref(d, m, tok)

    # merged
    d = fresh("merged")
    m = random_model(tiny_config(V), 2)
    tok.save(d)
    write_configs(m.c, d)
    make_merged(m, os.path.join(d, "decoder_model_merged.onnx"))
    write_ref(d, m, tok, extra={"merged_note": "use_cache_branch=true: the with-past graph (past [B,kv,P,hd], "
                                "attention_mask [B,P+S]). use_cache_branch=false: the no-past graph; the past_key_values.* "
                                "inputs are required but ignored: feed [B,kv,0,hd] (or Optimum's dummy [B,kv,1,hd]); "
                                "attention_mask is then [B,S]; present.* are [B,kv,S,hd]."})

    # fp16-kv
    d = fresh("fp16-kv")
    m = random_model(tiny_config(V), 3)
    tok.save(d)
    write_configs(m.c, d, extra={"kv_cache_dtype": "float16"})
    export_with_past(m, os.path.join(d, "model.onnx"), kv_dtype=torch.float16)
    write_ref(d, m, tok, extra={"fp16_note": "past/present are float16 (cast inside the graph); logits float32. The "
                                "full pass with an empty past matches PyTorch to ~1e-5; incremental steps read the "
                                "past rounded to float16, so expect logit differences up to ~1e-2 there."})

    # genai
    d = fresh("genai")
    m = random_model(tiny_config(V), 4)
    tok.save(d)
    write_configs(m.c, d)
    export_with_past(m, os.path.join(d, "model.onnx"), names={"past_key": "past_key_%d", "past_value": "past_value_%d",
                                                              "present_key": "present_key_%d", "present_value": "present_value_%d"})
    c = m.c
    genai = {"model": {
        "bos_token_id": None, "eos_token_id": 2, "pad_token_id": 0, "type": "llama", "vocab_size": c.vocab_size,
        "context_length": c.max_position_embeddings,
        "decoder": {"filename": "model.onnx", "session_options": {"provider_options": []},
                    "head_size": c.head_dim, "hidden_size": c.hidden_size, "num_attention_heads": c.num_attention_heads,
                    "num_hidden_layers": c.num_hidden_layers, "num_key_value_heads": c.num_key_value_heads,
                    "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "position_ids": "position_ids",
                               "past_key_names": "past_key_%d", "past_value_names": "past_value_%d"},
                    "outputs": {"logits": "logits", "present_key_names": "present_key_%d",
                                "present_value_names": "present_value_%d"}}},
        "search": {"do_sample": False, "max_length": c.max_position_embeddings, "num_beams": 1, "temperature": 1.0,
                   "top_k": 1, "top_p": 1.0}}
    with open(os.path.join(d, "genai_config.json"), "w") as f:
        json.dump(genai, f, indent=1)
    write_ref(d, m, tok)

    # sentencepiece
    d = fresh("sentencepiece")
    make_sentencepiece(d)

    # tiktoken (tiny-chat vocabulary, 2048 ids; hidden 8 keeps it small)
    d = fresh("tiktoken")
    big = Tokenizer.load(os.path.join(ROOT, "models", "tiny-chat"))
    big.save_tiktoken(os.path.join(d, "tokenizer.tiktoken"))
    m = random_model(tiny_config(big.vocab_size, hidden=8), 6)
    write_configs(m.c, d)
    export_with_past(m, os.path.join(d, "model.onnx"))
    tcfg = {"tokenizer_class": "TiktokenTokenizer", "tiktoken_file": "tokenizer.tiktoken",
            "pattern": SPLIT_PATTERN, "bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
            "added_tokens_decoder": {str(big.special[s]): {"content": s, "special": True} for s in SPECIAL_TOKENS},
            "special_tokens": {s: big.special[s] for s in SPECIAL_TOKENS},
            "chat_template": json.load(open(os.path.join(ROOT, "models", "tiny-chat", "tokenizer_config.json")))["chat_template"]}
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump(tcfg, f, indent=1)
    strings = STRINGS + ["don't we'll they've", "Tell me about the harbor in 1999."]
    agree, total = tiktoken_agreement(big)
    write_ref(d, m, big, strings=strings, n_logit_rows=1, extra={
        "tiktoken_note": f"ranks are the tokenizer.json ids (special ids 0-2 are not in the rank file). Rank-merge "
                         f"(tiktoken) and merge-list (HF BPE) encodings agreed on {agree}/{total} corpus pieces."})

    # vocab-mismatch: ONNX logits 64 wider than the tokenizer vocabulary
    d = fresh("vocab-mismatch")
    m = random_model(tiny_config(V + 64), 7)
    tok.save(d)
    write_configs(m.c, d)
    export_with_past(m, os.path.join(d, "model.onnx"))
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write(f"Error-path fixture: model.onnx (and config.json) have vocab_size {V + 64}, the tokenizer has {V} "
                "entries. A loader must refuse this directory.\n")

    # not-a-decoder
    d = fresh("not-a-decoder")
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [None, 3])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [None, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])
    g = helper.make_graph([helper.make_node("Add", ["a", "b"], ["y"])], "add", [a, b], [y])
    mo = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    mo.ir_version = 8
    onnx.checker.check_model(mo)
    onnx.save(mo, os.path.join(d, "model.onnx"))
    tok.save(d)
    write_configs(tiny_config(V), d)
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write("Error-path fixture: a valid ONNX file (y = a + b) that is not a decoder. A loader must refuse it.\n")

    for name in sorted(os.listdir(FIX)):
        report[name] = size_of(os.path.join(FIX, name))
    print(json.dumps(report, indent=1))


def tiktoken_agreement(tok, n=3000):
    """Compare HF-style merge-list BPE with tiktoken-style rank merging on corpus pieces."""
    ranks = {tok.token_bytes(i): i for i in tok.inv if tok.inv[i] not in tok.special}
    tasks = corpus.Tasks(1234)
    rng = random.Random(3)
    from bpe import pretokenize
    agree = total = 0
    for _ in range(n // 10):
        for p in pretokenize(render_chat(tasks.transcript(rng)).replace("<|im_start|>", "").replace("<|im_end|>", "")):
            total += 1
            if tok.encode(p) == tiktoken_encode(ranks, p.encode("utf-8")):
                agree += 1
    return agree, total


def tiktoken_encode(ranks, bs):
    parts = [bytes([b]) for b in bs]
    while len(parts) > 1:
        best = None
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and (best is None or r < best[0]):
                best = (r, i)
        if best is None:
            break
        i = best[1]
        parts = parts[:i] + [parts[i] + parts[i + 1]] + parts[i + 2:]
    return [ranks[p] for p in parts]


if __name__ == "__main__":
    main()
