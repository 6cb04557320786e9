"""Fetching: when it is due, who does it (single flight), and what gets recorded.

Render processes never fetch. One that finds a due provider takes that
provider's lock (an atomic diskcache ``add`` with an expiry) and starts one
detached ``_refresh`` process that owns the lock until it is done. Everyone
else sees the lock, or the fresh record, and does nothing.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Any

from llmeter_bar import logs
from llmeter_bar.store import fastpath
from llmeter_bar.fetch import logins, record_hooks
from llmeter_bar.store import state
from llmeter_bar import providers as registry
from llmeter_bar.errors import FetchError, NotConfigured

if TYPE_CHECKING:
    import aiohttp

    from llmeter_bar.store.cache import Store
    from llmeter_bar.models import ProviderResult
    from llmeter_bar.providers.base import Provider, ProviderSettings

BACKOFF_START = 300.0
BACKOFF_CAP = 3600.0
LOCK_GRACE = 15.0  # a refresher silent for timeout + this long is presumed dead
CLOCK_SLACK = 60.0
FETCH_LOG = 10  # last fetch outcomes kept in the record, for the dashboard's details view


def lock_ttl(settings: ProviderSettings) -> float:
    return settings.timeout + LOCK_GRACE


def is_due(record: dict | None, now: float, *, on_demand: bool = False, floor: float = 0.0) -> bool:
    """Whether a fetch may start now. On demand skips the interval, never a 429 wait,
    nor ``floor`` seconds after the last attempt (a double click is one fetch)."""
    if not record:
        return True
    if record.get("unconfigured") and logins.changed(record.get("watch")):
        return True  # a login since "no credentials": fetch now, whatever the interval
    attempt_at = float(record.get("attempt_at") or 0)
    if attempt_at > now + CLOCK_SLACK:
        # The clock went back: stored times are in the future. One fetch
        # re-anchors them; waiting for them would freeze the bar for hours.
        return True
    if now < float(record.get("not_before") or 0):
        return False
    if on_demand and debounced(record, now, floor):
        return False
    return on_demand or now >= float(record.get("next_at") or 0)


def debounced(record: dict | None, now: float, floor: float) -> bool:
    """An attempt less than ``floor`` seconds ago; "no credentials" never holds a fetch back."""
    if not record or record.get("unconfigured"):
        return False
    return 0 <= now - float(record.get("attempt_at") or 0) < floor


def on_demand_floor(settings: ProviderSettings) -> float:
    """Seconds between two on-demand fetches: the configured debounce, never below
    what the provider's endpoint tolerates."""
    entry = registry.entry_for(settings.id, settings.options)
    return max(settings.debounce, entry.on_demand_floor if entry is not None else 0.0)


def effective_interval(provider: Provider | None, settings: ProviderSettings) -> float:
    if provider is None:
        return settings.interval
    if "interval" in settings.options:
        interval = float(settings.options["interval"])
    else:
        interval = max(settings.interval, provider.default_interval)
    return max(interval, provider.min_interval)


def backoff_delay(strikes: int) -> float:
    return min(BACKOFF_START * 2 ** max(0, strikes - 1), BACKOFF_CAP)


def _has_figures(result: dict | None) -> bool:
    return bool(result and (result.get("windows") or result.get("cost") or result.get("credits")
                            or result.get("extras")))


def _figures_vanished(before: dict | None, outcome: ProviderResult) -> bool:
    """Figures gone: a reply of the wrong shape (strings or nulls where numbers
    belong, or only ``{"plan_type": ...}``). The last good figures stay, marked
    stale, rather than a bare icon in the ok colour; a plan change is told in the
    error message."""
    return _has_figures(before) and not _has_figures(outcome.to_dict())


def _unknown_since(before: Any, names: list[str], now: float) -> dict[str, float]:
    """When each unknown reply key was first seen; keys gone from the reply are forgotten."""
    seen = before if isinstance(before, dict) else {}
    return {name: float(seen.get(name) or now) for name in names}


