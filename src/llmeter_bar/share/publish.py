"""After a fetch: publish what this machine fetched, clear its claims.

Published: good figures this machine fetched itself (never ones it took from
another machine, which would bounce them back and forth), and a 429 wait,
whoever fetched the figures it carries. Other failures publish nothing: the
figures already there stay (and age), and the cleared claim tells waiting
machines to fetch for themselves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmeter_bar.share import client as mqtt
from llmeter_bar.share import topics, wire

if TYPE_CHECKING:
    from llmeter_bar.providers.base import ProviderSettings
    from llmeter_bar.share.settings import Share
    from llmeter_bar.store.cache import Store


@dataclass(slots=True)
class Item:
    settings: ProviderSettings
    account: str
    claim_topic: str | None = None
    interval: float = 300.0


def payload_for(share: Share, settings: ProviderSettings, record: dict[str, Any] | None,
                now: float) -> bytes | None:
    """The message to publish for this record, or None when there is nothing of ours to share."""
    record = record or {}
    result = record.get("result")
    error = record.get("error")
    not_before = float(record.get("not_before") or 0)
    if error and error.get("kind") == "rate_limit" and not_before > now:
        base = result or {"id": settings.id, "name": settings.id, "windows": [], "fetched_at": None}
        return wire.record(base, share.machine, not_before, error)
    if error or not result or str(result.get("source") or "").startswith("share:"):
        return None
    if float(record.get("error_at") or 0) > 0:
        return None
    return wire.record(result, share.machine, 0.0, None)


async def run(share: Share, store: Store, items: list[Item]) -> int:
    """Publish the items; the number of records published."""
    from llmeter_bar.share import homeassistant

    sent = 0
    now = time.time()
    async with mqtt.connected(share) as client:
        for item in items:
            record = store.read(item.settings.key)
            payload = payload_for(share, item.settings, record, now) if share.publish else None
            if payload is not None:
                await mqtt.publish(client, topics.record(share, item.account, item.settings.id), payload)
                sent += 1
                if share.home_assistant:
                    await homeassistant.announce(client, share, store, item, record or {})
            if item.claim_topic:
                await mqtt.publish(client, item.claim_topic, b"")  # an empty retained message removes it
    return sent
