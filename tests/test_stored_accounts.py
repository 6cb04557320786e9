"""Accounts saved by ``login --account`` become segments of their own."""

from __future__ import annotations

import json

from llmeter_bar.store import credstore
from support import cli


def test_stored_named_accounts_show_beside_the_default(fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 10})
    fake_server.reply("/usage/fake:work", {"used": 70})
    write_config(cli.fake_config(fake_server.url))
    credstore.put("fake", "work", {"api_key": "sk-fake-work-0000"})
    run = cli.run("--format", "json", "--wait")
    shown = {p["instance"]: p["windows"][0]["used_percent"] for p in json.loads(run.stdout)["providers"]}
    assert shown == {None: 10, "work": 70}
    assert "sk-fake" not in run.stdout


def test_providers_lists_stored_accounts(write_config):
    write_config(cli.fake_config("http://127.0.0.1:9"))
    credstore.put("openrouter", "work", {"api_key": "sk-or-v1-secret-value"})
    run = cli.run("providers")
    assert run.returncode == 0
    assert "openrouter:work" in run.stdout and "sk-or" not in run.stdout


def test_logout_of_an_account_shows_on_the_next_render_not_when_the_cached_line_expires(fake_server, write_config):
    fake_server.reply("/key", {"data": {"label": "k", "limit": 20, "usage": 5}})
    fake_server.reply("/credits", {"data": {"total_credits": 50, "total_usage": 5}})
    write_config(f'[general]\nproviders = ["openrouter"]\n\n[provider.openrouter]\nbase_url = "{fake_server.url}"\n')
    credstore.put("openrouter", None, {"api_key": "sk-or-v1-default-0000"})
    credstore.put("openrouter", "work", {"api_key": "sk-or-v1-work-0000"})
    assert cli.run("--format", "json", "--wait").returncode == 0
    before = cli.run("--format", "json").stdout
    assert [p["instance"] for p in json.loads(before)["providers"]] == [None, "work"]
    line = cli.run("--format", "plain").stdout  # now the cached line (json is never cached)
    assert "OpenRouter:work" in line and cli.run("--format", "plain").stdout == line
    assert cli.run("logout", "openrouter", "--account", "work").returncode == 0
    after = json.loads(cli.run("--format", "json").stdout)["providers"]
    assert [p["instance"] for p in after] == [None]
    assert "OpenRouter:work" not in cli.run("--format", "plain").stdout
