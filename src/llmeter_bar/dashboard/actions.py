"""``r`` and ``R``: ask for a fetch the way a bar click does, and say what happened.

A request never fetches in the dashboard's process: it takes the instance's
lock and hands it to the one detached refresher (fetch/refresh.py), which
writes the record, bumps the generation and so wakes the dashboard. The rules
are those of every on-demand fetch (``refresh``, a bar click): the interval is
skipped, a 429 not-before time never is, a fetch already running is not started
twice, and an instance attempted less than its debounce ago (``refresh_debounce``,
30 s by default, never below what the provider tolerates) is not asked again,
so a double press, or ``R`` right after ``r``, is one request. Whatever holds a
key back is said in the status line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmeter_bar.format import time as ftime

if TYPE_CHECKING:
    from llmeter_bar.providers.base import ProviderSettings
    from llmeter_bar.store.cache import Store


@dataclass(slots=True)
class Asked:
    started: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # one line per instance not fetched, and why

    def message(self) -> str:
        parts = []
        if self.started:
            parts.append(f"refreshing {', '.join(self.started)}")
        parts += self.held
        return "; ".join(parts) or "nothing to refresh"


def _held(store: Store, settings: ProviderSettings, now: float) -> str:
    """Why this instance is not fetched now; empty when it may be."""
    from llmeter_bar.fetch import refresh

    record = store.read(settings.key) or {}
    not_before = float(record.get("not_before") or 0)
    if not_before > now:
        from datetime import datetime

        at = datetime.fromtimestamp(not_before).strftime("%H:%M")
        return f"{settings.key}: rate limited (HTTP 429), no fetch before {at} (in {ftime.countdown(not_before - now)})"
    if store.locked(settings.key):
        return f"{settings.key}: a fetch is already running"
    floor = refresh.on_demand_floor(settings)
    if refresh.debounced(record, now, floor):
        ago = now - float(record.get("attempt_at") or 0)
        return f"{settings.key}: fetched {ftime.age(ago)} ago; one on-demand refresh per {floor:g} s (refresh_debounce)"
    return ""


def request(store: Store, instances: list[ProviderSettings], *, now: float | None = None) -> Asked:
    """Start one background fetch of the instances that may be fetched now."""
    from llmeter_bar.fetch import refresh

    now = time.time() if now is None else now
    asked = Asked()
    locked: list[tuple[str, str]] = []
    for settings in instances:
        why = _held(store, settings, now)
        if why:
            asked.held.append(why)
            continue
        token = refresh.claim(store, settings, now, on_demand=True)
        if token is None:
            asked.held.append(f"{settings.key}: a fetch is already running")
        else:
            locked.append((settings.key, token))
    if refresh.start(store, locked):
        asked.started = [key for key, _ in locked]
    elif locked:
        asked.held.append("the background refresher could not start (see the log file)")
    return asked
