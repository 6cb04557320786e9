"""Data that arrives without a fetch: Claude Code's status-line payload.

Claude Code pipes its own rate-limit figures to the status-line command. Storing
them as the claude result lets every other bar show them with no HTTP call. The
API is then polled at a slower cadence (``statusline_api_interval``, default 1 h)
only for what the status line lacks: per-model weekly windows and extra usage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmeter_bar.store import fastpath
from llmeter_bar.fetch import record_hooks
from llmeter_bar.models import ProviderResult, utcnow

if TYPE_CHECKING:
    from llmeter_bar.store.cache import Store
    from llmeter_bar.config import Config

STATUSLINE_API_INTERVAL = 3600.0


def claude_code(payload: dict[str, Any], config: Config, store: Store, instance: str | None = None) -> bool:
    """Store the payload's rate limits; False when it carries none."""
    from llmeter_bar.providers.claude_statusline import merge, parse_statusline

    now = utcnow()
    incoming = parse_statusline(payload, now)
    if incoming is None:
        return False
    settings = config.settings_for("claude", instance)
    incoming.instance = instance
    slow = float(settings.options.get("statusline_api_interval", STATUSLINE_API_INTERVAL))
    with store.cache.transact():
        record = store.read(settings.key) or {}
        before = dict(record)
        previous = None
        if record.get("result"):
            try:
                previous = ProviderResult.from_dict(record["result"])
            except (KeyError, TypeError, ValueError):
                previous = None
        merged = merge(previous, incoming)
        merged.status, merged.error = "ok", None
        # Never fetched: the slow cadence starts now. Anchoring it at 0 made the
        # record due at once, and a refresher without API credentials then
        # replaced the status line's figures with a "setup" error.
        last_api = float(record.get("attempt_at") or now.timestamp())
        record.update(
            result=merged.to_dict(),
            error=None,
            error_at=None,
            unconfigured=False,
            next_at=max(float(record.get("next_at") or 0), last_api + slow),
            stale_after=float(record.get("stale_after") or 3 * settings.interval),
        )
        store.write(settings.key, record)
        fastpath.bump(store.cache)
    record_hooks.after_record(store, settings, before, record, config)  # history and alerts
    from llmeter_bar.share import hooks as share

    share.after_ingest(store, config, settings)  # from a detached process: this is a render
    from llmeter_bar.live import watchers

    watchers.notify()  # after the commit: a woken watcher must see the new record
    return True
