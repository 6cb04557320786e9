"""Projected use at the reset, from the window's history in the current cycle.

A window of length L resetting at R began at R - L. With ``used`` percent gone
after E seconds, two rates are known:

* the cycle's average, ``used / E`` (what the elapsed time alone tells);
* the recent rate, the rise over the last sixth of the window (at least 30
  minutes) read from the recorded points of this cycle.

The projection runs the blend of both (their mean) over the time left:
``used + rate * (R - now)``. A steady burn projects like the average; a window
left idle for a while projects lower, a burst going on projects higher, and one
burst long ago no longer reads as a burn that goes on. Without enough history
(less than half the recent span recorded) the average alone is used. When the
projection reaches 100 % before the reset, it says when. Nothing is projected in
the first ``min_elapsed`` percent of a window (a few minutes say nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_ELAPSED = 5.0  # percent of the window
RECENT_SHARE = 1 / 6
RECENT_MIN = 1800.0


@dataclass(frozen=True, slots=True)
class Projection:
    percent: float  # used percent at the reset, at most 100
    at: datetime  # when 100 % is reached (full), else the reset
    full: bool
    method: str  # "history" (average and recent rate) or "elapsed" (average only)

    @property
    def unused(self) -> float:
        return max(0.0, 100.0 - self.percent)


def recent_rate(points: list[tuple[float, float]], used: float, now: float, span: float) -> float | None:
    """Percent per second over the last ``span`` seconds, or None without enough history."""
    earlier = [(t, v) for t, v in points if t <= now - 1.0]
    if not earlier:
        return None
    before = [(t, v) for t, v in earlier if t <= now - span]
    t0, v0 = before[-1] if before else earlier[0]
    if now - t0 < span / 2:
        return None
    return max(0.0, used - v0) / (now - t0)


def project(used: float, resets_at: datetime | None, window_seconds: float | None, now: datetime,
            points: list[tuple[float, float]] | None = None, min_elapsed: float = MIN_ELAPSED) -> Projection | None:
    """The projection of one window; ``points`` are (epoch, used %) of this cycle, oldest first."""
    if resets_at is None or not window_seconds or window_seconds <= 0 or resets_at <= now:
        return None
    left = (resets_at - now).total_seconds()
    elapsed = window_seconds - left
    if elapsed <= 0 or elapsed / window_seconds * 100.0 < min_elapsed:
        return None  # just reset, or a reset further away than a window: nothing to go on
    if used >= 100.0:
        return Projection(100.0, now, True, "elapsed")
    rate = used / elapsed
    method = "elapsed"
    recent = recent_rate(points or [], used, now.timestamp(), max(window_seconds * RECENT_SHARE, RECENT_MIN))
    if recent is not None:
        rate, method = (rate + recent) / 2.0, "history"
    if rate > 0 and (100.0 - used) / rate <= left:
        return Projection(100.0, now + timedelta(seconds=(100.0 - used) / rate), True, method)
    return Projection(min(100.0, used + rate * left), resets_at, False, method)
