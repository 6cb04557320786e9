"""Take before you fetch: one connection, a few hundred milliseconds at most.

For each due instance, read its retained record and claim. A record fetched by
another machine within this one's interval, or a 429 wait still running there,
is recorded here and nothing is fetched. Otherwise publish a short-lived claim:
the broker hands every subscriber a topic's messages in one order, so once our
own claim comes back we know whether someone else's came first. The loser waits
for the winner's record (or for the claim to end) instead of fetching.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmeter_bar import logs
from llmeter_bar.share import adopt, topics, wire

if TYPE_CHECKING:
    from llmeter_bar.providers.base import ProviderSettings
    from llmeter_bar.share.settings import Share
    from llmeter_bar.store.cache import Store

CLAIM_EXTRA = 5.0  # a claim outlives the fetch it announces by this much
# How long a machine waits for the claim holder's record. Not found by then: it
# fetches nothing this time (the holder is still at it; the next refresh takes
# its record), so the refresher stays inside its hard deadline (fetch/worker.py).
WAIT_CAP = 4.0


@dataclass(slots=True)
class Job:
    settings: ProviderSettings
    interval: float
    account: str | None  # None: a remote-only instance that takes the one account there is
    remote_only: bool = False
    take: bool = True  # [share] use_remote = false: never take, still claim
    local_at: float = 0.0  # fetched_at of the figures we hold
    records: dict[str, bytes] = field(default_factory=dict)
    claim: wire.Claim | None = None  # the first live claim seen on our claim topic
    nonce: str | None = None
    waiting_until: float = 0.0
    released: bool = False  # the claim we waited on was withdrawn without a record: fetch
    outcome: str | None = None  # a report line once decided; None: fetch

    @property
    def key(self) -> str:
        return self.settings.key


@dataclass(slots=True)
class Outcome:
    taken: dict[str, str] = field(default_factory=dict)  # key -> report line
    claimed: dict[str, str] = field(default_factory=dict)  # key -> claim topic, to clear after the fetch


def _remote(share: Share, store: Store, job: Job, topic: str, payload: bytes, now: float) -> wire.Remote | None:
    try:
        return wire.parse_record(payload, job.settings.id, now)
    except wire.Refused as exc:
        adopt.refused_once(store, topic, payload, str(exc))
        return None


async def run(share: Share, store: Store, jobs: list[Job]) -> Outcome:
    from llmeter_bar.share import client as mqtt

    outcome = Outcome()
    nonce = os.urandom(6).hex()
    sync_topic = topics.sync(share, nonce)
    marker = os.urandom(8).hex().encode()
    by_record: dict[str, Job] = {}
    by_claim: dict[str, Job] = {}
    subscriptions: list[str] = []
    for job in jobs:
        if job.account is None:
            subscriptions.append(topics.any_account(share, job.settings.id))
            continue
        rec, claim = topics.record(share, job.account, job.settings.id), topics.claim(share, job.account, job.settings.id)
        by_record[rec], by_claim[claim] = job, job
        subscriptions.append(rec)
        if not job.remote_only:
            subscriptions.append(claim)
    async with mqtt.connected(share) as client:
        await asyncio.wait_for(client.subscribe([(t, mqtt.QOS) for t in [*subscriptions, sync_topic]]),
                               share.deadline)
        await client.publish(sync_topic, marker, qos=mqtt.QOS)
        messages = client.messages.__aiter__()
        synced = False
        phase_end = time.monotonic() + share.deadline

        def route(topic: str, payload: bytes) -> None:
            now = time.time()
            job = by_record.get(topic)
            if job is None and topic not in by_claim:
                parts = topics.split(share, topic)
                job = next((j for j in jobs if j.account is None and parts and parts[1] == j.settings.id
                            and parts[2] == "record"), None)
            if job is not None:
                if payload:
                    job.records[topic] = payload
                else:
                    job.records.pop(topic, None)
                if synced and job.waiting_until and job.outcome is None:
                    remote = _remote(share, store, job, topic, payload, now) if payload else None
                    if remote is not None and remote.fetched_at > job.local_at:
                        job.outcome = adopt.record(store, job.settings, remote, job.interval, now)
                        outcome.taken[job.key] = job.outcome
                return
            job = by_claim[topic]
            seen = wire.parse_claim(payload, now)
            if seen is not None and not synced and seen.machine == share.machine:
                seen = None  # our own earlier claim: this machine's lock already serialises us
            if not synced:
                job.claim = seen
            elif job.nonce is not None and job.claim is None and seen is not None:
                job.claim = seen  # the first claim after ours was sent: whoever it is came first
            elif job.waiting_until and seen is None and job.outcome is None:
                job.waiting_until, job.released = time.monotonic(), True  # the holder gave up: fetch

        async def next_message(until: float) -> tuple[str, bytes] | None:
            left = until - time.monotonic()
            if left <= 0:
                return None
            try:
                message = await asyncio.wait_for(messages.__anext__(), left)
            except (asyncio.TimeoutError, StopAsyncIteration):
                return None
            payload = message.payload if isinstance(message.payload, bytes) else str(message.payload or "").encode()
            return str(message.topic), payload

        while not synced:
            got = await next_message(phase_end)
            if got is None:
                raise asyncio.TimeoutError()
            if got[0] == sync_topic:
                synced = got[1] == marker
                continue
            route(*got)

        now = time.time()
        for job in jobs:
            decide(share, store, job, now, outcome)
        claims = [job for job in jobs if job.outcome is None and job.nonce is not None]
        for job in claims:
            until = now + job.settings.timeout + CLAIM_EXTRA
            topic = topics.claim(share, job.account or "", job.settings.id)
            await mqtt.publish(client, topic, wire.claim(share.machine, job.nonce or "", until),
                               expires=until - now)
            outcome.claimed[job.key] = topic
        echo_end = time.monotonic() + share.deadline
        while any(j.claim is None for j in claims) or any(j.waiting_until > time.monotonic() and j.outcome is None
                                                          for j in jobs):
            waits = [j.waiting_until for j in jobs if j.waiting_until and j.outcome is None]
            pending = [echo_end] if any(j.claim is None for j in claims) else []
            got = await next_message(max(pending + waits) if pending + waits else 0)
            if got is None:
                break
            if got[0] != sync_topic:
                route(*got)
            for job in claims:
                if job.take and job.claim is not None and job.claim.nonce != job.nonce and not job.waiting_until:
                    # Someone else's claim came first: wait for their record instead.
                    job.waiting_until = time.monotonic() + min(job.claim.until - time.time(), WAIT_CAP)
                    logs.debug("%s: %s fetches it; waiting", job.key, job.claim.machine)
    for job in jobs:
        if job.waiting_until and job.outcome is None and not job.released and job.claim is not None:
            job.outcome = f"skipped: {job.claim.machine} is fetching it"
            outcome.taken[job.key] = job.outcome
    for job in claims:
        if job.outcome is not None:
            # We lost the race and took the winner's record: the winner clears the
            # claim topic (after our claim, so nothing of ours stays behind).
            outcome.claimed.pop(job.key, None)
    return outcome


def decide(share: Share, store: Store, job: Job, now: float, outcome: Outcome) -> None:
    """Take a record, wait for a claim holder, or mark the job for a claim of its own."""
    candidates = []
    for topic, payload in job.records.items():
        remote = _remote(share, store, job, topic, payload, now)
        if remote is not None:
            candidates.append(remote)
    if job.account is None and len({t for t in job.records}) > 1:
        job.outcome = adopt.problem(store, job.settings, job.interval, now,
                                    "several accounts share this provider: set share_account "
                                    "(see `llmeter-bar share status`)")
        outcome.taken[job.key] = job.outcome
        return
    remote = max(candidates, key=lambda r: r.fetched_at) if candidates else None
    if job.remote_only:
        if remote is not None:
            job.outcome = adopt.record(store, job.settings, remote, job.interval, now)
        else:
            job.outcome = adopt.problem(store, job.settings, job.interval, now,
                                        "no machine has shared it yet", kind="unavailable")
        outcome.taken[job.key] = job.outcome
        return
    if remote is not None and job.take and remote.machine != share.machine:
        waiting = remote.not_before > now
        fresh = now - remote.fetched_at < job.interval and remote.fetched_at >= job.local_at
        if waiting or fresh:
            job.outcome = adopt.record(store, job.settings, remote, job.interval, now)
            outcome.taken[job.key] = job.outcome
            return
    if job.claim is not None and job.take:
        job.waiting_until = time.monotonic() + min(job.claim.until - now, WAIT_CAP)
        return
    if share.publish:
        job.nonce = os.urandom(8).hex()  # a machine that will not publish never claims: nobody would get a record