def record_outcome(
    store: Store, settings: ProviderSettings, outcome: ProviderResult | FetchError, now: float, interval: float,
    watch: list[str] | None = None,
) -> ProviderResult | FetchError:
    """Write one fetch's outcome; returns it as recorded (a result may be refused)."""
    from datetime import datetime, timezone

    stale_after = float(settings.options.get("stale_after") or 3 * interval)
    with store.cache.transact():
        record = store.read(settings.key) or {}
        previous = dict(record)
        before = record.get("result")
        if not isinstance(outcome, FetchError) and _figures_vanished(before, outcome):
            plan = outcome.plan if outcome.plan != (before or {}).get("plan") else None
            outcome = FetchError("parse", "the response no longer carries usage figures (unexpected shape)"
                                 + (f"; it names plan {outcome.plan!r}" if plan else ""))
        record.update(attempt_at=now, stale_after=stale_after, interval=interval)
        if isinstance(outcome, FetchError):
            unconfigured = isinstance(outcome, NotConfigured)
            record.update(error_at=now, unconfigured=unconfigured)
            record["watch"] = logins.signature(watch or []) if unconfigured else None
            not_before = 0.0
            if outcome.kind == "rate_limit":
                record["strikes"] = int(record.get("strikes") or 0) + 1
                delay = outcome.retry_after or backoff_delay(record["strikes"])
                not_before = now + delay
                outcome.retry_after = delay
            record.update(not_before=not_before, next_at=max(now + interval, not_before))
            record["error"] = outcome.info(datetime.fromtimestamp(now, timezone.utc)).to_dict()
        else:
            # A provider may answer with fallback figures and the error that made
            # it fall back (Codex's logs when its API fails): keep both, so the
            # figures show as stale with the reason, and a 429's wait holds.
            degraded = outcome.error if outcome.status == "stale" else None
            outcome.status = "ok"
            outcome.error = None
            record.update(result=outcome.to_dict(), error=None, error_at=None, strikes=0)
            record["unknown_since"] = _unknown_since(record.get("unknown_since"), outcome.unknown_fields, now)
            record.update(not_before=0.0, next_at=now + interval, unconfigured=False, watch=None)
            if degraded is not None:
                record.update(error=degraded.to_dict(), error_at=now)
                if degraded.kind == "rate_limit":
                    strikes = int(previous.get("strikes") or 0) + 1
                    delay = (degraded.retry_at.timestamp() - now) if degraded.retry_at else backoff_delay(strikes)
                    record.update(strikes=strikes, not_before=now + delay, next_at=max(now + interval, now + delay))
        # An error written now: a failed fetch, or figures that came with the reason they are a fallback.
        failed = record.get("error") if record.get("error_at") == now else None
        record["fetches"] = _logged(record.get("fetches"), now, failed)
        store.write(settings.key, record)
        fastpath.bump(store.cache)
    record_hooks.after_record(store, settings, previous, record)  # history and alerts, outside the transaction
    return outcome


def _logged(fetches: object, now: float, failed: dict | None) -> list[list]:
    """The record's short log of fetches: [epoch, "ok" or the error kind, message], newest last."""
    kept = [f for f in fetches if isinstance(f, list) and len(f) == 3] if isinstance(fetches, list) else []
    if failed:
        entry = [round(now, 3), str(failed.get("kind") or "error"), str(failed.get("message") or "")[:200]]
    else:
        entry = [round(now, 3), "ok", ""]
    return [*kept[-(FETCH_LOG - 1):], entry]


async def _fetch_one(
    session: aiohttp.ClientSession, settings: ProviderSettings, provider: Provider | None
) -> ProviderResult | FetchError:
    import asyncio

    if provider is None:
        return FetchError("config", state.unknown_provider(settings.id))
    try:
        # The deadline covers every request a provider makes, so a foreground
        # refresh ends within the configured timeout whatever the provider does.
        result = await asyncio.wait_for(provider.fetch(session, settings), timeout=settings.timeout)
        if not (_has_figures(result.to_dict()) or result.plan):
            # A reply of the wrong shape parses to nothing: recording it as ok
            # would replace the last good figures with a bare icon.
            raise FetchError("parse", "the response carried no usage figures (unexpected shape)")
        why = state.implausible(result)
        if why is not None:
            raise FetchError("parse", f"{why} in the response; the last good figures are kept")
        return result
    except FetchError as exc:
        logs.info("%s: %s (%s)", settings.key, exc.message, exc.kind)
        return exc
    except asyncio.TimeoutError:
        logs.info("%s: no answer within %ss", settings.key, settings.timeout)
        return FetchError("network", f"no answer within {settings.timeout:g} s")
    except Exception as exc:
        logs.exception("%s: provider crashed", settings.key)
        return FetchError("parse", f"unexpected response ({type(exc).__name__}); details in the log")


