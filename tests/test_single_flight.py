"""Refresh semantics across real processes, against a counting 127.0.0.1 server."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from llmeter_bar.store.cache import Store
from support import cli

ACCOUNTS = """
[provider.fake.accounts.a]
[provider.fake.accounts.b]
"""


def _store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache")


def _both_recorded(tmp_path: Path) -> bool:
    store = _store(tmp_path)
    try:
        return all((store.read(k) or {}).get("attempt_at") and not store.locked(k) for k in ("fake:a", "fake:b"))
    finally:
        store.close()


def test_concurrent_renders_on_an_empty_cache_fetch_once_per_provider(tmp_path, fake_server, write_config):
    fake_server.reply("/usage/fake:a", {"used": 12})
    fake_server.reply("/usage/fake:b", {"used": 34})
    write_config(cli.fake_config(fake_server.url) + ACCOUNTS)
    with ThreadPoolExecutor(max_workers=24) as pool:
        runs = list(pool.map(lambda _: cli.run("--format", "json"), range(24)))
    for run in runs:
        assert run.returncode == 0 and run.stderr == ""
        statuses = [p["status"] for p in json.loads(run.stdout)["providers"]]
        assert len(statuses) == 2 and set(statuses) <= {"loading", "ok"}
    cli.wait_until(lambda: _both_recorded(tmp_path))
    # Later renders find fresh figures and cause no further request.
    for _ in range(5):
        shown = json.loads(cli.run("--format", "json").stdout)["providers"]
    assert [p["windows"][0]["used_percent"] for p in shown] == [12, 34]
    assert fake_server.hits == {"/usage/fake:a": 1, "/usage/fake:b": 1}


def test_expired_cache_prints_old_figures_at_once_then_refreshes_once(tmp_path, fake_server, write_config):
    fake_server.reply("/usage/fake:a", {"used": 10})
    fake_server.reply("/usage/fake:b", {"used": 20})
    write_config(cli.fake_config(fake_server.url) + ACCOUNTS)
    assert cli.run("refresh").returncode == 0
    assert fake_server.hits == {"/usage/fake:a": 1, "/usage/fake:b": 1}
    fake_server.reply("/usage/fake:a", {"used": 11})
    fake_server.reply("/usage/fake:b", {"used": 21})
    store = _store(tmp_path)  # the interval passes: move the due time into the past
    for key in ("fake:a", "fake:b"):
        store.update(key, next_at=0)
    store.close()
    with ThreadPoolExecutor(max_workers=20) as pool:
        runs = list(pool.map(lambda _: cli.run("--format", "json"), range(20)))
    for run in runs:
        used = [p["windows"][0]["used_percent"] for p in json.loads(run.stdout)["providers"]]
        assert used in ([10, 20], [11, 20], [10, 21], [11, 21])
    cli.wait_until(lambda: fake_server.hits["/usage/fake:a"] == 2 and fake_server.hits["/usage/fake:b"] == 2)
    cli.wait_until(lambda: _both_recorded(tmp_path))
    shown = json.loads(cli.run("--format", "json").stdout)["providers"]
    assert [p["windows"][0]["used_percent"] for p in shown] == [11, 21]
    assert fake_server.hits == {"/usage/fake:a": 2, "/usage/fake:b": 2}


def test_a_failing_provider_leaves_the_other_intact(tmp_path, fake_server, write_config):
    fake_server.reply("/usage/fake:a", {"used": 12})
    write_config(cli.fake_config(fake_server.url) + ACCOUNTS + "crash = true\n")
    report = cli.run("refresh")
    assert report.returncode == 1  # one requested provider failed
    assert "fake:a: ok" in report.stdout and "fake:b: parse" in report.stdout
    shown = json.loads(cli.run("--format", "json").stdout)["providers"]
    assert shown[0]["status"] == "ok" and shown[0]["windows"][0]["used_percent"] == 12
    assert shown[1]["status"] == "error" and shown[1]["error"]["kind"] == "parse"


def test_429_with_retry_after_is_honoured_by_every_later_process(tmp_path, fake_server, write_config):
    fake_server.reply("/usage/fake", {"error": "slow down"}, status=429, headers={"Retry-After": "120"})
    write_config(cli.fake_config(fake_server.url, interval=1))
    first = cli.run("refresh")
    assert "fake: rate_limit" in first.stdout
    second = cli.run("refresh")  # another process, on demand: still must not call
    assert "rate limited for 1" in second.stdout  # 119 or 120 s left
    for _ in range(3):
        shown = json.loads(cli.run("--format", "json").stdout)["providers"][0]
    assert shown["error"]["kind"] == "rate_limit" and shown["error"]["retry_at"]
    assert fake_server.hits["/usage/fake"] == 1


def test_429_without_retry_after_backs_off_five_minutes(tmp_path, fake_server, write_config):
    fake_server.reply("/usage/fake", {"error": "slow down"}, status=429, headers={"Retry-After": "0"})
    write_config(cli.fake_config(fake_server.url, interval=1))
    cli.run("refresh")
    store = _store(tmp_path)
    record = store.read("fake")
    store.close()
    assert record["not_before"] - record["attempt_at"] == 300
    assert "rate limited for 29" in cli.run("refresh").stdout
    assert fake_server.hits["/usage/fake"] == 1


def test_wait_fetches_in_the_foreground(fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 66, "plan": "max"})
    write_config(cli.fake_config(fake_server.url))
    run = cli.run("--format", "json", "--wait")
    provider = json.loads(run.stdout)["providers"][0]
    assert provider["status"] == "ok" and provider["windows"][0]["used_percent"] == 66
    assert provider["plan"] == "max"
    assert fake_server.hits["/usage/fake"] == 1
    assert fake_server.requests[0][1]["User-Agent"].startswith("llmeter-bar/")
