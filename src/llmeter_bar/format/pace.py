"""Pace: is usage running ahead of the clock, and when would it run out?

A window of length L that resets at R started at R - L. After elapsed time E the
"even" usage is E / L of the quota; pace is the used percent minus that share
(positive = ahead of an even burn). At the current average rate the quota
runs out at now + (100 - used) / (used / E); that is only news when it falls
before the reset. Early in a window both figures are noise (1 % used in the
first minute projects a run-out in 100 minutes), so they stay empty until
``min_elapsed`` percent of the window has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_ELAPSED = 5.0  # percent of the window


@dataclass(frozen=True, slots=True)
class Pace:
    delta: float  # used percent minus elapsed percent, in points
    elapsed: float  # percent of the window gone
    eta: datetime | None  # projected 100 %, only when before the reset


def compute(
    used: float,
    resets_at: datetime | None,
    window_seconds: float | None,
    now: datetime,
    min_elapsed: float = MIN_ELAPSED,
) -> Pace | None:
    """Pace of one window, or None when it cannot be told (yet)."""
    if resets_at is None or not window_seconds or window_seconds <= 0 or resets_at <= now:
        return None
    left = (resets_at - now).total_seconds()
    elapsed_s = window_seconds - left
    if elapsed_s <= 0:
        return None  # the provider's reset is further away than a window: no start known
    share = elapsed_s / window_seconds * 100.0
    if share < min_elapsed:
        return None
    eta = None
    if 0.0 < used < 100.0:
        seconds_to_full = (100.0 - used) * elapsed_s / used
        if seconds_to_full < left:
            eta = now + timedelta(seconds=seconds_to_full)
    return Pace(delta=used - share, elapsed=share, eta=eta)


def pace_text(delta: float) -> str:
    """``+12%`` ahead of an even burn, ``-5%`` behind, ``+0%`` on track."""
    points = int(abs(delta) + 0.5)
    return f"{'-' if delta < 0 and points else '+'}{points}%"
