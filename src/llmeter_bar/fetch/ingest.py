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
# Claude Code sends the same figures with every message. Unchanged, they are not
# written (no history point, no output-cache invalidation for every other bar);
# only the data's age is renewed this often, so it never turns stale meanwhile.
RESTAMP_AFTER = 300.0


def _figures(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "fetched_at"}


def _unchanged(record: dict[str, Any] | None, incoming: ProviderResult, now: float) -> bool:
    """The stored record already shows these figures, recently enough confirmed."""
    from llmeter_bar.providers.claude_statusline import merge

    if not record or not record.get("result") or record.get("error") or record.get("unconfigured"):
        return False
    try:
        previous = ProviderResult.from_dict(record["result"])
    except (KeyError, TypeError, ValueError):
        return False
    if previous.fetched_at is None or now - previous.fetched_at.timestamp() >= RESTAMP_AFTER:
        return False
    merged = merge(previous, incoming)
    merged.status, merged.error = "ok", None
    return _figures(merged.to_dict()) == _figures(record["result"])


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
    if _unchanged(store.read(settings.key), incoming, now.timestamp()):
        return True  # the common case: no transaction, no write at all
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
        shown = merged.to_dict()
        if (previous is not None and record.get("error") is None and not record.get("unconfigured")
                and _figures(shown) == _figures(record["result"])):
            if now.timestamp() - (previous.fetched_at.timestamp() if previous.fetched_at else 0) >= RESTAMP_AFTER:
                # Same figures: renew their age only. Cached lines last until the
                # old stale moment at most, and re-render with this one then.
                record["result"] = shown
                store.write(settings.key, record)
            return True
        # Never fetched: the slow cadence starts now. Anchoring it at 0 made the
        # record due at once, and a refresher without API credentials then
        # replaced the status line's figures with a "setup" error.
        last_api = float(record.get("attempt_at") or now.timestamp())
        record.update(
            result=shown,
            error=None,
            error_at=None,
            unconfigured=False,
            next_at=max(float(record.get("next_at") or 0), last_api + slow),
            stale_after=float(record.get("stale_after") or 3 * settings.interval),
        )
        store.write(settings.key, record)
        fastpath.bump(store.cache)
    record_hooks.after_record(store, settings, before, record, config)  # history and alerts
    if config.section("share").get("broker"):
        from llmeter_bar.share import hooks as share

        share.after_ingest(store, config, settings)  # from a detached process: this is a render
    from llmeter_bar.live import watchers

    watchers.notify()  # after the commit: a woken watcher must see the new record
    return True
