"""Put the derived figures on the normalized results a view shows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from llmeter_bar.insight import projection
from llmeter_bar.insight.summary import summarise

if TYPE_CHECKING:
    from llmeter_bar.models import ProviderResult, Window


def project_window(window: Window, now: datetime, history: Any = None) -> projection.Projection | None:
    """One window's projection, from its series in ``history`` (a store.history.History) when given."""
    from llmeter_bar.store.history import cycle

    if window.unlimited or window.estimated:
        return None
    series = history.series.get(window.id) if history is not None else None
    points = cycle(series, window.resets_at, window.window_seconds, now.timestamp()) if series is not None else []
    return projection.project(window.used_percent, window.resets_at, window.window_seconds, now, points)


def annotate(results: list[ProviderResult], now: datetime, histories: dict[str, Any] | None = None,
             cycles: dict[str, Any] | None = None) -> None:
    """Set each window's projection (from its history when given, else from the
    elapsed time alone) and each result's cycle summaries (when given)."""
    histories = histories or {}
    for result in results:
        history = histories.get(result.key)
        for window in result.windows:
            p = project_window(window, now, history)
            window.projected_percent = None if p is None else round(p.percent, 2)
            window.projected_at = None if p is None else p.at
        entry = (cycles or {}).get(result.key)
        if entry is not None:
            result.cycles = summarise(entry, now.timestamp())
