"""Sparklines: a short series of numbers as one row of block characters.

History samples arrive at irregular times (a fetch every few minutes while the
machine is awake, none while it sleeps), so the series is first resampled onto
equal time steps, each holding the last value known at its end. That keeps the
shape honest about time: a window that jumped at lunch shows the jump where it
happened, not where the fifth sample happened to be.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"
ASCII = "_.:-=+*#"
WIDTH = 8


def chars_for(icon_set: str) -> str:
    """Block characters, or ASCII for the ``ascii`` and ``none`` icon sets."""
    return ASCII if icon_set in ("ascii", "none") else BLOCKS


def spark(values: Sequence[float], lo: float = 0.0, hi: float = 100.0, chars: str = BLOCKS) -> str:
    """One character per value, the lowest for ``lo`` and the highest for ``hi``.

    The scale is fixed (not the series' own min and max) so that 20 % never
    looks like a full bar just because nothing higher was seen.
    """
    if not values or not chars:
        return ""
    span = hi - lo
    top = len(chars) - 1
    out = []
    for value in values:
        if value is None or math.isnan(value):
            out.append(chars[0])
            continue
        share = (min(max(value, lo), hi) - lo) / span if span > 0 else 0.0
        out.append(chars[int(share * top + 0.5)])
    return "".join(out)


def resample(points: Sequence[tuple[float, float]], start: float, end: float, width: int = WIDTH) -> list[float]:
    """``width`` values on equal steps from ``start`` to ``end``: each the last
    sample at or before its step's end. Points must be sorted by time; steps
    before the first point take the first point's value."""
    if not points or width <= 0 or end <= start:
        return []
    times = [t for t, _ in points]
    step = (end - start) / width
    out: list[float] = []
    for i in range(1, width + 1):
        at = start + step * i
        index = bisect_right(times, at + 1e-9) - 1
        out.append(points[max(index, 0)][1])
    return out


def sparkline(
    points: Sequence[tuple[float, float]],
    end: float,
    *,
    lo: float = 0.0,
    hi: float = 100.0,
    width: int = WIDTH,
    chars: str = BLOCKS,
) -> str:
    """The sparkline of time-sorted ``(epoch, value)`` points from the first
    point to ``end``; empty with fewer than two points (no trend to show)."""
    if len(points) < 2:
        return ""
    start = points[0][0]
    end = max(end, points[-1][0])
    if end <= start:
        return ""
    return spark(resample(points, start, end, width), lo, hi, chars)
