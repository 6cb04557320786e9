"""The two paths through the cache: read-and-maybe-trigger, and fetch-now.

``collect`` is what every render does: read one record per instance, build the
results, and hand due instances to a single detached refresher. ``refresh_now``
is the foreground path of ``refresh``, ``--wait`` and the background worker.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from llmeter_bar import logs
from llmeter_bar.fetch import refresh
from llmeter_bar.fetch.accounts import UNKNOWN_ACCOUNT, stored_accounts, unknown_account
from llmeter_bar.store import state
from llmeter_bar.models import ErrorInfo
from llmeter_bar import providers as registry

if TYPE_CHECKING:
    from llmeter_bar.store.cache import Store
    from llmeter_bar.config import Config
    from llmeter_bar.models import ProviderResult
    from llmeter_bar.providers.base import ProviderSettings

DETECT_TTL = 300.0
LOGIN_RECHECK = 5.0  # seconds a "setup" line is served from the output cache before the files are stat'ed again


def detect(config: Config, watch: list[str] | None = None) -> list[str]:
    """Registered providers (installed plugins included) whose credentials are present (no network), plus
    every account stored by ``login --account``. ``watch`` receives the login
    files of the providers not found (see fetch/logins.py)."""
    from llmeter_bar.fetch import logins

    found: list[str] = []
    for provider_id in registry.known():
        try:
            if config.provider_options(provider_id).get("source") == "share":
                found.append(provider_id)  # shown from the broker, no credentials here (share/)
                continue
            provider = registry.load(provider_id)
            settings = config.settings_for(provider_id)
            if provider.credentials(settings) is not None:
                found.append(provider_id)
            elif watch is not None:
                watch += logins.paths_of(provider, settings)
        except Exception:
            logs.exception("%s: credential detection failed", provider_id)
        found += [f"{provider_id}:{name}" for name in stored_accounts(provider_id)]
    return found


def enabled_ids(config: Config, store: Store | None) -> list[str]:
    """The configured providers, or the detected ones (remembered for a while)."""
    listed = config.providers
    if listed is not None:
        return listed
    from llmeter_bar.fetch import logins

    if store is not None:
        cached = store.get_value("detected")
        if isinstance(cached, list) and not logins.changed(store.get_value("detected_watch")):
            return [str(i) for i in cached]
    watch: list[str] = []
    found = detect(config, watch)
    if store is not None:
        try:
            store.set_value("detected_watch", logins.signature(watch), expire=DETECT_TTL)
            store.set_value("detected", found, expire=DETECT_TTL)
        except Exception:
            pass
    return found


def select(config: Config, store: Store | None, wanted: list[str] | None) -> list[ProviderSettings]:
    """Instances to show. A listed provider without an accounts table in the
    config also shows the accounts stored for it by ``login --account``."""
    ids = wanted if wanted else enabled_ids(config, store)
    if wanted or config.providers is not None:
        expanded: list[str] = []
        for item in ids:
            expanded.append(item)
            if ":" not in item and not config.section("provider", item, "accounts"):
                expanded += [f"{item}:{name}" for name in stored_accounts(item) if f"{item}:{name}" not in ids]
        ids = expanded
    instances = config.instances(ids)
    for settings in instances:
        problem = unknown_account(config, settings)
        if problem:
            settings.options = {**settings.options, UNKNOWN_ACCOUNT: problem}
    return instances


def collect(
    config: Config,
    store: Store,
    instances: list[ProviderSettings],
    *,
    trigger: bool = True,
    horizon: list[float] | None = None,
    content: list[float] | None = None,
) -> list[ProviderResult]:
    """Results for the instances; due ones go to one background refresher.

    ``horizon`` (when given) receives the seconds until a render could next do
    something other than tick a countdown: a provider becomes due (a refresh to
    start), stale or reset. ``content`` receives the same without "due": when
    the figures shown could change.
    """
    from llmeter_bar.models import utcnow

    now_dt = utcnow()
    now = now_dt.timestamp()
    results: list[ProviderResult] = []
    locked: list[tuple[str, str]] = []
    seen: list[tuple[ProviderSettings, dict | None, ProviderResult, bool]] = []
    for settings in instances:
        if settings.options.get(UNKNOWN_ACCOUNT):
            results.append(state.placeholder(settings, "error", ErrorInfo(
                kind="config", label="cfg", message=settings.options[UNKNOWN_ACCOUNT])))
            continue
        record = store.read(settings.key)
        shown = state.view(settings, record, now_dt)
        results.append(shown)
        due = refresh.is_due(record, now)
        seen.append((settings, record, shown, due))
        if due and trigger:
            token = refresh.claim(store, settings, now)
            if token is not None:
                locked.append((settings.key, token))
    refresh.start(store, locked)
    for settings, record, shown, due in seen:
        changes = _unchanged_for(record or {}, shown, settings, now)
        if content is not None:
            content.append(changes)
        if horizon is not None:
            # A due provider whose refresher runs shows the same until that
            # refresher writes (which bumps the output cache's generation) or its
            # lock expires (it died: the next render must trigger again). So a
            # burst of renders after an interval ends is served from the output
            # cache instead of each rendering anew.
            until = now + store.lock_left(settings.key) if due else float((record or {}).get("next_at") or 0)
            horizon.append(min(changes, max(0.0, until - now)))
    return results


def _unchanged_for(record: dict, shown: ProviderResult, settings: ProviderSettings, now: float) -> float:
    moments = [float("inf")]
    if record.get("unconfigured") and record.get("watch"):
        moments.append(now + LOGIN_RECHECK)  # a cached "setup" line must not outlive a login by long
    if shown.fetched_at is not None and shown.status == "ok":
        moments.append(shown.fetched_at.timestamp() + float(record.get("stale_after") or 3 * settings.interval))
    moments += [w.resets_at.timestamp() for w in shown.windows if w.resets_at]
    if shown.cost and shown.cost.resets_at:
        moments.append(shown.cost.resets_at.timestamp())
    return max(0.0, min(moments) - now)


def refresh_now(
    store: Store, instances: list[ProviderSettings], *, on_demand: bool
) -> dict[str, str]:
    """Fetch in this process, honouring locks held elsewhere and any 429 wait."""
    report: dict[str, str] = {}
    mine: list[tuple[ProviderSettings, str]] = []
    waiting: list[ProviderSettings] = []
    now = time.time()
    for settings in instances:
        if settings.options.get(UNKNOWN_ACCOUNT):
            report[settings.key] = f"config: {settings.options[UNKNOWN_ACCOUNT]}"
            continue
        record = store.read(settings.key)
        floor = refresh.on_demand_floor(settings) if on_demand else 0.0
        if not refresh.is_due(record, now, on_demand=on_demand, floor=floor):
            report[settings.key] = _not_due_reason(record, now, floor)
            continue
        token = store.try_lock(settings.key, refresh.lock_ttl(settings))
        if token is None:
            waiting.append(settings)
        else:
            mine.append((settings, token))
    try:
        report.update(refresh.fetch_and_record(store, [s for s, _ in mine]))
    finally:
        for settings, token in mine:
            store.unlock(settings.key, token)
    for settings in waiting:
        report[settings.key] = _wait_for(store, settings)
    return report


def _not_due_reason(record: dict | None, now: float, floor: float = 0.0) -> str:
    not_before = float((record or {}).get("not_before") or 0)
    if not_before > now:
        return f"skipped: rate limited for {int(not_before - now)} s more"
    if refresh.debounced(record, now, floor):
        ago = now - float((record or {}).get("attempt_at") or 0)
        error = (record or {}).get("error") or {}
        shown = f"{error.get('kind')}: {error.get('message')}" if error else "ok"
        return (f"{shown} (fetched {ago:.0f} s ago, not fetched again: "
                f"one on-demand refresh per {floor:g} s, see refresh_debounce)")
    return "skipped: fresh"


def _wait_for(store: Store, settings: ProviderSettings) -> str:
    """Another process is fetching this one: wait for it rather than fetch twice."""
    deadline = time.monotonic() + settings.timeout + 2
    while time.monotonic() < deadline:
        if not store.locked(settings.key):
            record = store.read(settings.key) or {}
            error = record.get("error") or {}
            if error:
                return f"{error.get('kind')}: {error.get('message')} (fetched by another process)"
            return "ok (fetched by another process)"
        time.sleep(0.1)
    return "skipped: another refresh is still running"


def run_worker(config: Config, store: Store, claims: list[str]) -> None:
    """The detached ``_refresh`` process: fetch the instances whose locks we were handed."""
    owned: list[tuple[ProviderSettings, str]] = []
    for claim in claims:
        key, _, token = claim.partition("=")
        provider_id, _, instance = key.partition(":")
        owned.append((config.settings_for(provider_id, instance or None), token))
    try:
        report = refresh.fetch_and_record(store, [s for s, _ in owned])
        logs.debug("background refresh: %s", report)
    finally:
        for settings, token in owned:
            store.unlock(settings.key, token)
