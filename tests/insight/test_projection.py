"""Projected use at the reset, on synthetic histories of one 5-hour cycle."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from llmeter_bar.insight.projection import project

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc)
FIVE_H = 5 * 3600
RESET = NOW + timedelta(hours=2)  # 3 h of the window gone, 2 h left
START = RESET - timedelta(seconds=FIVE_H)


def points(values: list[float], every: float = 600.0) -> list[tuple[float, float]]:
    """One sample every ``every`` seconds from the window's start."""
    return [(START.timestamp() + i * every, v) for i, v in enumerate(values)]


def test_steady_burn_projects_like_the_elapsed_time() -> None:
    steady = points([i * 10 / 6 for i in range(18)])  # 10 % an hour, sampled every 10 min
    p = project(30.0, RESET, FIVE_H, NOW, steady)
    assert p is not None and p.method == "history" and not p.full
    assert p.percent == pytest.approx(50.0) and p.unused == pytest.approx(50.0)
    assert p.at == RESET
    alone = project(30.0, RESET, FIVE_H, NOW)
    assert alone is not None and alone.method == "elapsed" and alone.percent == pytest.approx(50.0)


def test_early_burst_then_idle_projects_lower_than_the_elapsed_time() -> None:
    bursty = points([0, 20, 40, 60] + [60] * 14)  # 60 % in the first 30 min, nothing since
    p = project(60.0, RESET, FIVE_H, NOW, bursty)
    # average 20 %/h, recent 0 %/h: blended 10 %/h over the 2 h left
    assert p is not None and p.percent == pytest.approx(80.0) and not p.full
    elapsed = project(60.0, RESET, FIVE_H, NOW)
    assert elapsed is not None and elapsed.full  # the elapsed time alone says it runs out


def test_burst_going_on_runs_out_earlier_than_the_average_says() -> None:
    late = points([0] * 13 + [5, 10, 15, 20, 25])  # idle 2 h, then 30 %/h
    p = project(30.0, RESET, FIVE_H, NOW, late)
    # average 10 %/h, recent 30 %/h (25 % -> 30 % ... over the last 50 min): blended 20 %/h
    assert p is not None and p.method == "history"
    assert p.percent == pytest.approx(70.0)
    assert project(30.0, RESET, FIVE_H, NOW).percent == pytest.approx(50.0)  # type: ignore[union-attr]


def test_fast_burn_says_when_it_hits_100() -> None:
    fast = points([i * 4 for i in range(18)])  # 24 %/h
    p = project(72.0, RESET, FIVE_H, NOW, fast)
    assert p is not None and p.full and p.percent == 100.0 and p.unused == 0.0
    assert p.at == NOW + timedelta(hours=28 / 24)  # 28 % left at 24 %/h


def test_idle_window_ends_unused() -> None:
    p = project(0.0, RESET, FIVE_H, NOW, points([0.0] * 18))
    assert p is not None and p.percent == 0.0 and p.unused == 100.0 and p.at == RESET


def test_just_reset_projects_nothing() -> None:
    fresh = RESET + timedelta(seconds=FIVE_H - 600)  # 10 min into a new window: 3 %
    assert project(3.0, fresh, FIVE_H, NOW) is None
    assert project(3.0, fresh, FIVE_H, NOW, [(NOW.timestamp() - 300, 1.0)]) is None


def test_short_history_falls_back_to_the_average() -> None:
    recent_only = [(NOW.timestamp() - 600, 28.0)]  # 10 min of history: less than half the 50-min span
    p = project(30.0, RESET, FIVE_H, NOW, recent_only)
    assert p is not None and p.method == "elapsed" and p.percent == pytest.approx(50.0)


def test_full_window_and_unknown_reset() -> None:
    done = project(100.0, RESET, FIVE_H, NOW, points([50, 100]))
    assert done is not None and done.full and done.at == NOW
    assert project(30.0, None, FIVE_H, NOW) is None
    assert project(30.0, RESET, None, NOW) is None
    assert project(30.0, NOW - timedelta(seconds=1), FIVE_H, NOW) is None
