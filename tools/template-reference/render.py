#!/usr/bin/env python3
"""Renders a conversation with a model's chat_template exactly as Hugging Face transformers' apply_chat_template
does (jinja2 ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, its tojson filter,
raise_exception, strftime_now; special tokens passed as variables), without needing transformers itself.

Usage: render.py MODEL_DIR|TEMPLATE.jinja CONVERSATION.json > EXPECTED.txt
(with a .jinja file, bos_token and eos_token come from the conversation's "variables")
CONVERSATION.json: {"messages": [...], "tools": [...] (optional), "add_generation_prompt": bool (optional),
                    "variables": {...} (optional extra template variables, e.g. enable_thinking)}
Needs only jinja2 (pip install jinja2, or Debian's python3-jinja2).
"""
import json
import sys
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # transformers' own filter: unlike jinja2's, it does not escape HTML characters.
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.now().strftime(fmt)


def token(value):
    if isinstance(value, dict):
        return value.get("content")
    return value


def main():
    model_dir, conversation_path = sys.argv[1], sys.argv[2]
    if model_dir.endswith(".jinja"):
        with open(model_dir, encoding="utf-8") as f:
            config = {"chat_template": f.read()}
    else:
        with open(f"{model_dir}/tokenizer_config.json", encoding="utf-8") as f:
            config = json.load(f)
    template = config["chat_template"]
    if isinstance(template, list):
        template = next(t["template"] for t in template if t.get("name") == "default")
    with open(conversation_path, encoding="utf-8") as f:
        conversation = json.load(f)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    values = {k: token(config.get(k)) for k in ("bos_token", "eos_token", "unk_token", "pad_token")}
    # The conversation's variables fill in what the model's config does not say (a bare .jinja file says nothing).
    for name, value in conversation.get("variables", {}).items():
        if values.get(name) is None:
            values[name] = value
    text = env.from_string(template).render(
        messages=conversation["messages"],
        tools=conversation.get("tools"),
        documents=None,
        add_generation_prompt=conversation.get("add_generation_prompt", False),
        **values,
    )
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
