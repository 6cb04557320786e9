"""Claude across machines: the account key from Claude Code's ~/.claude.json, and
figures handed in by Claude Code's status line (an ingest) published for the others."""

from __future__ import annotations

import json
import time

from share.conftest import EMAIL, SHARE_KEY, TOKEN, Machine
from support import broker as mq
from support import cli, e2e


def claude_machine(tmp_path, name, broker, url, uuid="claude-account-uuid-1"):
    root = tmp_path / name
    home = root / "home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude.json").write_text(json.dumps({"oauthAccount": {"accountUuid": uuid, "emailAddress": EMAIL},
                                                   "projects": {}}))
    expires = int((time.time() + 86400) * 1000)
    (home / ".claude" / ".credentials.json").write_text(json.dumps(
        {"claudeAiOauth": {"accessToken": TOKEN, "expiresAt": expires, "subscriptionType": "max"}}))
    (root / "config").mkdir(parents=True)
    (root / "config" / "config.toml").write_text(
        f'[general]\nproviders = ["claude"]\nrefresh_debounce = 0\n[provider.claude]\nbase_url = "{url}"\n'
        f'[share]\nbroker = "{broker.url}"\nmachine = "{name}"\nkey = "{SHARE_KEY}"\n')
    return Machine(name, root, e2e.isolated_env(root, home))


def statusline(five: float) -> str:
    now = int(time.time())
    return json.dumps({"session_id": "abc", "model": {"display_name": "Opus"},
                       "rate_limits": {"five_hour": {"used_percentage": five, "resets_at": now + 3600},
                                       "seven_day": {"used_percentage": 15, "resets_at": now + 5 * 86400}}})


def test_status_line_figures_are_published_and_taken_by_another_machine(tmp_path, broker, fake_server):
    laptop = claude_machine(tmp_path, "laptop", broker, fake_server.url)
    desktop = claude_machine(tmp_path, "desktop", broker, fake_server.url)
    line = e2e.run("--format", "claude-code", env=laptop.env, stdin=statusline(42))
    assert line.returncode == 0 and line.stderr == "" and "42%" in line.stdout
    published = cli.wait_until(lambda: records_of(broker), timeout=10)  # a detached publisher sends it
    (topic, message), = published.items()
    assert message["machine"] == "laptop" and message["windows"][0]["used_percent"] == 42
    assert EMAIL not in json.dumps(message) and "claude-account-uuid" not in topic
    out = desktop.run("refresh")
    assert "ok (shared by laptop)" in out.stdout, out
    assert fake_server.hits == {}  # the desktop never asked Anthropic
    assert desktop.json()["windows"][0]["used_percent"] == 42


def test_two_claude_accounts_never_share(tmp_path, broker, fake_server):
    fake_server.reply("/api/oauth/usage", {"five_hour": {"utilization": 7, "resets_at": None}})
    laptop = claude_machine(tmp_path, "laptop", broker, fake_server.url, uuid="account-A")
    other = claude_machine(tmp_path, "other", broker, fake_server.url, uuid="account-B")
    e2e.run("--format", "claude-code", env=laptop.env, stdin=statusline(42))
    cli.wait_until(lambda: records_of(broker), timeout=10)
    out = other.run("refresh")
    assert "shared" not in out.stdout and sum(fake_server.hits.values()) == 1, (out, fake_server.hits)
    assert len(records_of(broker)) == 2


def records_of(broker) -> dict:
    return {t: json.loads(p) for t, p in mq.retained(broker).items() if t.endswith("/claude")}

