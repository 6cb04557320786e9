"""``r`` and ``R``: ask for a fetch the way a bar click does, and say what happened.

A request never fetches in the dashboard's process: it takes the instance's
lock and hands it to the one detached refresher (fetch/refresh.py), which
writes the record, bumps the generation and so wakes the dashboard. The rules
are those of every on-demand fetch: the interval is skipped, a 429 not-before
time never is, and a fetch already running is not started twice. On top, a
debounce: an instance attempted less than ``DEBOUNCE`` seconds ago is not
asked again (a double press, or ``R`` right after ``r``), so no key can make
more requests than the provider's own interval floor would allow twice over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmeter_bar.format import time as ftime

if TYPE_CHECKING:
    from llmeter_bar.providers.base import ProviderSettings
    from llmeter_bar.store.cache import Store

DEBOUNCE = 30.0


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


def _held(store: Store, settings: ProviderSettings, now: float, debounce: float) -> str:
    """Why this instance is not fetched now; empty when it may be."""
    record = store.read(settings.key) or {}
    not_before = float(record.get("not_before") or 0)
    if not_before > now:
        from datetime import datetime

        at = datetime.fromtimestamp(not_before).strftime("%H:%M")
        return f"{settings.key}: rate limited (HTTP 429), no fetch before {at} (in {ftime.countdown(not_before - now)})"
    if store.locked(settings.key):
        return f"{settings.key}: a fetch is already running"
    attempt = float(record.get("attempt_at") or 0)
    if 0 <= now - attempt < debounce:
        return (f"{settings.key}: fetched {ftime.age(now - attempt)} ago; "
                f"not again within {debounce:g} s")
    return ""


def request(store: Store, instances: list[ProviderSettings], *, debounce: float = DEBOUNCE,
            now: float | None = None) -> Asked:
    """Start one background fetch of the instances that may be fetched now."""
    from llmeter_bar.fetch import refresh

    now = time.time() if now is None else now
    asked = Asked()
    locked: list[tuple[str, str]] = []
    for settings in instances:
        why = _held(store, settings, now, debounce)
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
