"""``share status``, ``share forget`` and doctor's broker probe.

Status lists the broker, this machine's account keys (never the ids behind
them) and, per retained record, which machine last fetched it and when.
Forget removes what this machine left on the broker: the records it published
last, its claims, its Home Assistant discovery configs and availability.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmeter_bar.share import client as mqtt
from llmeter_bar.share import homeassistant, topics, wire

if TYPE_CHECKING:
    from llmeter_bar.share.settings import Share

WAIT = 3.0


@dataclass(slots=True)
class Seen:
    account: str
    provider: str
    machine: str
    fetched_at: float
    waiting_until: float = 0.0


@dataclass(slots=True)
class Snapshot:
    records: list[Seen] = field(default_factory=list)
    refused: int = 0
    topics: dict[str, bytes] = field(default_factory=dict)


async def _read(share: Share, patterns: list[str]) -> dict[str, bytes]:
    async with mqtt.connected(share) as client:
        import os

        return await mqtt.retained(client, patterns, topics.sync(share, os.urandom(4).hex()),
                                   max(WAIT, share.deadline))


def snapshot(share: Share) -> Snapshot:
    """Every retained record under our topic (raises BrokerError)."""
    found = asyncio.run(_read(share, [topics.everything(share)]))
    snap = Snapshot(topics=found)
    now = time.time()
    for topic, payload in sorted(found.items()):
        parts = topics.split(share, topic)
        if parts is None or parts[2] != "record":
            continue
        try:
            remote = wire.parse_record(payload, parts[1], now)
        except wire.Refused:
            snap.refused += 1
            continue
        snap.records.append(Seen(parts[0], parts[1], remote.machine, remote.fetched_at, remote.not_before))
    return snap


def probe(share: Share) -> mqtt.BrokerError | None:
    """None when the broker lets us in and answers within the deadline."""

    async def go() -> None:
        async with mqtt.connected(share) as client:
            import os

            await mqtt.retained(client, [], topics.sync(share, os.urandom(4).hex()), share.deadline + 1)

    try:
        asyncio.run(asyncio.wait_for(go(), share.deadline * 2 + 2))
    except mqtt.BrokerError as exc:
        return exc
    except (asyncio.TimeoutError, TimeoutError) as exc:
        return mqtt.classify(exc, share)
    return None


def mine(share: Share, found: dict[str, bytes]) -> list[str]:
    """Retained topics this machine is responsible for."""
    ours = []
    availability = topics.availability(share)
    for topic, payload in found.items():
        if topic == availability:
            ours.append(topic)
            continue
        try:
            data = json.loads(payload)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        if topic.startswith(f"{homeassistant.PREFIX}/"):
            # A discovery config is ours when it follows our availability topic
            # (names alone could not tell "lap" from "lap_top").
            mine_too = any(isinstance(a, dict) and a.get("topic") == availability
                           for a in data.get("availability") or [])
        else:
            mine_too = topics.split(share, topic) is not None and data.get("machine") == share.machine
        if mine_too:
            ours.append(topic)
    return sorted(ours)


def forget(share: Share) -> list[str]:
    """Remove this machine's retained messages; the topics cleared (raises BrokerError)."""

    async def go() -> list[str]:
        import os

        async with mqtt.connected(share) as client:
            found = await mqtt.retained(client, [topics.everything(share), f"{homeassistant.PREFIX}/sensor/#"],
                                        topics.sync(share, os.urandom(4).hex()), max(WAIT, share.deadline))
            cleared = mine(share, found)
            for topic in cleared:
                await mqtt.publish(client, topic, b"")
            return cleared

    return asyncio.run(go())
