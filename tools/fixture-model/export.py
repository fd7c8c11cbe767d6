"""Export a LlamaLM to ONNX in the Hugging Face Optimum decoder-with-past layout, plus config files."""
import json
import os

import torch

from model import Config, LlamaLM


class WithPast(torch.nn.Module):
    def __init__(self, m, kv_dtype=None):
        super().__init__()
        self.m = m
        self.kv_dtype = kv_dtype

    def forward(self, input_ids, attention_mask, position_ids, *flat_past):
        n = self.m.c.num_hidden_layers
        past = []
        for i in range(n):
            k, v = flat_past[2 * i], flat_past[2 * i + 1]
            if self.kv_dtype is not None:
                k, v = k.to(torch.float32), v.to(torch.float32)
            past.append((k, v))
        logits, presents = self.m(input_ids, attention_mask, position_ids, past)
        out = [logits]
        for k, v in presents:
            if self.kv_dtype is not None:
                k, v = k.to(self.kv_dtype), v.to(self.kv_dtype)
            out += [k, v]
        return tuple(out)


class NoPast(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, position_ids):
        logits, _ = self.m(input_ids, attention_mask, position_ids, None)
        return logits


def io_names(n_layers, past_key="past_key_values.%d.key", past_value="past_key_values.%d.value",
             present_key="present.%d.key", present_value="present.%d.value"):
    ins = ["input_ids", "attention_mask", "position_ids"]
    outs = ["logits"]
    for i in range(n_layers):
        ins += [past_key % i, past_value % i]
        outs += [present_key % i, present_value % i]
    return ins, outs


def export_with_past(m: LlamaLM, path, kv_dtype=None, names=None, opset=17):
    m.eval()
    c = m.c
    names = names or {}
    ins, outs = io_names(c.num_hidden_layers, **names)
    B, P, S = 1, 3, 4
    kvdt = kv_dtype or torch.float32
    ids = torch.randint(3, c.vocab_size, (B, S))
    am = torch.ones(B, P + S, dtype=torch.long)
    pos = torch.arange(P, P + S).unsqueeze(0)
    past = []
    for _ in range(c.num_hidden_layers):
        past += [torch.randn(B, c.num_key_value_heads, P, c.head_dim).to(kvdt),
                 torch.randn(B, c.num_key_value_heads, P, c.head_dim).to(kvdt)]
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"},
           "logits": {0: "batch_size", 1: "sequence_length"}}
    for nme in ins[3:]:
        dyn[nme] = {0: "batch_size", 2: "past_sequence_length"}
    for nme in outs[1:]:
        dyn[nme] = {0: "batch_size", 2: "past_sequence_length + sequence_length"}
    with torch.no_grad():
        torch.onnx.export(WithPast(m, kv_dtype), (ids, am, pos, *past), path, input_names=ins, output_names=outs,
                          dynamic_axes=dyn, opset_version=opset, do_constant_folding=False)


def export_no_past(m: LlamaLM, path, opset=17):
    m.eval()
    c = m.c
    ids = torch.randint(3, c.vocab_size, (1, 5))
    am = torch.ones(1, 5, dtype=torch.long)
    pos = torch.arange(5).unsqueeze(0)
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"},
           "logits": {0: "batch_size", 1: "sequence_length"}}
    with torch.no_grad():
        torch.onnx.export(NoPast(m), (ids, am, pos), path, input_names=["input_ids", "attention_mask", "position_ids"],
                          output_names=["logits"], dynamic_axes=dyn, opset_version=opset, do_constant_folding=False)


def write_configs(c: Config, d, eos_token_id=2, bos_token_id=None, temperature=1.0, top_p=1.0, extra=None):
    os.makedirs(d, exist_ok=True)
    cfg = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": c.vocab_size,
        "hidden_size": c.hidden_size,
        "intermediate_size": c.intermediate_size,
        "num_hidden_layers": c.num_hidden_layers,
        "num_attention_heads": c.num_attention_heads,
        "num_key_value_heads": c.num_key_value_heads,
        "head_dim": c.head_dim,
        "max_position_embeddings": c.max_position_embeddings,
        "rms_norm_eps": c.rms_norm_eps,
        "rope_theta": c.rope_theta,
        "hidden_act": "silu",
        "attention_bias": False,
        "tie_word_embeddings": c.tie_word_embeddings,
        "bos_token_id": bos_token_id,
        "eos_token_id": eos_token_id,
        "pad_token_id": 0,
        "torch_dtype": "float32",
        "use_cache": True,
    }
    if extra:
        cfg.update(extra)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    gen = {"eos_token_id": eos_token_id, "bos_token_id": bos_token_id, "pad_token_id": 0, "do_sample": True,
           "temperature": temperature, "top_p": top_p}
    with open(os.path.join(d, "generation_config.json"), "w") as f:
        json.dump(gen, f, indent=1)


def write_genai_config(c: Config, d, eos_token_id=2, temperature=1.0, top_p=1.0):
    """genai_config.json, so OnnxRuntimeGenAI loads the folder (the Optimum names export_with_past writes). No
    bos_token_id: the models have none and GenAI rejects a null. The search defaults mirror generation_config.json."""
    genai = {"model": {
        "eos_token_id": eos_token_id, "pad_token_id": 0, "type": "llama", "vocab_size": c.vocab_size,
        "context_length": c.max_position_embeddings,
        "decoder": {"filename": "model.onnx", "session_options": {"provider_options": []},
                    "head_size": c.head_dim, "hidden_size": c.hidden_size, "num_attention_heads": c.num_attention_heads,
                    "num_hidden_layers": c.num_hidden_layers, "num_key_value_heads": c.num_key_value_heads,
                    "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "position_ids": "position_ids",
                               "past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value"},
                    "outputs": {"logits": "logits", "present_key_names": "present.%d.key",
                                "present_value_names": "present.%d.value"}}},
        "search": {"do_sample": True, "max_length": c.max_position_embeddings, "num_beams": 1,
                   "temperature": temperature, "top_k": 0, "top_p": top_p}}
    with open(os.path.join(d, "genai_config.json"), "w") as f:
        json.dump(genai, f, indent=1)


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    c = Config(**ck["config"])
    m = LlamaLM(c)
    m.load_state_dict(ck["model"])
    m.eval()
    return m


def save_checkpoint(m: LlamaLM, path, **extra):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save({"config": m.c.to_dict(), "model": m.state_dict(), **extra}, path)


def round_weights_fp16(m: torch.nn.Module):
    """Round every parameter to the nearest float16 (kept as float32), so the PyTorch references and the ONNX file
    whose weights are stored in float16 (`store_weights_fp16`) compute the same function."""
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.half().float())
    return m


def store_weights_fp16(path, min_elements=1024):
    """Store the float32 weight initializers of an exported model as float16, each followed by a Cast back to float32:
    the file is half the size, the inputs, outputs and arithmetic stay float32 (ONNX Runtime folds the Casts when it
    loads the session). Apply to a model whose weights were rounded with `round_weights_fp16`, so nothing changes."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, TensorProto

    model = onnx.load(path)
    g = model.graph
    kept, casts = [], []
    for init in g.initializer:
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < min_elements:
            kept.append(init)
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "_fp16")
        kept.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT, name=init.name + "_cast"))
    del g.initializer[:]
    g.initializer.extend(kept)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, path)
