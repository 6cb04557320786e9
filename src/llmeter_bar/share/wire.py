"""What goes on the broker, and the checks on what comes back from it.

A record is the provider entry of ``--format json`` (the account e-mail and the
local instance name removed) plus ``machine`` and, during a 429 wait,
``not_before``. Anyone who can publish on the broker can write these topics, so
a received message is hostile until checked: bounded size, strict JSON (no NaN),
the right provider, sane times, every string cut short and stripped of control
and bidi characters. The bar then escapes it like any provider text.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from llmeter_bar.models import ERROR_KINDS, ProviderResult, _iso, _parse_iso

SCHEMA = 1
MAX_BYTES = 64 * 1024
MAX_WINDOWS = 24
MAX_TEXT = 80
CLOCK_SLACK = 120.0  # a record "from the future" beyond this is refused
MAX_WAIT = 3600.0  # a shared 429 wait never holds longer than our own back-off cap
MAX_CLAIM = 60.0
_MACHINE = re.compile(r"[^A-Za-z0-9_.\-]+")  # as settings.machine_name: it ends up in "share:<machine>"
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


class Refused(ValueError):
    """A message that is not a record we would show."""


@dataclass(slots=True)
class Remote:
    machine: str
    result: ProviderResult
    fetched_at: float
    not_before: float = 0.0
    error: dict[str, Any] | None = None


@dataclass(slots=True)
class Claim:
    machine: str
    nonce: str
    until: float


def record(result: dict[str, Any], machine: str, not_before: float, error: dict[str, Any] | None) -> bytes:
    entry = dict(result)
    entry.update(account=None, instance=None, source="api", machine=machine, schema=SCHEMA,
                 status="stale" if error else "ok", error=error,
                 not_before=_iso_epoch(not_before) if not_before else None)
    return json.dumps(entry, separators=(",", ":"), allow_nan=False).encode()


def claim(machine: str, nonce: str, until: float) -> bytes:
    return json.dumps({"schema": SCHEMA, "claim": True, "machine": machine, "nonce": nonce,
                       "until": round(until, 3)}).encode()


def _iso_epoch(value: float) -> str | None:
    from datetime import datetime, timezone

    return _iso(datetime.fromtimestamp(value, timezone.utc))


def _no_constant(name: str) -> Any:
    raise Refused(f"{name} is not JSON")


def _object(payload: bytes) -> dict[str, Any]:
    if len(payload) > MAX_BYTES:
        raise Refused(f"{len(payload)} bytes, more than {MAX_BYTES}")
    try:
        data = json.loads(payload.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(f"not JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise Refused("not a JSON object")
    return data


def text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Refused(f"a {type(value).__name__} where text belongs")
    return _UNSAFE.sub("", value)[:limit]


def _finite(value: Any, what: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not math.isfinite(value)):
        raise Refused(f"{what} is not a finite number")


def _clean_result(data: dict[str, Any], provider_id: str) -> dict[str, Any]:
    windows = data.get("windows") or []
    if not isinstance(windows, list) or len(windows) > MAX_WINDOWS:
        raise Refused("windows is not a short list")
    clean_windows = []
    for window in windows:
        if not isinstance(window, dict):
            raise Refused("a window is not an object")
        for name in ("used_percent", "used", "limit", "window_seconds"):
            _finite(window.get(name), f"window {name}")
        strings = {k: text(v, 40) for k, v in window.items() if isinstance(v, str)}
        clean_windows.append({**window, **strings, "id": strings.get("id") or "window"})
    money = {}
    for part, fields in (("cost", ("used", "limit")), ("credits", ("balance",))):
        value = data.get(part)
        if value is not None and not isinstance(value, dict):
            raise Refused(f"{part} is not an object")
        if value:
            for name in fields:
                _finite(value.get(name), f"{part} {name}")
            value = {k: (text(v, 16) if isinstance(v, str) else v) for k, v in value.items()}
        money[part] = value
    return {"id": provider_id, "name": provider_id, "windows": clean_windows, **money,
            "kind": text(data.get("kind"), 16), "fetched_at": data.get("fetched_at"),
            "plan": text(data.get("plan"), 40), "status": "ok"}


def parse_record(payload: bytes, provider_id: str, now: float | None = None) -> Remote:
    """The checked record, or Refused saying why."""
    now = time.time() if now is None else now
    data = _object(payload)
    if data.get("id") != provider_id:
        raise Refused(f"a record of {text(str(data.get('id')), 40)!r}, not {provider_id!r}")
    machine = _MACHINE.sub("-", text(data.get("machine"), 64) or "").strip("-.")
    if not machine:
        raise Refused("no machine")
    try:
        result = ProviderResult.from_dict(_clean_result(data, provider_id))
        not_before_at = _parse_iso(data.get("not_before"))
    except Refused:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Refused(f"malformed ({type(exc).__name__})") from None
    not_before = min(not_before_at.timestamp(), now + MAX_WAIT) if not_before_at else 0.0
    figures = bool(result.windows or result.cost or result.credits or result.plan)
    fetched_at = result.fetched_at.timestamp() if result.fetched_at else 0.0
    if fetched_at > now + CLOCK_SLACK:
        raise Refused("fetched_at is in the future")
    if not (figures and fetched_at) and not_before <= now:
        raise Refused("no figures")  # only a 429 wait may come without them
    if not figures:
        fetched_at = 0.0
    error = data.get("error")
    clean_error = None
    if isinstance(error, dict) and error.get("kind") in ERROR_KINDS:
        clean_error = {"kind": error["kind"], "label": text(error.get("label"), 12) or "err",
                       "message": text(error.get("message"), 200) or "", "retry_at": None}
    return Remote(machine=machine, result=result, fetched_at=fetched_at, not_before=not_before, error=clean_error)


def parse_claim(payload: bytes, now: float | None = None) -> Claim | None:
    """A live claim, or None (empty, expired, malformed or implausibly long)."""
    now = time.time() if now is None else now
    if not payload:
        return None
    try:
        data = _object(payload)
        until = data.get("until")
        _finite(until, "until")
        machine, nonce = text(data.get("machine"), 64), text(data.get("nonce"), 64)
    except Refused:
        return None
    if not machine or not nonce or not isinstance(until, (int, float)) or not now < until <= now + MAX_CLAIM:
        return None
    return Claim(machine=machine, nonce=nonce, until=float(until))
