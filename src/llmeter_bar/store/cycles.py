"""Finished window cycles: one compact row per cycle, kept 90 days.

The point history (history.py) keeps 8 days of samples; a question like "how
often did I hit the 5-hour limit this month" needs longer and far less. One
cache entry per provider instance (``cycles:KEY``, JSON text) holds, per window
id: the open cycle being watched, the finished rows, and two counters.

* open: ``[reset_epoch, first_seen, peak_percent, last_percent, hit]``
* row: ``[ended_at, peak_percent, end_percent, hit]``, ``end_percent`` being the
  last reading before the reset and ``hit`` 1 when the cycle reached 100 %, 2
  when a fetch was refused with HTTP 429 while the window stood at
  ``LIMITED_AT`` or more (the limit, most likely), 0 otherwise.
* totals: ``[hit, under]`` cycles since the first one recorded; they never go
  down (Prometheus counters), unlike the rows, which age out.

A cycle closes when a reading reports a later reset time than the open one.
Rows older than ``KEEP`` go, and each window keeps at most ``CAP`` rows (90
days of a 5-hour window is 432), so an entry stays under ~20 KB per window.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmeter_bar.models import ProviderResult
    from llmeter_bar.store.cache import Store

PREFIX = "cycles:"
KEEP = 90 * 86400.0
CAP = 500
TOLERANCE = 600.0  # providers report one reset a few seconds apart from fetch to fetch
FULL = 99.5  # rounds to 100 %
LIMITED_AT = 95.0


@dataclass(slots=True)
class WindowCycles:
    label: str = ""
    window_seconds: int | None = None
    open: list[float] | None = None
    rows: list[list[float]] = field(default_factory=list)
    totals: list[int] = field(default_factory=lambda: [0, 0])


@dataclass(slots=True)
class Cycles:
    key: str
    windows: dict[str, WindowCycles] = field(default_factory=dict)

    def to_json(self) -> str:
        body = {wid: {"label": w.label, "seconds": w.window_seconds, "open": w.open, "rows": w.rows,
                      "totals": w.totals} for wid, w in self.windows.items()}
        return json.dumps({"v": 1, "windows": body}, separators=(",", ":"))

    @classmethod
    def from_json(cls, key: str, raw: Any) -> Cycles:
        out = cls(key)
        try:
            data = json.loads(raw) if isinstance(raw, str) else None
            for wid, body in (data or {}).get("windows", {}).items():
                rows = [list(r) for r in body.get("rows", []) if isinstance(r, list) and len(r) == 4]
                opened = body.get("open")
                totals = body.get("totals") or [0, 0]
                out.windows[str(wid)] = WindowCycles(
                    str(body.get("label") or wid), body.get("seconds"),
                    list(opened) if isinstance(opened, list) and len(opened) == 5 else None,
                    rows, [int(totals[0]), int(totals[1])])
        except (ValueError, TypeError, AttributeError, IndexError):
            return cls(key)  # a broken entry only loses the cycle history
        return out


def _round(value: float) -> float:
    return round(float(value), 2)


def _close(w: WindowCycles) -> None:
    reset, _, peak, last, hit = w.open  # type: ignore[misc]
    w.rows.append([int(reset), _round(peak), _round(last), int(hit)])
    w.totals[0 if hit else 1] += 1
    w.open = None


def observe(entry: Cycles, result: ProviderResult | None, now: float, limited: bool = False) -> None:
    """Fold one recorded reading (or, with ``limited``, a 429) into the open cycles."""
    if result is not None:
        for window in result.windows:
            if window.unlimited or window.estimated or window.resets_at is None:
                continue
            reset, used = window.resets_at.timestamp(), float(window.used_percent)
            w = entry.windows.setdefault(window.id, WindowCycles())
            w.label, w.window_seconds = window.label or window.id, window.window_seconds
            if w.open is not None and reset > w.open[0] + TOLERANCE:
                _close(w)
            elif w.open is not None and reset < w.open[0] - TOLERANCE:
                w.open = None  # an earlier reset than the open cycle's: a provider glitch, start over
            if w.open is None:
                w.open = [int(reset), int(now), used, used, 1 if used >= FULL else 0]
            else:
                w.open[2] = max(w.open[2], used)
                w.open[3] = used
                if used >= FULL:
                    w.open[4] = 1
    if limited:
        for w in entry.windows.values():
            if w.open is not None and w.open[0] > now and w.open[3] >= LIMITED_AT and not w.open[4]:
                w.open[4] = 2
    prune(entry, now)


def prune(entry: Cycles, now: float, keep: float = KEEP, cap: int = CAP) -> None:
    oldest = now - keep
    for w in entry.windows.values():
        w.rows = [r for r in w.rows if r[0] >= oldest][-cap:]


def load(store: Store, key: str) -> Cycles:
    try:
        raw = store.cache.get(PREFIX + key)
    except Exception:
        raw = None
    return Cycles.from_json(key, raw)


def load_many(store: Store, keys: list[str]) -> dict[str, Cycles]:
    return {key: load(store, key) for key in keys}


def keys(store: Store) -> list[str]:
    return sorted(k[len(PREFIX):] for k in store.cache.iterkeys() if isinstance(k, str) and k.startswith(PREFIX))


def record(store: Store, key: str, result: ProviderResult | None, now: float, limited: bool = False) -> None:
    """Read-modify-write of one instance's entry, serialised by a transaction."""
    with store.cache.transact():
        entry = load(store, key)
        before = entry.to_json()
        observe(entry, result, now, limited)
        after = entry.to_json()
        if after != before:
            store.cache.set(PREFIX + key, after, expire=KEEP + 8 * 86400)
