""""Quota is back": once per cycle, at the reset or on a refill, sent by the recording process."""

from __future__ import annotations

import json
import sys
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest

from llmeter_bar.errors import FetchError
from llmeter_bar.fetch import record_hooks, refresh
from llmeter_bar.format import time as ftime
from llmeter_bar.models import ProviderResult, Window
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.store.cache import Store

RECORDER = """\
import json, sys
with open(sys.argv[1], "a") as out:
    out.write(json.dumps(json.load(sys.stdin), sort_keys=True) + "\\n")
"""
CLAUDE = ProviderSettings(id="claude")
T0 = 1_900_000_000.0  # the fake clock's start
H = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(record_hooks, "time", types.SimpleNamespace(time=fake.time))
    monkeypatch.setattr(record_hooks, "_render_process", False)
    return fake


@pytest.fixture
def alerts_file(tmp_path: Path, write_config) -> Path:
    script = tmp_path / "record_alert.py"
    script.write_text(RECORDER)
    out = tmp_path / "alerts.jsonl"
    write_config(f'[alerts]\ncommand = ["{sys.executable}", "{script}", "{out}"]\n')
    return out


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def hhmm(epoch: float, now: float) -> str:
    return ftime.clock(at(epoch), at(now))


def reading(clock: Clock, used: float, reset: float) -> None:
    result = ProviderResult(id="claude", name="Claude", fetched_at=at(clock.now),
                            windows=[Window("five_hour", "5h", used, at(reset), 18000)])
    store = Store()
    try:
        refresh.record_outcome(store, CLAUDE, result, clock.now, 300)
    finally:
        store.close()


def refused(clock: Clock) -> None:
    store = Store()
    try:
        refresh.record_outcome(store, CLAUDE, FetchError("rate_limit", "HTTP 429", retry_after=600), clock.now, 300)
    finally:
        store.close()


def backs(path: Path) -> list[dict]:
    lines = path.read_text().splitlines() if path.exists() else []
    return [e for e in map(json.loads, lines) if e["kind"] == "back"]


def test_back_at_the_reset_once_per_cycle(clock: Clock, alerts_file: Path) -> None:
    r1 = T0 + 2 * H
    reading(clock, 96, r1)
    clock.now += 600
    reading(clock, 100, r1 + 2)  # the same cycle, reset reported two seconds apart
    assert backs(alerts_file) == []
    r2 = r1 + 5 * H
    clock.now = r1 + 300
    reading(clock, 3, r2)
    clock.now += 600
    reading(clock, 4, r2)  # still usable: nothing more
    message = f"3% used, next reset {hhmm(r2, r1 + 300)}"
    assert backs(alerts_file) == [{
        "version": 1, "kind": "back", "provider": "claude", "account": None, "name": "Claude",
        "window": "five_hour", "label": "5h", "level": 95.0, "used_percent": 3.0,
        "resets_at": at(r2).isoformat().replace("+00:00", "Z"), "summary": "Claude 5h is back",
        "message": message, "urgency": "normal"}]


def test_a_refill_below_the_level_is_back_once_in_that_cycle(clock: Clock, alerts_file: Path) -> None:
    reset = T0 + 4 * H
    for used in (97, 80, 98, 60):  # down, refilled, down again, refilled again: one alert
        reading(clock, used, reset)
        clock.now += 600
    assert [(e["summary"], e["used_percent"]) for e in backs(alerts_file)] == [("Claude 5h is back", 80.0)]
    next_cycle = reset + 5 * H
    clock.now = reset + 60
    reading(clock, 99, next_cycle)  # a new cycle re-arms it
    clock.now += 600
    reading(clock, 50, next_cycle)
    assert [e["used_percent"] for e in backs(alerts_file)] == [80.0, 50.0]


def test_reset_passed_without_new_figures(clock: Clock, alerts_file: Path) -> None:
    reset = T0 + H
    reading(clock, 100, reset)
    clock.now = reset - 60
    refused(clock)  # before the reset: still out
    assert backs(alerts_file) == []
    clock.now = reset + 120
    refused(clock)  # the usage endpoint refuses right after the reset
    refused(clock)
    events = backs(alerts_file)
    assert [(e["message"], e["used_percent"]) for e in events] == [
        (f"reset at {hhmm(reset, reset + 120)}, new figures not in yet, next reset "
         f"{hhmm(reset + 5 * H, reset + 120)}", None)]
    clock.now += 600
    reading(clock, 2, reset + 5 * H)  # the figures arrive: already said
    assert len(backs(alerts_file)) == 1


def test_below_the_level_never_alerts_and_back_can_be_turned_off(clock: Clock, tmp_path: Path,
                                                                  write_config) -> None:
    out = tmp_path / "alerts.jsonl"
    script = tmp_path / "record_alert.py"
    script.write_text(RECORDER)
    write_config(f'[alerts]\nback = false\ncommand = ["{sys.executable}", "{script}", "{out}"]\n')
    reset = T0 + H
    reading(clock, 99, reset)
    clock.now = reset + 60
    reading(clock, 1, reset + 5 * H)
    assert backs(out) == [] and out.exists()  # the 95 % threshold alert was sent, no back
    write_config(f'[alerts]\nback_level = 50\ncommand = ["{sys.executable}", "{script}", "{out}"]\n')
    reading(clock, 40, reset + 5 * H)
    assert backs(out) == []


def test_back_config_is_checked(write_config) -> None:
    from llmeter_bar.alerts.rules import settings
    from llmeter_bar.config import load
    from llmeter_bar.errors import ConfigError

    write_config('[alerts]\nback = "yes"\n')
    with pytest.raises(ConfigError, match="alerts.back must be a bool"):
        settings(load())
    write_config("[alerts]\nback_level = 0\n")
    with pytest.raises(ConfigError, match="alerts.back_level must be greater than 0, got 0"):
        settings(load())
    write_config("[alerts]\nback_level = 120\n")
    with pytest.raises(ConfigError, match="alerts.back_level must be a number from 1 to 100, got 120"):
        settings(load())
