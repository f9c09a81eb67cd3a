#!/usr/bin/env python3
"""Renders conversations with the chat_template of a tokenizer_config.json using
Python jinja2 configured like transformers (sandboxed, trim_blocks,
lstrip_blocks) and compares with `r1 tokenize --chat --emit-text` output.
usage: tokenizer-chat-crosscheck.py TOKENIZER_DIR MESSAGES.jsonl R1_OUT.jsonl
"""
import json
import sys

from jinja2.sandbox import ImmutableSandboxedEnvironment


def token(cfg, key):
    v = cfg.get(key)
    return v.get("content") if isinstance(v, dict) else v


def main():
    tok_dir, msgs_path, r1_path = sys.argv[1:4]
    cfg = json.load(open(f"{tok_dir}/tokenizer_config.json", encoding="utf-8"))
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    tmpl = env.from_string(cfg["chat_template"])
    convs = [json.loads(l) for l in open(msgs_path, encoding="utf-8") if l.strip()]
    outs = [json.loads(l) for l in open(r1_path, encoding="utf-8") if l.strip()]
    assert len(convs) == len(outs), "line counts differ"
    bad = 0
    for i, (c, o) in enumerate(zip(convs, outs)):
        want = tmpl.render(messages=c["messages"], add_generation_prompt=c.get("add_generation_prompt", True),
                           bos_token=token(cfg, "bos_token") or "", eos_token=token(cfg, "eos_token") or "")
        if want != o["text"]:
            bad += 1
            print(f"line {i + 1}: differs\n  jinja2: {want!r}\n  r1:     {o['text']!r}")
    print(f"{tok_dir}: {len(convs)} conversations, {bad} differences (jinja2 vs r1)")
    sys.exit(1 if bad else 0)


main()
