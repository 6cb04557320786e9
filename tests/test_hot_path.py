"""A render served from a fresh cache stays off aiohttp, click and provider modules."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from support import cli

FORBIDDEN = ("aiohttp", "aiomqtt", "paho", "click", "llmeter_bar.providers.http", "llmeter_bar.refresh_worker", "asyncio",
             "subprocess", "textual", "rich", "llmeter_bar.dashboard")


PROBE = """
import sys
from llmeter_bar.cli.entry import main
main(sys.argv[1:])
sys.stderr.write("\\n".join(sorted(sys.modules)))
"""


def _imported(*args: str) -> set[str]:
    run = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=cli.env())
    assert run.returncode == 0
    return set(run.stderr.split("\n"))


def test_fresh_cache_render_imports_nothing_heavy(fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 9})
    write_config(cli.fake_config(fake_server.url))
    assert "fake: ok" in cli.run("refresh").stdout
    modules = _imported("--format", "json")
    assert "llmeter_bar.render.json" in modules  # the probe works
    heavy = sorted(m for m in modules if m.split(".")[0] in FORBIDDEN or m in FORBIDDEN)
    assert heavy == []
    assert not any(m.startswith("support.") for m in modules), "the provider module was imported"
    assert fake_server.hits["/usage/fake"] == 1


def test_fresh_cache_render_does_no_network_and_starts_no_process(fake_server, write_config, tmp_path):
    fake_server.reply("/usage/fake", {"used": 9})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    for _ in range(10):
        assert json.loads(cli.run("--format", "json").stdout)["providers"][0]["status"] == "ok"
    time.sleep(0.3)
    assert fake_server.hits["/usage/fake"] == 1


# What a render served from the output cache may import beyond the interpreter's
# own start-up: the entry point, the cache reader (with their docstring-only packages)
# and sqlite3 (with what it needs).
HIT_ALLOWED = {"llmeter_bar", "llmeter_bar.cli", "llmeter_bar.cli.entry", "llmeter_bar.store",
               "llmeter_bar.store.fastpath", "llmeter_bar.paths", "__future__",
               "sqlite3", "sqlite3.dbapi2", "_sqlite3", "datetime", "_datetime", "math", "time",
               # collections.abc, for sqlite3, and what the collections package needs
               "collections", "collections.abc", "_collections", "functools", "_functools", "itertools",
               "keyword", "operator", "_operator", "reprlib", "types"}


def test_a_cache_hit_reads_sqlite_directly_without_diskcache_platformdirs_or_typing(fake_server, isolated_home,
                                                                                    monkeypatch):
    fake_server.reply("/usage/fake", {"used": 9})
    # The usual desktop: no llmeter-bar overrides, absolute XDG dirs.
    for name in ("LLMETER_BAR_CONFIG", "LLMETER_BAR_CONFIG_DIR", "LLMETER_BAR_CACHE_DIR"):
        monkeypatch.delenv(name)
    config = isolated_home / ".config" / "llmeter-bar" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(cli.fake_config(fake_server.url))
    assert "fake: ok" in cli.run("refresh").stdout
    assert (isolated_home / ".cache" / "llmeter-bar" / "cache.db").is_file()
    first = cli.run("--format", "tmux").stdout
    baseline = set(subprocess.run([sys.executable, "-c", "import sys; print('\\n'.join(sys.modules))"],
                                  capture_output=True, text=True, env=cli.env()).stdout.split("\n"))
    probe = subprocess.run([sys.executable, "-c", PROBE, "--format", "tmux"], capture_output=True, text=True,
                           env=cli.env())
    assert probe.stdout == first and "9%" in first
    extra = set(probe.stderr.split("\n")) - baseline
    assert extra <= HIT_ALLOWED, " ".join(sorted(extra - HIT_ALLOWED))
    assert "llmeter_bar.store.fastpath" in extra  # the probe went through the cached line


def test_sharing_configured_keeps_mqtt_off_every_render(fake_server, write_config):
    """With [share] set, a render (fresh or due) still imports neither aiomqtt nor paho:
    only the detached refresher, watchers and commands talk to the broker."""
    from support.broker import free_port

    fake_server.reply("/usage/fake", {"used": 9})
    share = f'[share]\nbroker = "mqtt://127.0.0.1:{free_port()}"\nkey = "k-123456789"\n'
    write_config(cli.fake_config(fake_server.url, interval=1, extra=share))
    assert "fake: ok" in cli.run("refresh").stdout  # the broker is down: fetched locally
    for args in (("--format", "json"), ("--format", "tmux")):
        modules = _imported(*args)
        assert not [m for m in modules if m.split(".")[0] in ("aiomqtt", "paho", "asyncio")], args
        assert not [m for m in modules if m.startswith("llmeter_bar.share")], args
    time.sleep(1.2)  # due now: this render starts the refresher, which alone meets the broker
    modules = _imported("--format", "json")
    assert not [m for m in modules if m.split(".")[0] in ("aiomqtt", "paho") or m.startswith("llmeter_bar.share")]
    cli.wait_until(lambda: fake_server.hits["/usage/fake"] >= 2, timeout=15)  # and fetches, broker or not
