"""Which accounts a bar shows (issue 13, items 10 and 11): a renewed Gemini token is
a cache of the same login, never a second segment named by the e-mail; an account
name that exists nowhere is !cfg listing the known ones, never a new instance that
refetches the default login with a 429 state of its own."""

from __future__ import annotations

import base64
import json
import time

import pytest

from support import allproviders, e2e, payloads, procs
from support.server import FakeServer

EMAIL = "alice.private@example.com"
CODEX = "/backend-api/wham/usage"
GOOD_CODEX = {"plan_type": "plus", "rate_limit": {
    "primary_window": {"used_percent": 41, "limit_window_seconds": 18000, "reset_after_seconds": 7200}}}


@pytest.fixture
def world(tmp_path, isolated_home, fake_server: FakeServer):
    allproviders.plant(isolated_home)
    env = e2e.isolated_env(tmp_path, home=isolated_home)
    yield env, tmp_path, isolated_home, fake_server
    procs.reap(list(procs.refreshers(tmp_path / "cache")))


def _write(root, text: str) -> None:
    path = root / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_renewed_gemini_token_is_the_same_instance(world):
    env, root, home, server = world
    claims = base64.urlsafe_b64encode(json.dumps({"email": EMAIL}).encode()).decode().rstrip("=")
    (home / ".gemini" / "oauth_creds.json").write_text(json.dumps({
        "access_token": allproviders.GEMINI_TOKEN, "refresh_token": allproviders.GEMINI_REFRESH,
        "expiry_date": int(time.time() - 3600) * 1000, "id_token": f"eyJhbGciOiJSUzI1NiJ9.{claims}.sig"}))
    server.reply("/token", {"access_token": "ya29.SCRUBME-renewed-0000", "expires_in": 3600})
    for path in ("/v1internal:loadCodeAssist", "/v1internal:retrieveUserQuota"):
        server.reply(path, payloads.good(path))
    _write(root, f'[general]\nproviders = ["gemini"]\ntimeout = 5\n[provider.gemini]\nbase_url = "{server.url}"\n'
                 f'token_url = "{server.url}/token"\nclient_secret = "test-secret"\n')
    first = e2e.run("--format", "json", "--wait", env=env).json()["providers"]
    assert [(p["id"], p["instance"], p["status"]) for p in first] == [("gemini", None, "ok")]
    assert server.hits["/token"] == 1
    # The next render, and a forced refresh, still show one Gemini, fetched once each time.
    for args in (("refresh",), ("--format", "json")):
        e2e.run(*args, env=env)
    shown = e2e.run("--format", "json", env=env).json()["providers"]
    assert [(p["id"], p["instance"]) for p in shown] == [("gemini", None)]
    text = e2e.host_text("plain", e2e.run("--format", "plain", env=env))
    assert EMAIL not in text and text.count("Gemini") == 1, text
    assert server.hits["/token"] == 1, "the renewed token was not reused"


def test_an_old_token_cache_named_by_the_email_is_no_account(world):
    env, root, home, server = world
    store = root / "config" / "credentials.json"
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps({"version": 1, "providers": {"gemini": {EMAIL: {
        "access_token": "ya29.SCRUBME-old-cache", "expires_at": int(time.time()) + 3000,
        "refresh_fingerprint": "abc"}}}}))
    store.chmod(0o600)
    _write(root, '[general]\nproviders = ["gemini"]\n')
    shown = e2e.run("--format", "json", env=env).json()["providers"]
    assert [(p["id"], p["instance"]) for p in shown] == [("gemini", None)]


def test_an_unknown_account_is_cfg_naming_the_known_ones(world):
    env, root, home, server = world
    server.reply(CODEX, GOOD_CODEX)
    _write(root, f'[general]\nproviders = ["codex"]\ntimeout = 5\n[provider.codex]\nbase_url = "{server.url}"\n'
                 '[provider.codex.accounts.work]\n[provider.codex.accounts.home]\n')
    for fmt in e2e.BAR_FORMATS:
        text = e2e.host_text(fmt, e2e.run("--format", fmt, "--provider", "codex:typo", env=env))
        assert "!cfg" in text, (fmt, text)
    shown = e2e.run("--format", "json", "--wait", "--provider", "codex:typo", env=env).json()["providers"]
    assert len(shown) == 1 and shown[0]["error"]["kind"] == "config"
    assert "unknown account 'typo'" in shown[0]["error"]["message"]
    assert "home, work" in shown[0]["error"]["message"]
    assert server.hits[CODEX] == 0, "an unknown account fetched the default login"
    run = e2e.run("refresh", "codex:typo", env=env)
    assert "unknown account 'typo'" in run.stdout + run.stderr and server.hits[CODEX] == 0
    # Accounts that exist are fine: configured ones and the default.
    ok = e2e.run("--format", "json", "--wait", "--provider", "codex:work", env=env).json()["providers"]
    assert ok[0]["status"] == "ok" and ok[0]["instance"] == "work"


def test_two_configs_on_one_cache_dir_never_show_each_others_lines(world):
    """One cache dir belongs to one config (README, "How llmeter-bar fails"): records are
    keyed by provider and account. What two configs on one dir must never do is print
    each other's rendered line from the output cache."""
    env, root, home, server = world
    server.reply(CODEX, GOOD_CODEX)
    server.reply("/api/oauth/usage", payloads.good("/api/oauth/usage"))
    first, second = root / "a.toml", root / "b.toml"
    first.write_text(f'[general]\nproviders = ["codex"]\n[provider.codex]\nbase_url = "{server.url}"\n')
    second.write_text(f'[general]\nproviders = ["claude"]\n[provider.claude]\nbase_url = "{server.url}"\n')
    for config in (first, second):
        e2e.run("--format", "json", "--wait", env=dict(env, LLMETER_BAR_CONFIG=str(config)))
    for _ in range(2):
        assert e2e.run("--format", "plain", env=dict(env, LLMETER_BAR_CONFIG=str(first))).stdout.startswith("Codex")
        assert e2e.run("--format", "plain", env=dict(env, LLMETER_BAR_CONFIG=str(second))).stdout.startswith("Claude")
