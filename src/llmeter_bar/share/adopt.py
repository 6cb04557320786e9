"""Recording what another machine fetched, as if this machine had fetched it.

The figures keep their own ``fetched_at`` (so ages and staleness are honest)
and are marked ``source = share:<machine>``; a 429 wait becomes this machine's
wait too. History and alerts follow, as after a fetch.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from llmeter_bar import logs

if TYPE_CHECKING:
    from llmeter_bar.providers.base import ProviderSettings
    from llmeter_bar.share.wire import Remote
    from llmeter_bar.store.cache import Store

MIN_NEXT = 1.0
REFUSED_MEMORY = 86400.0  # one log line per bad message a day, whoever reads it


def refused_once(store: Store, topic: str, payload: bytes, why: str) -> None:
    """Log a refused message once (per topic and content), not at every read."""
    digest = hashlib.sha256(topic.encode() + b"\0" + payload).hexdigest()[:16]
    try:
        if not store.cache.add("share:refused:" + digest, 1, expire=REFUSED_MEMORY):
            return
    except Exception:
        pass
    logs.warning("share: ignored a message on %s: %s", topic[:200], why)


def record(store: Store, settings: ProviderSettings, remote: Remote, interval: float, now: float) -> str:
    from llmeter_bar import providers as registry
    from llmeter_bar.fetch import record_hooks
    from llmeter_bar.models import ErrorInfo
    from llmeter_bar.store import fastpath

    entry = registry.entry_for(settings.id, settings.options)
    result = remote.result
    result.name = entry.name if entry else settings.id
    result.kind = entry.kind if entry else result.kind
    result.source = f"share:{remote.machine}"
    result.instance = settings.instance
    result.status, result.error, result.account = "ok", None, None
    with store.cache.transact():
        record = store.read(settings.key) or {}
        previous = dict(record)
        held = ((record.get("result") or {}).get("fetched_at")) or ""
        mine = datetime.fromisoformat(held.replace("Z", "+00:00")).timestamp() if held else 0.0
        if remote.fetched_at > mine:
            record["result"] = result.to_dict()
        record.update(attempt_at=now, stale_after=float(settings.options.get("stale_after") or 3 * interval),
                      unconfigured=False)
        if remote.not_before > now:
            error = ErrorInfo.from_dict(remote.error or {"kind": "rate_limit", "label": "limit",
                                                           "message": "rate limited"})
            error.retry_at = datetime.fromtimestamp(remote.not_before, timezone.utc)
            error.message = f"{error.message} (seen by {remote.machine})"[:240]
            record.update(error=error.to_dict(), error_at=now, not_before=remote.not_before,
                          next_at=max(now + interval, remote.not_before))
            report = f"rate_limit: waiting until {error.retry_at:%H:%M:%S} (shared by {remote.machine})"
        else:
            record.update(error=None, error_at=None, not_before=0.0, strikes=0,
                          next_at=max(remote.fetched_at + interval, now + MIN_NEXT))
            report = f"ok (shared by {remote.machine})"
        store.write(settings.key, record)
        fastpath.bump(store.cache)
    record_hooks.after_record(store, settings, previous, record)
    return report


def problem(store: Store, settings: ProviderSettings, interval: float, now: float, message: str,
            kind: str = "config") -> str:
    """A remote-only instance with nothing to take: say why, keep any old figures."""
    from llmeter_bar.fetch import refresh
    from llmeter_bar.errors import FetchError

    refresh.record_outcome(store, settings, FetchError(kind, message), now, interval)
    return f"{kind}: {message}"