def _load(settings: ProviderSettings) -> Provider | None:
    try:
        return registry.load(settings.id, settings.options)
    except KeyError:
        return None
    except Exception:
        logs.exception("%s: provider module failed to load", settings.key)
        return None


async def _fetch_all(
    jobs: list[tuple[ProviderSettings, Provider | None]],
) -> list[ProviderResult | FetchError]:
    import asyncio

    import aiohttp

    async with aiohttp.ClientSession() as session:
        return await asyncio.gather(*(_fetch_one(session, s, p) for s, p in jobs))


def fetch_and_record(store: Store, instances: list[ProviderSettings]) -> dict[str, str]:
    """Fetch the given instances concurrently (the caller holds their locks)."""
    import asyncio

    if not instances:
        return {}
    from llmeter_bar.share import hooks as share

    # Fresh figures (or a 429 wait) from another machine on the same account:
    # recorded instead of fetched. Remote-only instances always end there.
    report: dict[str, str] = share.take(store, instances)
    jobs = [(s, _load(s)) for s in instances if s.key not in report]
    outcomes = asyncio.run(_fetch_all(jobs)) if jobs else []
    now = time.time()
    for (settings, provider), outcome in zip(jobs, outcomes):
        interval = effective_interval(provider, settings)
        try:
            watch = logins.paths_of(provider, settings) if isinstance(outcome, NotConfigured) else None
            outcome = record_outcome(store, settings, outcome, now, interval, watch)
        except Exception:
            logs.exception("%s: could not write the cache", settings.key)
        report[settings.key] = (
            f"{outcome.kind}: {outcome.message}" if isinstance(outcome, FetchError) else "ok"
        )
    share.publish(store, [s for s, _ in jobs])  # for the other machines (never raises)
    from llmeter_bar.live import watchers

    watchers.notify()  # running watchers show the new records now (it never raises)
    return report


def claim(store: Store, settings: ProviderSettings, now: float, *, on_demand: bool = False) -> str | None:
    """The fetch lock's token when a fetch of this instance is due, else None."""
    floor = on_demand_floor(settings) if on_demand else 0.0
    if not is_due(store.read(settings.key), now, on_demand=on_demand, floor=floor):
        return None
    if store.locked(settings.key):
        # A read, where try_lock is a write transaction: when every bar asks at
        # once after an interval ends, all but one would queue for the write lock.
        return None
    token = store.try_lock(settings.key, lock_ttl(settings))
    if token is None:
        return None  # a fetch is already running
    # Re-read under the lock: a refresher may have finished between our read
    # and our lock, and its fresh record must not be fetched again.
    if is_due(store.read(settings.key), now, on_demand=on_demand, floor=floor):
        return token
    store.unlock(settings.key, token)
    return None


def start(store: Store, locked: list[tuple[str, str]]) -> bool:
    """Hand claimed locks to one detached refresher; release them if it cannot start."""
    if not locked:
        return False
    if spawn(locked):
        return True
    for key, token in locked:
        store.unlock(key, token)
    return False


def spawn(keys_and_tokens: list[tuple[str, str]]) -> bool:
    """Start one detached refresher that owns the given locks.

    New session and all three standard fds on /dev/null: tmux and waybar wait
    for the pipe to close, so an inherited stdout would freeze the bar.
    """
    import subprocess

    argv = [sys.executable, "-m", "llmeter_bar", "_refresh"]
    argv += [f"{key}={token}" for key, token in keys_and_tokens]
    try:
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            cwd=os.path.expanduser("~") if os.path.isdir(os.path.expanduser("~")) else "/",
        )
    except OSError:
        logs.exception("could not start the background refresh")
        return False
    return True
