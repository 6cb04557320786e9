"""Topic names: ``<topic>/v1/<account key>/<provider>`` and what hangs off it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmeter_bar.share.settings import Share

VERSION = "v1"


def record(share: Share, account: str, provider_id: str) -> str:
    return f"{share.topic}/{VERSION}/{account}/{provider_id}"


def claim(share: Share, account: str, provider_id: str) -> str:
    return f"{share.topic}/{VERSION}/{account}/{provider_id}/claim"


def any_account(share: Share, provider_id: str) -> str:
    return f"{share.topic}/{VERSION}/+/{provider_id}"


def everything(share: Share) -> str:
    return f"{share.topic}/{VERSION}/#"


def sync(share: Share, nonce: str) -> str:
    return f"{share.topic}/{VERSION}/_sync/{share.machine}-{nonce}"


def availability(share: Share) -> str:
    return f"{share.topic}/{VERSION}/_machines/{share.machine}/availability"


def split(share: Share, topic: str) -> tuple[str, str, str] | None:
    """(account, provider, "record" | "claim") of a topic under ours, else None."""
    prefix = f"{share.topic}/{VERSION}/"
    if not topic.startswith(prefix):
        return None
    parts = topic[len(prefix):].split("/")
    if parts[0].startswith("_"):
        return None
    if len(parts) == 2:
        return parts[0], parts[1], "record"
    if len(parts) == 3 and parts[2] == "claim":
        return parts[0], parts[1], "claim"
    return None
