"""The broker connection: the only module that imports aiomqtt (on paho-mqtt).

Every operation runs under a deadline, and every failure becomes a
:class:`BrokerError` with a kind (down, tls, auth, slow, error) and the fix, so
callers can go on without the broker and ``doctor`` can say what is wrong.
MQTT 5 is used for the claims' message expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from llmeter_bar import logs

if TYPE_CHECKING:
    import aiomqtt

    from llmeter_bar.share.settings import Share

QOS = 1
KEEPALIVE = 30


class BrokerError(Exception):
    def __init__(self, kind: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint


def _tls(share: Share) -> ssl.SSLContext | None:
    if not share.tls:
        return None
    context = ssl.create_default_context(cafile=str(share.ca_file) if share.ca_file else None)
    return context


def classify(exc: BaseException, share: Share) -> BrokerError:
    """One broker failure, in words a user can act on (never the password)."""
    from aiomqtt.exceptions import MqttConnectError

    where = share.shown_url
    text = logs.redact(str(exc))
    chain = [exc, exc.__cause__, exc.__context__]
    if any(isinstance(e, ssl.SSLError) for e in chain) or "certificate" in text.lower() or "ssl" in text.lower():
        hint = f"check share.ca_file ({share.ca_file})" if share.ca_file else "set share.ca_file to the CA that signed the broker's certificate"
        return BrokerError("tls", f"TLS with {where} failed: {text}", hint)
    if share.tls and ("reset by peer" in text.lower() or "eof" in text.lower()):
        return BrokerError("tls", f"{where} dropped the TLS handshake: {text}",
                           "is that port a TLS listener? mqtts:// is usually port 8883, mqtt:// port 1883")
    if isinstance(exc, MqttConnectError) or "not authori" in text.lower() or "bad user" in text.lower():
        return BrokerError("auth", f"{where} refused the login: {text}",
                           "check the user in share.broker and the password (LLMETER_BAR_SHARE_PASSWORD "
                           "or `llmeter-bar login share`)")
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)) or "timed out" in text.lower():
        return BrokerError("slow", f"{where} did not answer within {share.deadline:g} s",
                           "check that the broker is running and reachable; share.timeout allows more time")
    if "refused" in text.lower() or "unreachable" in text.lower() or "name or service" in text.lower() \
            or isinstance(exc, OSError):
        return BrokerError("down", f"cannot reach {where}: {text}",
                           "start the broker, or fix the host and port in share.broker")
    return BrokerError("error", f"{where}: {text}",
                       "check that share.broker names an MQTT listener (scheme, host and port)")


def _logger() -> Any:
    """paho's and aiomqtt's messages into our log file (redacted), never on stderr:
    a watcher's stderr is bar text for polybar."""
    import logging

    child = logs.logger().getChild("mqtt")
    child.setLevel(logging.WARNING)
    return child


def make(share: Share, *, will: Any = None, identifier: str | None = None) -> aiomqtt.Client:
    import aiomqtt

    client = aiomqtt.Client(
        share.host,
        share.port,
        logger=_logger(),
        username=share.username,
        password=share.password,
        identifier=identifier or f"llmeter-{share.machine}-{os.getpid()}-{os.urandom(3).hex()}",
        protocol=aiomqtt.ProtocolVersion.V5,
        tls_context=_tls(share),
        will=will,
        timeout=share.deadline,
        keepalive=KEEPALIVE,
    )
    # paho connects (and does the TLS handshake) in a thread that asyncio.run
    # waits for on exit: bound it like the rest.
    client._client.connect_timeout = max(0.5, share.deadline)  # noqa: SLF001
    return client


@contextlib.asynccontextmanager
async def connected(share: Share, *, will: Any = None) -> AsyncIterator[aiomqtt.Client]:
    """A connected client, or BrokerError within the deadline."""
    client = make(share, will=will)
    try:
        await asyncio.wait_for(client.__aenter__(), timeout=share.deadline + 0.5)
    except asyncio.CancelledError:
        raise
    except BaseException as exc:
        raise classify(exc, share) from None
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.__aexit__(None, None, None), timeout=1.0)


def expiry(seconds: float) -> Any:
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    properties = Properties(PacketTypes.PUBLISH)
    properties.MessageExpiryInterval = max(1, int(seconds))
    return properties


async def publish(client: aiomqtt.Client, topic: str, payload: bytes, *, retain: bool = True,
                  expires: float | None = None) -> None:
    await client.publish(topic, payload, qos=QOS, retain=retain,
                         properties=expiry(expires) if expires else None)


async def retained(client: aiomqtt.Client, topics: list[str], sync_topic: str,
                   deadline: float) -> dict[str, bytes]:
    """Every retained message on ``topics`` (wildcards allowed), within ``deadline``.

    MQTT never says "no retained message", so we subscribe, then publish to a
    private topic: the broker delivers to one subscriber in order, so once our
    own message comes back every retained one has arrived.
    """
    found: dict[str, bytes] = {}
    marker = os.urandom(8).hex().encode()

    async def gather() -> None:
        await client.subscribe([(t, QOS) for t in [*topics, sync_topic]])
        await client.publish(sync_topic, marker, qos=QOS, retain=False)
        async for message in client.messages:
            topic = str(message.topic)
            payload = message.payload if isinstance(message.payload, bytes) else str(message.payload or "").encode()
            if topic == sync_topic:
                if payload == marker:
                    return
                continue
            if payload:
                found[topic] = payload
            else:
                found.pop(topic, None)

    try:
        await asyncio.wait_for(gather(), timeout=deadline)
    except asyncio.TimeoutError:
        logs.info("share: retained messages incomplete after %.1f s", deadline)
    return found
