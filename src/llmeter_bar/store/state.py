"""From a cache record to the result a renderer shows.

This is the only place that decides a result's display status:
loading (nothing yet), unconfigured, error (failure and no good figures), stale
(good figures that are old, or a newer failure), ok.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

from llmeter_bar import providers as registry
from llmeter_bar.models import ErrorInfo, ProviderResult, Window, plausible_time, window_length
from llmeter_bar.providers.base import ProviderSettings


# No account spends (or holds) a billion in one period: a bigger figure is a broken reply.
MAX_MONEY = 1e9


def _bad_money(value: float | None, *, signed: bool = False) -> bool:
    if value is None:
        return False
    return not math.isfinite(value) or abs(value) > MAX_MONEY or (value < 0 and not signed)


def implausible(result: ProviderResult) -> str | None:
    """Why a freshly parsed result cannot be true (negative or astronomical spend,
    non-finite counts), or None. Such a reply is a parse error: the last good figures
    stay, marked stale, instead of ``-$1.2k`` or a 326-character segment."""
    cost = result.cost
    if cost is not None:
        if _bad_money(cost.used):
            return f"impossible spend {cost.used:g}"
        if _bad_money(cost.limit):
            return f"impossible spending limit {cost.limit:g}"
    # A prepaid balance may dip below zero (usage billed after the fact), never to -1e300.
    if result.credits is not None and _bad_money(result.credits.balance, signed=True):
        return f"impossible balance {result.credits.balance:g}"
    for window in result.windows:
        for value in (window.used, window.limit):
            if value is not None and not math.isfinite(value):
                return f"impossible count {value!r} in the {window.label} window"
    for extra in result.extras:
        money = extra.unit.isalpha() and extra.unit.isupper() and len(extra.unit) == 3  # an ISO currency
        if (money and (_bad_money(extra.value) or _bad_money(extra.limit))) or not math.isfinite(extra.value):
            return f"impossible figure {extra.value:g} for {extra.label}"
    return None


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
    length = window_length(window.window_seconds)
    if length:
        # One step, whatever the gap: a loop of window-sized steps once took 90 s.
        passed = (now - window.resets_at).total_seconds()
        try:
            resets_at = plausible_time(window.resets_at + timedelta(seconds=(passed // length + 1) * length))
        except OverflowError:
            resets_at = None
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


def config_error(message: str, *, status: str = "error", label: str = "cfg", kind: str = "config") -> ProviderResult:
    """The single segment shown when the config itself cannot be used, or when
    there is nothing to show yet (status unconfigured, label "setup")."""
    return ProviderResult(
        id="llmeter",
        name="llmeter",
        status=status,
        error=ErrorInfo(kind=kind, label=label, message=message),
        fetched_at=datetime.now(timezone.utc),
    )
