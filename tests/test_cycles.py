"""Finished window cycles: one row per cycle, 90 days within a size bound, and
the summaries every full view shows (long view, tooltip, json, prometheus)."""

from __future__ import annotations

import json
import time
import types
from datetime import UTC, datetime

import pytest
from support import cli

from llmeter_bar.errors import FetchError
from llmeter_bar.fetch import record_hooks, refresh
from llmeter_bar.insight.summary import line, summarise
from llmeter_bar.models import ProviderResult, Window
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.store import cycles
from llmeter_bar.store.cache import Store

H = 3600.0
DAY = 86400.0


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def result(used: float, reset: float, window: str = "five_hour", label: str = "5h",
           seconds: int = 18000) -> ProviderResult:
    return ProviderResult(id="claude", name="Claude", windows=[Window(window, label, used, at(reset), seconds)])


def simulate(entry: cycles.Cycles, start: float, days: float, length: float, peak: float) -> float:
    """Three readings per cycle (a third, two thirds, the end) over ``days``; returns the last reading time."""
    now, reset = start, start + length
    while reset <= start + days * DAY:
        for share in (1 / 3, 2 / 3, 0.99):
            now = reset - length + share * length
            cycles.observe(entry, result(peak * share, reset, seconds=int(length)), now)
        reset += length
    return now


def test_ninety_days_of_five_hour_cycles_are_kept_within_the_bound() -> None:
    entry = cycles.Cycles("claude")
    start = 1_800_000_000.0
    now = simulate(entry, start, 120, 5 * H, 100.0)
    w = entry.windows["five_hour"]
    ended = [r[0] for r in w.rows]
    assert min(ended) >= now - 90 * DAY and min(ended) < now - 89.5 * DAY  # 90 days, not fewer
    assert len(w.rows) == 432 and len(w.rows) <= cycles.CAP  # 90 days of 5 h
    assert w.totals == [0, 575]  # every cycle counted (under: 99 % is no hit), the pruned ones too (a counter never goes down)
    assert len(entry.to_json()) < 20_000
    assert w.rows[-1][1:] == [99.0, 99.0, 0]  # peak, end, not a hit (99 % rounds to 99)


def test_short_windows_are_capped_and_the_entry_stays_small() -> None:
    entry = cycles.Cycles("codex")
    now = simulate(entry, 1_800_000_000.0, 95, H, 100.0 / 0.99)  # hourly cycles that reach 100 %
    w = entry.windows["five_hour"]
    assert len(w.rows) == cycles.CAP and w.rows[-1][0] <= now
    assert w.totals[0] == 95 * 24 - 1 and all(r[3] == 1 for r in w.rows)
    assert len(entry.to_json()) < 25_000
    restored = cycles.Cycles.from_json("codex", entry.to_json())
    assert restored.windows["five_hour"].rows == w.rows and restored.windows["five_hour"].totals == w.totals


def test_a_broken_entry_is_only_lost_cycles() -> None:
    assert cycles.Cycles.from_json("x", "{not json").windows == {}
    assert cycles.Cycles.from_json("x", json.dumps({"windows": {"w": {"rows": [[1, 2]], "open": 5}}})).windows[
        "w"].rows == []


def test_summary_words() -> None:
    entry = cycles.Cycles("claude")
    now = 1_800_000_000.0
    five = entry.windows.setdefault("five_hour", cycles.WindowCycles("5h", 18000))
    five.rows = [[now - i * 5 * H, 100.0, 100.0 if i % 3 == 0 else 80.0, 1 if i % 3 == 0 else 0]
                 for i in range(1, 40)]
    week = entry.windows.setdefault("seven_day", cycles.WindowCycles("7d", 604800))
    week.rows = [[now - 21 * DAY, 84.0, 84.0, 0], [now - 14 * DAY, 91.0, 91.0, 0], [now - 7 * DAY, 77.0, 77.0, 0]]
    assert line(summarise(entry, now)) == "5h hit the limit 13 times in 30 days; 7d ended at 84%, 91%, 77%"
    five.rows = [[now - H, 60.0, 60.0, 0]]
    assert line(summarise(entry, now)[:1]) == "5h never hit the limit in 30 days (1 cycle)"


