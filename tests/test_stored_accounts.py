"""Accounts saved by ``login --account`` become segments of their own."""

from __future__ import annotations

import json

from llmeter_bar import credstore
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
