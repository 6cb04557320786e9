"""Zero setup: the tools' own credential files in HOME are found with no provider
list in the config, and their figures reach every format. The config only points
the endpoints at a local server (tests never touch the real internet)."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from llmeter_bar import render
from support import cli

IN_2H = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()


def _jwt(exp: float) -> str:
    body = base64.urlsafe_b64encode(json.dumps({"exp": int(exp)}).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{body}.c2ln"


def plant(home: Path) -> None:
    claude = home / ".claude" / ".credentials.json"
    codex = home / ".codex" / "auth.json"
    claude.parent.mkdir(parents=True)
    codex.parent.mkdir(parents=True)
    claude.write_text(json.dumps({"claudeAiOauth": {
        "accessToken": "sk-ant-oat01-zero-setup", "refreshToken": "sk-ant-ort01-single-use",
        "expiresAt": int((time.time() + 3600) * 1000), "subscriptionType": "max"}}))
    codex.write_text(json.dumps({"tokens": {
        "access_token": _jwt(time.time() + 3600), "refresh_token": "rt", "account_id": "acct-1"}}))


@pytest.fixture
def tools(isolated_home, fake_server, write_config):
    plant(isolated_home)
    fake_server.reply("/api/oauth/usage", {
        "five_hour": {"utilization": 42.0, "resets_at": IN_2H},
        "seven_day": {"utilization": 18.0, "resets_at": IN_2H}})
    fake_server.reply("/backend-api/wham/usage", {"plan_type": "plus", "rate_limit": {
        "primary_window": {"used_percent": 73, "limit_window_seconds": 18000, "reset_after_seconds": 3600},
        "secondary_window": {"used_percent": 20, "limit_window_seconds": 604800, "reset_after_seconds": 86400}}})
    write_config(f'[provider.claude]\nbase_url = "{fake_server.url}"\n'
                 f'[provider.codex]\nbase_url = "{fake_server.url}"\n')
    return fake_server


def test_detected_providers_fetch_and_show(tools):
    listing = cli.run("providers").stdout
    assert "* claude" in listing and "* codex" in listing
    document = json.loads(cli.run("--format", "json", "--wait").stdout)
    shown = {p["id"]: p for p in document["providers"]}
    assert shown["claude"]["status"] == "ok" and shown["claude"]["plan"] == "max"
    assert max(w["used_percent"] for w in shown["claude"]["windows"]) == 42
    assert shown["codex"]["status"] == "ok"
    assert max(w["used_percent"] for w in shown["codex"]["windows"]) == 73
    claude_request = next(h for p, h in tools.requests if p == "/api/oauth/usage?cedar_ember=1")
    assert claude_request["Authorization"] == "Bearer sk-ant-oat01-zero-setup"
    codex_request = next(h for p, h in tools.requests if p == "/backend-api/wham/usage")
    assert codex_request["ChatGPT-Account-Id"] == "acct-1"


@pytest.mark.parametrize("fmt", sorted(set(render.FORMATS) - {"json"}))
def test_figures_reach_every_format(tools, fmt):
    cli.run("refresh")
    run = cli.run("--format", fmt, input="")
    assert run.returncode == 0 and run.stderr == ""
    # prometheus prints bare numbers, one sample per line
    claude, codex = ("} 42\n", "} 73\n") if fmt == "prometheus" else ("42%", "73%")
    assert claude in run.stdout and codex in run.stdout
