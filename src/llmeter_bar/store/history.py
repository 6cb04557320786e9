"""A compact, bounded time series per provider instance, kept in the cache.

One cache entry per instance (``history:KEY``, JSON text) holds one series per
window (by window id) and one for spend (``cost``). A point is
``[epoch, used_percent, used, limit, resets_at_epoch]``; windows are in percent
(``used``/``limit`` are the provider's counts when it gives them), spend is in
its currency. A sample equal to the previous one less than ``DEDUP`` seconds
later is dropped, so a bar polled every minute does not fill the history with
copies; each series keeps at most ``CAP`` points and none older than ``MAX_AGE``.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmeter_bar.store.cache import Store
    from llmeter_bar.models import ProviderResult

PREFIX = "history:"
CAP = 500
MAX_AGE = 8 * 86400.0
DEDUP = 600.0
COST = "cost"
Point = list  # [t, used_percent, used, limit, resets_at]


@dataclass(slots=True)
class Series:
    id: str
    label: str
    unit: str  # "%" for windows, the currency for spend
    points: list[Point] = field(default_factory=list)


@dataclass(slots=True)
class History:
    key: str
    series: dict[str, Series] = field(default_factory=dict)

    @property
    def provider(self) -> str:
        return self.key.partition(":")[0]

    @property
    def account(self) -> str | None:
        return self.key.partition(":")[2] or None

    def to_json(self) -> str:
        body = {sid: {"label": s.label, "unit": s.unit, "points": s.points} for sid, s in self.series.items()}
        return json.dumps({"v": 1, "series": body}, separators=(",", ":"))

    @classmethod
    def from_json(cls, key: str, raw: Any) -> History:
        out = cls(key)
        try:
            data = json.loads(raw) if isinstance(raw, str) else None
            for sid, body in (data or {}).get("series", {}).items():
                points = [list(p) for p in body.get("points", []) if isinstance(p, list) and len(p) == 5]
                out.series[str(sid)] = Series(str(sid), str(body.get("label") or sid), str(body.get("unit") or "%"),
                                              points)
        except (ValueError, TypeError, AttributeError):
            return cls(key)  # a broken entry is only lost history
        return out


def _epoch(value: Any) -> int | None:
    return int(value.timestamp()) if value is not None else None


def add_point(points: list[Point], point: Point, now: float, *, cap: int = CAP, max_age: float = MAX_AGE,
              dedup: float = DEDUP) -> list[Point]:
    """Insert one point in time order, drop a near copy, then bound the series."""
    times = [p[0] for p in points]
    at = bisect_right(times, point[0])
    before = points[at - 1] if at else None
    if before is None or before[1:] != point[1:] or point[0] - before[0] >= dedup:
        points.insert(at, point)  # else unchanged since a moment ago
    oldest = now - max_age
    points = [p for p in points if p[0] >= oldest]
    return points[-cap:] if cap > 0 else []


def samples(result: ProviderResult) -> list[tuple[str, str, str, Point]]:
    """(series id, label, unit, point) for each window and the spend of a result."""
    t = _epoch(result.fetched_at)
    if t is None:
        return []
    out = []
    for w in result.windows:
        if w.unlimited or w.estimated:
            continue
        # The unit names what used/limit count in: a money window's currency, like spend rows.
        out.append((w.id, w.label, w.unit or "%", [t, round(w.used_percent, 2), w.used, w.limit, _epoch(w.resets_at)]))
    cost = result.cost
    if cost is not None:
        pct = cost.used_percent
        label = f"spend ({cost.period})" if cost.period else "spend"
        out.append((COST, label, cost.currency,
                    [t, None if pct is None else round(pct, 2), round(cost.used, 6), cost.limit,
                     _epoch(cost.resets_at)]))
    return out


def load(store: Store, key: str) -> History:
    try:
        raw = store.cache.get(PREFIX + key)
    except Exception:
        raw = None
    return History.from_json(key, raw)


def load_many(store: Store, keys: list[str]) -> dict[str, History]:
    return {key: load(store, key) for key in keys}


def keys(store: Store) -> list[str]:
    return sorted(k[len(PREFIX):] for k in store.cache.iterkeys() if isinstance(k, str) and k.startswith(PREFIX))


def append(store: Store, key: str, result: ProviderResult, now: float) -> None:
    """Add a result's figures to the instance's history (read-modify-write, serialised)."""
    new = samples(result)
    if not new:
        return
    with store.cache.transact():
        history = load(store, key)
        for sid, label, unit, point in new:
            series = history.series.setdefault(sid, Series(sid, label, unit))
            series.label, series.unit = label, unit
            series.points = add_point(series.points, point, now)
        store.cache.set(PREFIX + key, history.to_json(), expire=MAX_AGE + 86400)


CYCLE_TOLERANCE = 600.0  # providers report a reset a few seconds apart from fetch to fetch


def cycle(series: Series, resets_at: Any, window_seconds: float | None, now: float,
          value: int = 1) -> list[tuple[float, float]]:
    """(epoch, value) points of the current window cycle: those that reported
    the same reset time, or, with no reset time, those of the last window length.
    ``value`` picks the column: 1 used percent, 2 used amount."""
    reset = _epoch(resets_at)
    since = now - (window_seconds or MAX_AGE)
    out: list[tuple[float, float]] = []
    for point in series.points:
        if point[value] is None or point[0] > now:
            continue
        if reset is not None and point[4] is not None:
            same = abs(point[4] - reset) <= CYCLE_TOLERANCE
        else:
            same = point[0] >= since
        if same:
            out.append((float(point[0]), float(point[value])))
    return out