CLAUDE = ProviderSettings(id="claude")


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch, write_config) -> float:
    """Three finished 5h cycles recorded through the real recording path with a fake clock:
    one that hit 100 %, one that ended at 60 %, one refused with 429 at 97 %."""
    write_config('[general]\nproviders = ["claude"]\n[alerts]\nenabled = false\n')
    real = time.time()
    base = int(real - 13.5 * H)
    clock = types.SimpleNamespace(now=base)
    monkeypatch.setattr(record_hooks, "time", types.SimpleNamespace(time=lambda: clock.now))
    r1, r2, r3, r4 = base + 3 * H, base + 8 * H, base + 13 * H, real + 2.5 * H
    store = Store()
    try:
        for offset, used, reset in ((0, 50, r1), (2, 100, r1), (3.5, 20, r2), (7, 60, r2), (8.5, 97, r3)):
            clock.now = base + offset * H
            outcome = result(used, reset).with_(fetched_at=at(clock.now))
            refresh.record_outcome(store, CLAUDE, outcome, clock.now, 300)
        clock.now = base + 9 * H
        refresh.record_outcome(store, CLAUDE, FetchError("rate_limit", "HTTP 429"), clock.now, 300)
        clock.now = real
        refresh.record_outcome(store, CLAUDE, result(5, r4).with_(fetched_at=at(real)), real, 300)
    finally:
        store.close()
    return base


def test_history_cycles_lists_them_as_csv_and_json(recorded: float) -> None:
    def iso(epoch: float) -> str:
        return at(epoch).isoformat().replace("+00:00", "Z")

    out = cli.run("history", "--cycles", "--provider", "claude")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "ended_at,provider,account,window,label,peak_percent,end_percent,outcome",
        f"{iso(recorded + 3 * H)},claude,,five_hour,5h,100,100,hit",
        f"{iso(recorded + 8 * H)},claude,,five_hour,5h,60,60,under",
        f"{iso(recorded + 13 * H)},claude,,five_hour,5h,97,97,429",
    ]
    data = json.loads(cli.run("history", "--cycles", "--format", "json").stdout)
    assert [c["outcome"] for c in data["cycles"]] == ["hit", "under", "429"]
    assert data["cycles"][0] == {"ended_at": iso(recorded + 3 * H), "provider": "claude", "account": None,
                                 "window": "five_hour", "label": "5h", "peak_percent": 100.0,
                                 "end_percent": 100.0, "outcome": "hit"}
    assert cli.run("history", "--cycles", "--provider", "codex").stdout.count("\n") == 1  # the header only


def test_every_full_view_summarises_them(recorded: float) -> None:
    long_text = cli.run("--format", "plain", "--long", "--no-color").stdout
    assert "  cycles: 5h hit the limit twice in 30 days\n" in long_text
    tooltip = json.loads(cli.run("--format", "waybar").stdout)["tooltip"]
    assert "\r  cycles: 5h hit the limit twice in 30 days" in tooltip
    (claude,) = json.loads(cli.run("--format", "json").stdout)["providers"]
    assert claude["cycles"] == [{"window": "five_hour", "label": "5h", "days": 30, "finished": 3, "hits": 2,
                                 "recent_end_percent": [100.0, 60.0, 97.0]}]
    prom = cli.run("--format", "prometheus").stdout
    assert 'llmeter_window_cycles_total{provider="claude",account="default",window="five_hour",outcome="hit"} 2\n' in prom
    assert 'llmeter_window_cycles_total{provider="claude",account="default",window="five_hour",outcome="under"} 1\n' in prom
    assert "# TYPE llmeter_window_cycles_total counter\n" in prom
    tmux = cli.run("--format", "tmux").stdout
    assert "cycles" not in tmux and "hit the limit" not in tmux
