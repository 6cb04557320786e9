"""Home Assistant MQTT discovery: one device per machine and provider.

Entities read the shared record topic (the account's latest figures, whoever
fetched them) with value templates: per window its % used and its reset time (a
timestamp sensor), the spend when there is one, and the status. Availability
is the machine's own topic: "online" after a publish, "offline" from the MQTT
last will when a watcher's connection dies; ``expire_after`` makes the figures
unavailable when nobody has published for three intervals.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from llmeter_bar import __version__
from llmeter_bar.share import client as mqtt
from llmeter_bar.share import topics

if TYPE_CHECKING:
    import aiomqtt

    from llmeter_bar.share.publish import Item
    from llmeter_bar.share.settings import Share
    from llmeter_bar.store.cache import Store

PREFIX = "homeassistant"
ONLINE, OFFLINE = "online", "offline"
_SLUG = re.compile(r"[^a-z0-9_]+")


def slug(text: str) -> str:
    return _SLUG.sub("_", text.lower()).strip("_")[:48] or "x"


def _window_template(window_id: str, field: str) -> str:
    # A window id goes inside a Jinja string literal: slug characters only.
    return ("{% set w = value_json.windows | selectattr('id', 'eq', '" + slug(window_id) + "') | list %}"
            "{{ w[0]." + field + " if w and w[0]." + field + " is not none else none }}")


def configs(share: Share, item: Item, record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Discovery topic -> config payload for one provider instance."""
    result = record.get("result") or {}
    provider = item.settings.id
    node = f"llmeter_{slug(share.machine)}_{slug(item.settings.key)}"
    name = str(result.get("name") or provider)
    device = {
        "identifiers": [node],
        "name": f"{name} ({share.machine})" + (f" {item.settings.instance}" if item.settings.instance else ""),
        "manufacturer": "llmeter-bar",
        "model": name,
        "sw_version": __version__,
    }
    common = {
        "state_topic": topics.record(share, item.account, provider),
        "availability": [{"topic": topics.availability(share), "payload_available": ONLINE,
                          "payload_not_available": OFFLINE}],
        "device": device,
        "expire_after": int(max(60, 3 * item.interval)),
        "qos": mqtt.QOS,
    }
    found: dict[str, dict[str, Any]] = {}

    def add(object_id: str, **fields: Any) -> None:
        unique = f"{node}_{object_id}"
        found[f"{PREFIX}/sensor/{node}/{object_id}/config"] = {**common, "unique_id": unique, **fields}

    for window in result.get("windows") or []:
        wid = slug(str(window.get("id") or "window"))
        label = str(window.get("label") or wid)[:40]
        add(f"{wid}_used", name=f"{label} used", unit_of_measurement="%", state_class="measurement",
            value_template=_window_template(wid, "used_percent"), icon="mdi:gauge")
        add(f"{wid}_resets", name=f"{label} resets", device_class="timestamp",
            value_template=_window_template(wid, "resets_at"))
    cost = result.get("cost")
    if cost:
        add("spend", name="Spend", device_class="monetary", state_class="total",
            unit_of_measurement=str(cost.get("currency") or "USD")[:8],
            value_template="{{ value_json.cost.used if value_json.cost else none }}")
    add("status", name="Status", value_template="{{ value_json.status }}", icon="mdi:list-status",
        json_attributes_topic=common["state_topic"],
        json_attributes_template="{{ {'machine': value_json.machine, 'fetched_at': value_json.fetched_at,"
                                 " 'plan': value_json.plan} | tojson }}")
    return found


async def announce(client: aiomqtt.Client, share: Share, store: Store, item: Item, record: dict[str, Any]) -> None:
    """Publish the discovery configs when they changed since we last did, and "online"."""
    found = configs(share, item, record)
    digest = json.dumps(found, sort_keys=True)
    memory = f"share:ha:{item.settings.key}"
    if store.get_value(memory) != digest:
        previous = store.get_value(memory + ":topics") or []
        for topic in previous:
            if topic not in found:
                await mqtt.publish(client, topic, b"")  # a window that went away
        for topic, config in found.items():
            await mqtt.publish(client, topic, json.dumps(config, separators=(",", ":")).encode())
        store.set_value(memory, digest)
        store.set_value(memory + ":topics", sorted(found))
    await mqtt.publish(client, topics.availability(share), ONLINE.encode())
