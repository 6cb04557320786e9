"""What happens after a cache record is written: history and window cycles, then alerts.

Called once by each writer of results (``refresh.record_outcome`` and
``ingest.claude_code``), after its transaction: the history append and the
alert claims take their own short transactions, and a notification never runs
while the record is locked. Nothing here may break the write that called it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from llmeter_bar import logs

if TYPE_CHECKING:
    from llmeter_bar.alerts.rules import Event
    from llmeter_bar.store.cache import Store
    from llmeter_bar.config import Config
    from llmeter_bar.models import ProviderResult
    from llmeter_bar.providers.base import ProviderSettings

_render_process = False


def mark_render() -> None:
    """This process is a bar render: alerts go to a detached process (see notify.py)."""
    global _render_process
    _render_process = True


def after_record(store: Store, settings: ProviderSettings, old: dict[str, Any] | None, new: dict[str, Any],
                 config: Config | None = None, *, deliver: bool | None = None) -> None:
    """Append a new result to the history and send the alerts it (or a lost login) calls for."""
    old = old or {}
    now = time.time()
    result: ProviderResult | None = None
    limited = (new.get("error") or {}).get("kind") == "rate_limit"
    if new.get("result") and new.get("result") != old.get("result"):
        try:
            from llmeter_bar.store import fastpath, history
            from llmeter_bar.models import ProviderResult

            result = ProviderResult.from_dict(new["result"])
            # One transaction, one commit: every commit grows the WAL, and a nearly
            # full disk must still take the record, its history and its cycles.
            with store.cache.transact():
                history.append(store, settings.key, result, now)
                _cycles(store, settings.key, result, now, False)
                # The record's own write already bumped the generation; a render in
                # between filed the old sparkline under it, for up to ten minutes.
                fastpath.bump(store.cache)
        except Exception:
            logs.exception("%s: history not updated", settings.key)
    elif limited:
        _cycles(store, settings.key, None, now, True)
    try:
        events, cfg = _alerts(store, settings, old, new, config, now, result)
        if not events:
            return
        from llmeter_bar.alerts import notify

        if deliver is False or (deliver is None and _render_process):
            notify.spawn(events)
        else:
            for event in events:
                notify.deliver(event, cfg)
    except Exception:
        logs.exception("%s: alerts not checked", settings.key)


def _cycles(store: Store, key: str, result: ProviderResult | None, now: float, limited: bool) -> None:
    try:
        from llmeter_bar.store import cycles

        cycles.record(store, key, result, now, limited)
    except Exception:
        logs.exception("%s: window cycles not updated", key)


def _alerts(store: Store, settings: ProviderSettings, old: dict[str, Any], new: dict[str, Any],
            config: Config | None, now: float, result: ProviderResult | None) -> tuple[list[Event], Any]:
    """``result`` is the new result when it changed, else None."""
    from llmeter_bar.alerts import rules as alerts
    from llmeter_bar.alerts import notify

    if config is None:
        from llmeter_bar.config import load

        config = load()
    cfg = alerts.settings(config)
    if not notify.can_deliver(cfg):
        return [], cfg
    events: list[Event] = []
    if result is not None:
        result.instance = settings.instance
        events += alerts.threshold_events(store, settings.key, result, cfg, config, now)
    if cfg.back:
        from llmeter_bar.alerts.back import back_events
        from llmeter_bar.models import ProviderResult

        latest = result
        if latest is None and new.get("result"):
            latest = ProviderResult.from_dict(new["result"])
            latest.instance = settings.instance
        events += back_events(store, settings.key, latest, result is not None, cfg, now)
    if cfg.login:
        lost = alerts.login_event(store, settings.key, old, new, now)
        if lost is not None:
            events.append(lost)
    return events, cfg
