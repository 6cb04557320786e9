"""A render served from a fresh cache stays off aiohttp, click and provider modules."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from support import cli

FORBIDDEN = ("aiohttp", "click", "llmeter_bar.providers.http", "llmeter_bar.refresh_worker", "asyncio", "subprocess")


PROBE = """
import sys
from llmeter_bar.entry import main
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
