from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from llmeter_bar.format.pace import compute, pace_text

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc)
FIVE_H = 5 * 3600


def at(hours_left: float) -> datetime:
    return NOW + timedelta(hours=hours_left)


def test_half_way_on_track() -> None:
    p = compute(50.0, at(2.5), FIVE_H, NOW)
    assert p is not None and p.delta == pytest.approx(0.0) and p.elapsed == pytest.approx(50.0)
    assert p.eta is None  # exactly at the reset: not before it


def test_ahead_with_eta_before_reset() -> None:
    p = compute(80.0, at(2.5), FIVE_H, NOW)  # 80 % in 2.5 h: 100 % after 37.5 more minutes
    assert p is not None and pace_text(p.delta) == "+30%"
    assert p.eta == NOW + timedelta(minutes=37, seconds=30)


def test_behind_has_no_eta() -> None:
    p = compute(20.0, at(2.5), FIVE_H, NOW)
    assert p is not None and pace_text(p.delta) == "-30%" and p.eta is None


@pytest.mark.parametrize(
    ("used", "resets", "window"),
    [
        (10.0, at(4.9), FIVE_H),  # 2 % of the window gone: too early to tell
        (10.0, at(-0.1), FIVE_H),  # past the reset
        (10.0, at(0), FIVE_H),  # at the reset
        (10.0, None, FIVE_H),
        (10.0, at(2), None),
        (10.0, at(2), 0),
        (10.0, at(6), FIVE_H),  # reset further than a window: no known start
    ],
)
def test_suppressed(used: float, resets: datetime | None, window: int | None) -> None:
    assert compute(used, resets, window, NOW) is None


def test_boundary_of_min_elapsed() -> None:
    assert compute(10.0, NOW + timedelta(seconds=FIVE_H * 0.95), FIVE_H, NOW) is not None
    assert compute(10.0, NOW + timedelta(seconds=FIVE_H * 0.95 + 1), FIVE_H, NOW) is None
    assert compute(10.0, at(4.9), FIVE_H, NOW, min_elapsed=0) is not None


def test_full_and_empty_have_no_eta() -> None:
    assert compute(100.0, at(1), FIVE_H, NOW).eta is None  # type: ignore[union-attr]
    assert compute(0.0, at(1), FIVE_H, NOW).eta is None  # type: ignore[union-attr]


@pytest.mark.parametrize(("delta", "text"), [(12.4, "+12%"), (-5.0, "-5%"), (0.2, "+0%"), (-0.2, "+0%"), (-0.6, "-1%")])
def test_pace_text(delta: float, text: str) -> None:
    assert pace_text(delta) == text
