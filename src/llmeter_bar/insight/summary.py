"""Summaries of finished window cycles, and their wording.

"5h: hit the limit 12 times in 30 days; 7d ended at 84%, 91%, 77%": windows
shorter than two days are counted (how often the limit was hit), longer ones
listed (where the last three cycles ended), since a week's cycles are few
enough to read one by one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmeter_bar.models import CycleSummary

if TYPE_CHECKING:
    from llmeter_bar.store.cycles import Cycles

DAYS = 30
RECENT = 3
LONG_WINDOW = 2 * 86400


def summarise(entry: Cycles, now: float, days: int = DAYS) -> list[CycleSummary]:
    """One summary per window with at least one finished cycle; an open cycle
    whose reset has passed counts as finished (nothing newer was recorded)."""
    since = now - days * 86400
    out = []
    for wid, w in entry.windows.items():
        rows = list(w.rows)
        if w.open is not None and w.open[0] <= now:
            rows.append([w.open[0], w.open[2], w.open[3], w.open[4]])
        recent = [r for r in rows if r[0] >= since]
        total_hit, total_under = w.totals
        if w.open is not None and w.open[0] <= now:
            total_hit, total_under = (total_hit + 1, total_under) if w.open[4] else (total_hit, total_under + 1)
        if not rows:
            continue
        out.append(CycleSummary(
            window=wid, label=w.label or wid, days=days, finished=len(recent),
            hits=sum(1 for r in recent if r[3]), ends=[float(r[2]) for r in recent[-RECENT:]],
            window_seconds=w.window_seconds, total_hit=total_hit, total_under=total_under))
    return out


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def text(summary: CycleSummary) -> str:
    """One window's summary in words, e.g. ``5h hit the limit 12 times in 30 days``."""
    if summary.window_seconds and summary.window_seconds >= LONG_WINDOW and summary.ends:
        ends = ", ".join(f"{int(v + 0.5)}%" for v in summary.ends)
        hits = f" (hit the limit {_times(summary.hits)} in {summary.days} days)" if summary.hits else ""
        return f"{summary.label} ended at {ends}{hits}"
    if summary.hits:
        return f"{summary.label} hit the limit {_times(summary.hits)} in {summary.days} days"
    cycles = f"{summary.finished} cycle{'s' * (summary.finished != 1)}"
    return f"{summary.label} never hit the limit in {summary.days} days ({cycles})"


def line(summaries: list[CycleSummary]) -> str:
    return "; ".join(text(s) for s in summaries)
