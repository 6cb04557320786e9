"""What a Codex answer says beyond its windows: why the account is blocked,
its credits balance, and its banked reset credits.

Shared by the usage API's parser (:mod:`codex_parse`) and the session logs
(:mod:`codex_logs`), which carry the same ``rate_limit_reached_type`` and
``credits`` objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from llmeter_bar.models import Credits, Extra, Window
from llmeter_bar.providers._parse import as_dict, as_list, parse_time, to_float, to_int, to_str


def reached_reason(value: Any) -> str | None:
    """The reason of ``rate_limit_reached_type``: a string, or an object's type/kind/name."""
    text = to_str(value)
    if text:
        return text[:80]
    data = as_dict(value)
    for key in ("type", "kind", "name", "reason", "code"):
        text = to_str(data.get(key))
        if text:
            return text[:80]
    return "limit_reached" if data else None


def blocked_window(reason: str) -> Window:
    return Window(id="blocked", label=f"blocked ({reason})", used_percent=100.0, scope=reason)


def credits_of(value: Any) -> Credits | None:
    balance = to_float(as_dict(value).get("balance"))
    return Credits(balance=balance, currency=None, label="credits") if balance is not None else None


def reset_credits(payload: Any, now: datetime | None = None) -> Extra | None:
    """Banked resets from ``/wham/rate-limit-reset-credits``: count and earliest expiry.

    The count is ``available_count`` (a negative one is invalid: None); the
    expiry is the earliest of the ``available`` credits that have not expired
    at ``now`` (redeemed, consumed and unknown statuses are ignored).
    """
    data = as_dict(payload)
    items = [as_dict(c) for c in as_list(data.get("credits")) if isinstance(c, dict)]
    live = [c for c in items if to_str(c.get("status")) in (None, "available")]
    count = to_int(data.get("available_count"))
    if count is not None and count < 0:
        return None
    if count is None and not items:
        return None
    expiries = [t for t in (parse_time(c.get("expires_at")) for c in live)
                if t is not None and (now is None or t > now)]
    return Extra(id="reset_credits", label="banked resets", value=float(len(live) if count is None else count),
                 unit="count", expires_at=min(expiries) if expiries else None)
