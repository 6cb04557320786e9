"""No provider ever writes Claude Code's, Codex's, the Kimi CLI's or the Grok CLI's credential files.

Their refresh tokens are single-use: a status bar that refreshes or rewrites
them logs the user out of their coding tool. Every registered provider is run
(credentials lookup and fetch) against expired and valid tokens, with 200 and
401 answers, and both files must keep their exact bytes and mtime, with no
sibling file (backup, temp, lock) appearing next to them.
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from llmeter_bar.providers import REGISTRY, load
from llmeter_bar.providers.base import ProviderSettings

OLD_MTIME = 1_600_000_000  # far in the past: any rewrite moves it



def jwt(exp: float) -> str:
    body = base64.urlsafe_b64encode(json.dumps({"exp": int(exp)}).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{body}.c2ln"


def plant(home: Path, expires_in: float) -> list[Path]:
    claude = home / ".claude" / ".credentials.json"
    codex = home / ".codex" / "auth.json"
    claude.parent.mkdir(parents=True, exist_ok=True)
    codex.parent.mkdir(parents=True, exist_ok=True)
    claude.write_text(json.dumps({"claudeAiOauth": {
        "accessToken": "sk-ant-oat01-access", "refreshToken": "sk-ant-ort01-single-use",
        "expiresAt": int((time.time() + expires_in) * 1000), "subscriptionType": "pro"}}))
    codex.write_text(json.dumps({"OPENAI_API_KEY": None, "last_refresh": "2026-01-01T00:00:00Z", "tokens": {
        "access_token": jwt(time.time() + expires_in), "refresh_token": "rt-single-use",
        "id_token": "x", "account_id": "acct"}}))
    # The Kimi and Grok CLIs' logins, and Claude Code's settings pointed at z.ai.
    kimi = home / ".kimi-code" / "credentials" / "kimi-code.json"
    grok = home / ".grok" / "auth.json"
    settings = home / ".claude" / "settings.json"
    kimi.parent.mkdir(parents=True, exist_ok=True)
    grok.parent.mkdir(parents=True, exist_ok=True)
    kimi.write_text(json.dumps({"access_token": "kimi-access", "refresh_token": "kimi-single-use",
                                "expires_at": time.time() + expires_in}))
    grok.write_text(json.dumps({"https://auth.x.ai::client": {
        "key": "grok-access", "refresh_token": "grok-single-use",
        "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + expires_in))}}))
    settings.write_text(json.dumps({"env": {"ANTHROPIC_BASE_URL": "https://api.z.ai/api/anthropic",
                                            "ANTHROPIC_AUTH_TOKEN": "zai-in-claude"}}))
    for path in (claude, codex, kimi, grok, settings):
        os.utime(path, (OLD_MTIME, OLD_MTIME))
    return [claude, codex, kimi, grok, settings]


def snapshot(paths: list[Path]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for path in paths:
        state[str(path)] = (path.read_bytes(), path.stat().st_mtime_ns)
        state[str(path.parent)] = sorted(p.name for p in path.parent.iterdir())
    return state


def providers() -> list[str]:
    ids = []
    for provider_id in REGISTRY:
        try:
            load(provider_id)
        except ImportError:
            continue  # registered by a sibling change not merged yet
        ids.append(provider_id)
    assert {"claude", "codex"} <= set(ids)
    return ids


@pytest.mark.parametrize("expires_in", [-7200, 3600], ids=["expired", "valid"])
@pytest.mark.parametrize("status", [200, 401])
async def test_no_provider_writes_borrowed_credentials(isolated_home: Path, expires_in: float,
                                                       status: int) -> None:
    paths = plant(isolated_home, expires_in)
    before = snapshot(paths)
    body = {"five_hour": {"utilization": 1}, "plan_type": "plus"}
    with aioresponses() as mocked:
        mocked.get("https://api.anthropic.com/api/oauth/usage?cedar_ember=1", status=status, payload=body, repeat=True)
        mocked.get("https://chatgpt.com/backend-api/wham/usage", status=status, payload=body, repeat=True)
        mocked.get("https://api.kimi.com/coding/v1/usages", status=status, payload=body, repeat=True)
        mocked.get("https://api.z.ai/api/monitor/usage/quota/limit", status=status, payload=body, repeat=True)
        mocked.get("https://cli-chat-proxy.grok.com/v1/billing?format=credits", status=status, payload=body,
                   repeat=True)
        mocked.get("https://cli-chat-proxy.grok.com/v1/settings", status=status, payload=body, repeat=True)
        async with aiohttp.ClientSession() as session:
            for provider_id in providers():
                provider = load(provider_id)
                settings = ProviderSettings(provider_id, timeout=2)
                provider.credentials(settings)
                for _ in range(2):
                    try:
                        await provider.fetch(session, settings)
                    except Exception:  # errors are expected here; writes are not
                        pass
    assert snapshot(paths) == before
