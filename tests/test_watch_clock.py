"""A watcher over a simulated hour: the loop runs in process with its clock and
its sleep replaced, so an hour takes a second and every wake-up is counted."""

from __future__ import annotations

import os
import sys
import time
from types import SimpleNamespace

import pytest

from llmeter_bar import render
from llmeter_bar.fetch import refresh
from llmeter_bar.cli import segment as show
from llmeter_bar.live import watch
from llmeter_bar.cli.show import ShowOptions
from support import cli

HOUR = 3600.0


def _simulated_hour(monkeypatch: pytest.MonkeyPatch) -> tuple[list[float], list[str]]:
    clock = {"t": 0.0}
    base = time.time()
    monkeypatch.setattr(watch, "time", SimpleNamespace(monotonic=lambda: clock["t"], time=lambda: base + clock["t"]))
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    monkeypatch.setattr(sys, "stdout", os.fdopen(write_end, "w"))
    renders: list[str] = []
    real_render = show.render_once

    def counted(*args, **kwargs):
        rendered, store = real_render(*args, **kwargs)
        renders.append(rendered.text)
        return rendered, store

    monkeypatch.setattr(show, "render_once", counted)
    watcher = watch.Watcher(ShowOptions(format="tmux", watch=True), render.load("tmux"))
    sleeps: list[float] = []

    def sleep(timeout: float) -> str:
        # Nothing ever happens: no signal, no click, no cache change.
        sleeps.append(timeout)
        clock["t"] += timeout
        return "stop" if clock["t"] >= HOUR else ""

    watcher.waker.wait = sleep  # type: ignore[method-assign]
    assert watcher.run() == 0
    os.close(read_end)
    return sleeps, renders


@pytest.mark.parametrize("setup", ["filled cache", "broken config", "server down"])
def test_an_hour_idle_is_a_render_a_minute_and_a_wake_up_every_two_seconds(
    setup, fake_server, write_config, monkeypatch
):
    if setup == "filled cache":
        fake_server.reply("/usage/fake", {"used": 40})
        write_config(cli.fake_config(fake_server.url, interval=7200))
        assert "fake: ok" in cli.run("refresh").stdout
    elif setup == "broken config":
        write_config("[general\n")
    else:
        write_config(cli.fake_config("http://127.0.0.1:9", interval=7200))
    sleeps, renders = _simulated_hour(monkeypatch)
    assert HOUR <= sum(sleeps) < HOUR + 5
    # Countdowns tick in minutes: about one render per minute, never a burst.
    # With the server down, the refresher (real time) never finishes within the
    # simulated hour: the watcher also looks again each time its lock would
    # expire (timeout 3 s + 15 s grace), as a refresher that died needs replacing.
    expiries = HOUR / (3 + refresh.LOCK_GRACE) if setup == "server down" else 0
    assert 55 <= len(renders) <= 66 + expiries, len(renders)
    # Between renders it only looks at the cache's write counter, every 2 s:
    # at most ~1800 + one per render wake-ups in an hour, none shorter than
    # needed to reach a minute boundary or the next check.
    assert len(sleeps) <= HOUR / watch.POLL + len(renders) + 5, len(sleeps)
    assert len([s for s in sleeps if s < 0.5]) <= len(renders) + 2
