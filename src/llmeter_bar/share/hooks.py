"""What fetch/ calls: ``take`` before fetching, ``publish`` after recording,
``after_ingest`` when Claude Code's status line handed figures in.

None of them raises, and without ``[share]`` they return at once. A broker that
is down, slow, refuses us or fails TLS costs at most its deadline: the local
fetch goes on, and the broker's state is kept for ``doctor`` and ``share status``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from llmeter_bar import logs
from llmeter_bar.share import settings as share_settings

if TYPE_CHECKING:
    from llmeter_bar.config import Config
    from llmeter_bar.providers.base import ProviderSettings
    from llmeter_bar.share.settings import Share
    from llmeter_bar.store.cache import Store

STATE = "share:broker"
INGEST_GAP = 30.0  # at most one publish of status-line figures per this many seconds

# Claims this process published, cleared after its fetch: key -> claim topic.
_claimed: dict[str, str] = {}


def remember(store: Store, ok: bool, kind: str = "", message: str = "", hint: str = "") -> None:
    try:
        store.set_value(STATE, {"ok": ok, "kind": kind, "message": message, "hint": hint, "at": time.time()})
    except Exception:
        pass


def _interval(settings: ProviderSettings) -> float:
    from llmeter_bar.fetch import refresh
    from llmeter_bar import providers as registry

    try:
        provider = registry.load(settings.id, settings.options)
    except Exception:
        provider = None
    return refresh.effective_interval(provider, settings)


def _local_at(store: Store, key: str) -> float:
    from llmeter_bar.models import _parse_iso

    try:
        held = _parse_iso(((store.read(key) or {}).get("result") or {}).get("fetched_at"))
    except ValueError:
        held = None
    return held.timestamp() if held else 0.0


def take(store: Store, instances: list[ProviderSettings]) -> dict[str, str]:
    """Instances recorded from the broker (fresh figures or a running 429 wait
    from another machine, and every remote-only instance): key -> report line."""
    try:
        return _take(store, instances)
    except Exception:
        logs.exception("share: taking records failed")
        return {}


def _take(store: Store, instances: list[ProviderSettings]) -> dict[str, str]:
    from llmeter_bar.share import exchange, identity
    from llmeter_bar.share.client import BrokerError

    remote_only = [s for s in instances if share_settings.remote_only(s.options)]
    if not remote_only and not _configured():
        return {}
    share = share_settings.load_quietly()
    now = time.time()
    if share is None:
        from llmeter_bar.share import adopt

        return {s.key: adopt.problem(store, s, s.interval, now, 'source = "share" needs a broker in [share]')
                for s in remote_only}
    jobs = []
    for settings in instances:
        only = settings in remote_only
        if not only and not share.use_remote and not share.publish:
            continue
        account = identity.account_key(share, settings, store)
        if account is None and not only:
            logs.debug("%s: not shared (no account id and no share_as)", settings.key)
            continue
        job = exchange.Job(settings, _interval(settings), account, remote_only=only,
                           local_at=_local_at(store, settings.key))
        job.take = only or share.use_remote  # without use_remote: still claim, so that others take from us
        jobs.append(job)
    if not jobs:
        return {}
    import asyncio

    bound = share.deadline * 3 + 0.5 + exchange.WAIT_CAP  # inside the refresher's hard deadline
    try:
        outcome = asyncio.run(asyncio.wait_for(exchange.run(share, store, jobs), bound))
    except BrokerError as exc:
        return _broker_failed(store, share, exc, [j for j in jobs if j.remote_only])
    except (asyncio.TimeoutError, TimeoutError):
        from llmeter_bar.share.client import classify

        return _broker_failed(store, share, classify(TimeoutError(), share), [j for j in jobs if j.remote_only])
    remember(store, True)
    _claimed.update(outcome.claimed)
    return outcome.taken


def _broker_failed(store: Store, share: Share, exc: object, remote_only: list) -> dict[str, str]:
    from llmeter_bar.share import adopt

    kind, message, hint = getattr(exc, "kind", "error"), getattr(exc, "message", str(exc)), getattr(exc, "hint", "")
    logs.info("share: %s (%s); fetching locally", message, kind)
    remember(store, False, kind, message, hint)
    now = time.time()
    return {j.key: adopt.problem(store, j.settings, j.interval, now, f"broker: {message}", kind="network")
            for j in remote_only}


def _configured() -> bool:
    try:
        from llmeter_bar.config import load

        return bool(load().section("share").get("broker"))
    except Exception:
        return False


def publish(store: Store, instances: list[ProviderSettings], config: Config | None = None) -> None:
    """Publish the records of instances this process just fetched; clear its claims."""
    try:
        _publish(store, instances, config)
    except Exception:
        logs.exception("share: publishing failed")
    finally:
        for settings in instances:
            _claimed.pop(settings.key, None)


def _publish(store: Store, instances: list[ProviderSettings], config: Config | None) -> None:
    from llmeter_bar.share import identity
    from llmeter_bar.share import publish as publisher
    from llmeter_bar.share.client import BrokerError

    claimed = {s.key: _claimed.get(s.key) for s in instances}
    if not any(claimed.values()) and not _configured():
        return
    share = share_settings.load_quietly(config)
    if share is None or not (share.publish or any(claimed.values())):
        return
    items = []
    for settings in instances:
        if share_settings.remote_only(settings.options):
            continue
        account = identity.account_key(share, settings, store)
        if account is not None:
            items.append(publisher.Item(settings, account, claimed.get(settings.key), _interval(settings)))
    if not items:
        return
    import asyncio

    try:
        sent = asyncio.run(asyncio.wait_for(publisher.run(share, store, items), share.deadline + 1.5))
        logs.debug("share: published %d record(s)", sent)
        remember(store, True)
    except BrokerError as exc:
        logs.info("share: not published: %s", exc.message)
        remember(store, False, exc.kind, exc.message, exc.hint)
    except (asyncio.TimeoutError, TimeoutError):
        logs.info("share: not published: the broker is slow")
        remember(store, False, "slow", f"{share.shown_url} did not answer in time", "check the broker")


def after_ingest(store: Store, config: Config, settings: ProviderSettings) -> None:
    """Status-line figures came in (a render): publish them from a detached process, rarely."""
    try:
        if not config.section("share").get("broker") or config.section("share").get("publish") is False:
            return
        if not store.cache.add("share:ingest:" + settings.key, 1, expire=INGEST_GAP):
            return
        import subprocess
        import sys

        subprocess.Popen([sys.executable, "-m", "llmeter_bar", "_share-publish", settings.key],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True)
    except Exception:
        logs.exception("share: could not start publishing the status line's figures")


def main(args: list[str]) -> int:
    """The detached ``_share-publish KEY...`` process."""
    from llmeter_bar.config import load
    from llmeter_bar.store.cache import Store

    try:
        config = load()
        store = Store()
    except Exception:
        logs.exception("share: publisher could not start")
        return 0
    try:
        instances = []
        for key in args:
            provider_id, _, instance = key.partition(":")
            instances.append(config.settings_for(provider_id, instance or None))
        publish(store, instances, config)
    finally:
        store.close()
    return 0
