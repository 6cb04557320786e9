"""The details view's history chart: eight days of one series as a small bar chart.

Pure text (a list of rows), so it is tested without a terminal. Samples are
resampled onto equal time steps (format/sparkline.py's rule: each column holds
the last value known at its end), then drawn ``height`` rows tall with
eighth-block tops, on a fixed scale (0-100 % for windows, 0-budget for money)
so a quiet week never looks full. Columns before the first sample stay blank.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo
from bisect import bisect_right

from llmeter_bar.store.history import MAX_AGE

EIGHTHS = " ▁▂▃▄▅▆▇█"
ASCII = " .:-=+*#@"
DAY = 86400.0


def columns(points: list[tuple[float, float]], start: float, end: float, width: int) -> list[float | None]:
    """``width`` values on equal steps from ``start`` to ``end`` (None before the first point)."""
    if not points or width <= 0 or end <= start:
        return [None] * max(0, width)
    times = [t for t, _ in points]
    step = (end - start) / width
    out: list[float | None] = []
    for i in range(1, width + 1):
        index = bisect_right(times, start + step * i + 1e-9) - 1
        out.append(points[index][1] if index >= 0 else None)
    return out


def bars(values: list[float | None], hi: float, height: int, glyphs: str = EIGHTHS) -> list[str]:
    """Rows from top to bottom; each value fills ``value / hi`` of the height."""
    rows = [[" "] * len(values) for _ in range(height)]
    full = len(glyphs) - 1
    for x, value in enumerate(values):
        if value is None or hi <= 0 or math.isnan(value):
            continue
        eighths = round(min(max(value, 0.0), hi) / hi * height * full)
        if value > 0 and eighths == 0:
            eighths = 1  # anything used shows
        for row in range(height):
            cell = min(full, max(0, eighths - row * full))
            rows[height - 1 - row][x] = glyphs[cell]
    return ["".join(r) for r in rows]


def axis(start: float, end: float, width: int, tz: tzinfo | None = None) -> str:
    """Weekday initials under the columns where each day begins (local midnight)."""
    line = [" "] * width
    if width <= 0 or end <= start:
        return ""
    step = (end - start) / width
    day = datetime.fromtimestamp(start, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    while True:
        day = day.fromtimestamp(day.timestamp() + DAY + 3600, tz).replace(hour=0, minute=0, second=0, microsecond=0)
        t = day.timestamp()
        if t >= end:
            break
        x = int((t - start) / step)
        label = "|" + day.strftime("%a")[:2]
        if x + len(label) <= width and all(c == " " for c in line[x:x + len(label)]):
            line[x:x + len(label)] = label
    return "".join(line).rstrip()


def chart(points: list[tuple[float, float]], now: float, hi: float, width: int = 56, height: int = 4,
          tz: tzinfo | None = None, ascii_only: bool = False) -> list[str]:
    """The last eight days of ``points`` as ``height`` rows plus a day axis."""
    start = now - MAX_AGE
    values = columns(points, start, now, width)
    top = hi if hi > 0 else max((v for v in values if v is not None), default=0.0)
    return [*bars(values, top, height, ASCII if ascii_only else EIGHTHS), axis(start, now, width, tz)]
