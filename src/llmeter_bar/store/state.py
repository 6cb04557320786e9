"""From a cache record to the result a renderer shows.

This is the only place that decides a result's display status:
loading (nothing yet), unconfigured, error (failure and no good figures), stale
(good figures that are old, or a newer failure), ok.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from llmeter_bar import providers as registry
from llmeter_bar.models import ErrorInfo, ProviderResult, Window
from llmeter_bar.providers.base import ProviderSettings


def unknown_provider(provider_id: str) -> str:
    return f"unknown provider '{provider_id}': check general.providers"


def placeholder(settings: ProviderSettings, status: str, error: ErrorInfo | None = None) -> ProviderResult:
    entry = registry.entry_for(settings.id, settings.options)
    return ProviderResult(
        id=settings.id,
        name=entry.name if entry else settings.id,
        kind=entry.kind if entry else "subscription",
        status=status,
        instance=settings.instance,
        error=error,
    )


def _epoch(value: datetime | None) -> float:
    return value.timestamp() if value else 0.0


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def roll_over(window: Window, now: datetime) -> Window:
    """A window past its reset is at 0% until the next fetch says otherwise."""
    if window.resets_at is None or window.resets_at > now:
        return window
    resets_at = None
    if window.window_seconds:
        resets_at = window.resets_at
        step = timedelta(seconds=window.window_seconds)
        while resets_at <= now:
            resets_at += step
    return Window(
        id=window.id,
        label=window.label,
        used_percent=0.0,
        resets_at=resets_at,
        window_seconds=window.window_seconds,
        used=0.0 if window.used is not None else None,
        limit=window.limit,
        unlimited=window.unlimited,
        estimated=True,
        scope=window.scope,
        side=window.side,
    )


def view(settings: ProviderSettings, record: dict[str, Any] | None, now: datetime) -> ProviderResult:
    record = record or {}
    try:
        result = ProviderResult.from_dict(record["result"]) if record.get("result") else None
        error = ErrorInfo.from_dict(record["error"]) if record.get("error") else None
    except (KeyError, TypeError, ValueError):
        result, error = None, None  # a record from a foreign or broken writer
    if result is None:
        if error is None and registry.entry_for(settings.id, settings.options) is None:
            # Known without a fetch: say so at once instead of "loading" until
            # the first refresher records the same thing.
            error = ErrorInfo(kind="config", label="cfg", message=unknown_provider(settings.id))
        if error is None:
            return placeholder(settings, "loading")
        status = "unconfigured" if record.get("unconfigured") else "error"
        return placeholder(settings, status, error)
    result.instance = settings.instance
    result.interval = _number(record.get("interval")) or settings.interval
    result.windows = [roll_over(w, now) for w in result.windows]
    if result.cost and result.cost.resets_at and result.cost.resets_at <= now:
        result.cost.used, result.cost.resets_at = 0.0, None
    failed_later = error is not None and float(record.get("error_at") or 0) >= _epoch(result.fetched_at)
    stale_after = float(record.get("stale_after") or 3 * settings.interval)
    too_old = (result.age_seconds(now) or 0.0) > stale_after
    if failed_later or too_old:
        result.status = "stale"
        result.error = error if failed_later else None
    else:
        result.status = "ok"
        result.error = None
    return result


def config_error(message: str, *, status: str = "error", label: str = "cfg") -> ProviderResult:
    """The single segment shown when the config itself cannot be used, or when
    there is nothing to show yet (status unconfigured, label "setup")."""
    return ProviderResult(
        id="llmeter",
        name="llmeter",
        status=status,
        error=ErrorInfo(kind="config", label=label, message=message),
        fetched_at=datetime.now(timezone.utc),
    )
