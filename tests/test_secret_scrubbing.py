"""Known fake secrets for every provider never reach an output, a log or the cache,
even from an upstream that echoes the credentials it was sent."""

from __future__ import annotations

import json

from llmeter_bar import render
from support import allproviders, cli

SECRETS = allproviders.SECRETS


def test_no_secret_in_any_output_log_or_cache(isolated_home, tmp_path, fake_server, write_config):
    secrets = allproviders.plant(isolated_home)
    fake_server.echo_headers = True
    fake_server.reply("/api/oauth/usage", {"five_hour": {"utilization": 12.0, "resets_at": None}})
    providers = ["claude", "codex", "copilot", "anthropic-api", "openai-api", "openrouter", "azure-openai",
                 "zai", "kimi", "minimax", "grok", "ollama"]
    sections = "".join(f'[provider.{p}]\nbase_url = "{fake_server.url}"\n' for p in providers)
    write_config(f"[general]\nproviders = {json.dumps(providers)}\n" + sections)
    env = dict(SECRETS, AZURE_OPENAI_RESOURCE="res")
    outputs = [cli.run("refresh", **env), cli.run("--debug", "refresh", **env), cli.run("providers", **env)]
    for fmt in sorted(render.FORMATS):
        outputs.append(cli.run("--format", fmt, input="", **env))
        outputs.append(cli.run("--format", fmt, "--debug", "--wait", input="", **env))
    outputs.append(cli.run("--format", "plain", "--long", **env))
    assert sum(fake_server.hits.values()) >= len(providers)  # the providers really called
    assert any('"status": "error"' in o.stdout for o in outputs)
    assert any("12%" in o.stdout for o in outputs)
    texts = [o.stdout + o.stderr for o in outputs]
    files = [p for base in (tmp_path / "cache", tmp_path / "state", tmp_path / "config") if base.exists()
             for p in base.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in files), "nothing was logged: the check would prove nothing"
    texts += [p.read_bytes().decode("utf-8", "replace") for p in files]
    for secret in secrets:
        leaks = [t[max(0, t.find(secret) - 60): t.find(secret) + 60] for t in texts if secret in t]
        assert leaks == [], f"{secret[:8]}… leaked: {leaks[:2]}"
