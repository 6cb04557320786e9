"""``--watch`` and the broker: a subscription that records what another machine
publishes and wakes the watcher at once, with no polling.

Runs in a daemon thread of the watcher (its own asyncio loop), started only when
``[share]`` names a broker and ``use_remote`` is on; it reconnects with a growing
pause when the broker goes away and dies with the watcher. The MQTT last will
marks this machine offline for Home Assistant when the connection is lost.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import TYPE_CHECKING

from llmeter_bar import logs

if TYPE_CHECKING:
    from llmeter_bar.providers.base import ProviderSettings
    from llmeter_bar.share.settings import Share
    from llmeter_bar.store.cache import Store

RETRY_FIRST, RETRY_MAX = 2.0, 60.0


def start(wanted: list[str] | None) -> threading.Thread | None:
    """Start listening for the instances this watcher shows; None when sharing is off."""
    try:
        from llmeter_bar.config import load

        config = load()
        section = config.section("share")
        if not section.get("broker") or section.get("use_remote") is False:
            return None
    except Exception:
        return None
    thread = threading.Thread(target=_run, args=(wanted,), name="llmeter-share", daemon=True)
    thread.start()
    return thread


def _run(wanted: list[str] | None) -> None:
    import asyncio

    from llmeter_bar.config import load
    from llmeter_bar.fetch import engine
    from llmeter_bar.share import settings as share_settings
    from llmeter_bar.store.cache import Store

    pause = RETRY_FIRST
    while True:
        store = None
        try:
            config = load()
            share = share_settings.load(config)
            if share is None:
                return
            store = Store()
            instances = engine.select(config, store, wanted or None)
            asyncio.run(_listen(share, store, instances))
            pause = RETRY_FIRST
        except Exception as exc:
            logs.info("share: watcher subscription ended (%s); again in %.0f s", getattr(exc, "message", exc), pause)
        finally:
            if store is not None:
                store.close()
        time.sleep(pause)
        pause = min(pause * 2, RETRY_MAX)


async def _listen(share: Share, store: Store, instances: list[ProviderSettings]) -> None:
    import aiomqtt

    from llmeter_bar.share import client as mqtt
    from llmeter_bar.share import homeassistant, identity, topics
    from llmeter_bar.share.hooks import _interval

    by_topic: dict[str, ProviderSettings] = {}
    wildcards: dict[str, ProviderSettings] = {}
    for settings in instances:
        account = identity.account_key(share, settings, store)
        if account is not None:
            by_topic[topics.record(share, account, settings.id)] = settings
        elif _remote_only(settings):
            wildcards[settings.id] = settings
    if not by_topic and not wildcards:
        return
    subscriptions = [*by_topic, *(topics.any_account(share, p) for p in wildcards)]
    will = aiomqtt.Will(topics.availability(share), homeassistant.OFFLINE.encode(), qos=mqtt.QOS, retain=True)
    async with mqtt.connected(share, will=will if share.home_assistant else None) as client:
        await client.subscribe([(t, mqtt.QOS) for t in subscriptions])
        if share.home_assistant:
            await mqtt.publish(client, topics.availability(share), homeassistant.ONLINE.encode())
        async for message in client.messages:
            topic = str(message.topic)
            settings = by_topic.get(topic)
            if settings is None:
                parts = topics.split(share, topic)
                settings = wildcards.get(parts[1]) if parts else None
            payload = message.payload if isinstance(message.payload, bytes) else b""
            if settings is None or not payload:
                continue
            if _consider(share, store, settings, topic, payload, _interval(settings)):
                _wake()


def _remote_only(settings: ProviderSettings) -> bool:
    from llmeter_bar.share.settings import remote_only

    return remote_only(settings.options)


def _consider(share: Share, store: Store, settings: ProviderSettings, topic: str, payload: bytes,
              interval: float) -> bool:
    """Record a newer record (or a new 429 wait) from another machine; True when recorded."""
    from llmeter_bar.share import adopt, wire
    from llmeter_bar.share.hooks import _local_at

    now = time.time()
    try:
        remote = wire.parse_record(payload, settings.id, now)
    except wire.Refused as exc:
        adopt.refused_once(store, topic, payload, str(exc))
        return False
    if remote.machine == share.machine:
        return False
    record = store.read(settings.key) or {}
    newer = remote.fetched_at > _local_at(store, settings.key)
    new_wait = remote.not_before > max(now, float(record.get("not_before") or 0))
    if not (newer or new_wait):
        return False
    adopt.record(store, settings, remote, interval, now)
    return True


def _wake() -> None:
    from llmeter_bar.live import watchers

    try:
        os.kill(os.getpid(), signal.SIGUSR2)  # our own watcher: re-read the cache now
    except OSError:
        pass
    watchers.notify()  # and the other watchers of this machine
