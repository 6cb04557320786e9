"""``--format json`` follows docs/json-schema.json in every state a provider can be in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import cli
from support.schema import validate

SCHEMA = json.loads((Path(__file__).parent.parent / "docs" / "json-schema.json").read_text())


def _document(*args: str, **env: str) -> dict:
    run = cli.run("--format", "json", *args, **env)
    assert run.returncode == 0 and run.stderr == ""
    assert run.stdout.count("\n") == 1
    document = json.loads(run.stdout)
    validate(document, SCHEMA)
    return document


def test_demo_document_validates():
    document = _document("--demo")
    assert {p["kind"] for p in document["providers"]} == {"subscription", "api"}
    assert document["demo"] is True


def test_ok_stale_error_loading_and_unconfigured_validate(fake_server, write_config, tmp_path):
    fake_server.reply("/usage/fake:ok", {"used": 250})  # out of range: clamped, never nonsense
    fake_server.reply("/usage/fake:stale", {"used": 10})
    write_config(cli.fake_config(fake_server.url) + """
[provider.fake.accounts.ok]
[provider.fake.accounts.stale]
[provider.fake.accounts.broken]
crash = true
[provider.fake.accounts.nocreds]
no_credentials = true
""")
    cli.run("refresh")
    fake_server.reply("/usage/fake:stale", "<html>502</html>", status=502)
    from llmeter_bar.store.cache import Store

    store = Store(tmp_path / "cache")
    store.update("fake:stale", next_at=0)
    store.close()
    cli.run("refresh", "fake:stale")
    by_key = {p["instance"]: p for p in _document()["providers"]}
    assert by_key["ok"]["status"] == "ok" and by_key["ok"]["windows"][0]["used_percent"] == 100
    assert by_key["stale"]["status"] == "stale" and by_key["stale"]["windows"][0]["used_percent"] == 10
    assert by_key["stale"]["error"]["kind"] == "unavailable" and "502" in by_key["stale"]["error"]["message"]
    assert by_key["broken"]["status"] == "error"
    assert by_key["nocreds"]["status"] == "unconfigured"


def test_loading_validates(fake_server, write_config):
    write_config(cli.fake_config(fake_server.url))
    assert _document()["providers"][0]["status"] == "loading"


@pytest.mark.parametrize("flag", [[], ["--show-account"]])
def test_account_is_private_unless_asked(flag, write_config, tmp_path):
    from datetime import datetime, timezone

    from llmeter_bar.store.cache import Store
    from llmeter_bar.models import ProviderResult

    write_config(cli.fake_config("http://127.0.0.1:9"))
    store = Store(tmp_path / "cache")
    result = ProviderResult(id="fake", name="Fake", account="me@example.com", fetched_at=datetime.now(timezone.utc))
    store.write("fake", {"result": result.to_dict(), "next_at": 4e9, "attempt_at": 1})
    store.close()
    shown = _document(*flag)["providers"][0]["account"]
    assert shown == ("me@example.com" if flag else None)
