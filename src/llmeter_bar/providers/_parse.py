"""Defensive coercion shared by provider parsers.

Usage endpoints are undocumented and drift: numbers arrive as strings
(``"14.5"``, ``"$2.50"``, ``"0E-10"``), times as epoch seconds, epoch
milliseconds or ISO-8601 with microseconds/nanoseconds and any offset. These
helpers never raise; they return None for anything they cannot read, so a
parser decides what "missing" means for its own provider.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

# window_length is here for parsers: a length outside 1 min..400 days is no window.
from llmeter_bar.models import plausible_time, window_length  # noqa: F401

# Currency symbols, thousands separators and spaces seen in money strings.
_MONEY_JUNK = re.compile(r"[\s,$€£¥_]")
# Python's fromisoformat accepts at most 6 fractional digits before 3.11 and
# some servers send 7-9 (nanoseconds): trim the surplus.
_FRACTION = re.compile(r"(\.\d{6})\d+")
# Epoch values above this are milliseconds (year 33658 in seconds; 1973 in ms).
_MS_THRESHOLD = 1e12


def to_float(value: Any) -> float | None:
    """A finite float from a number or numeric string; None otherwise.

    Booleans are rejected on purpose: ``True`` is not a usage figure.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = _MONEY_JUNK.sub("", value.strip())
        if text.endswith("%"):
            text = text[:-1]
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def to_int(value: Any) -> int | None:
    number = to_float(value)
    return None if number is None else int(number)


def to_str(value: Any) -> str | None:
    """A stripped non-empty string, or None."""
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return None


def as_dict(value: Any) -> dict[str, Any]:
    """The value when it is a JSON object, else an empty dict (never raises)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def from_epoch(value: float) -> datetime | None:
    """Epoch seconds or milliseconds (told apart by magnitude) as UTC."""
    if value <= 0:
        return None
    if value >= _MS_THRESHOLD:
        value /= 1000.0
    try:
        return plausible_time(datetime.fromtimestamp(value, tz=timezone.utc))
    except (OverflowError, OSError, ValueError):
        return None


def parse_time(value: Any) -> datetime | None:
    """A UTC datetime from epoch s/ms (number or numeric string) or ISO-8601.

    Naive ISO strings are taken as UTC. Zero, negative and unreadable values
    become None rather than 1970.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return from_epoch(float(value)) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    number = to_float(text) if re.fullmatch(r"[\d.eE+-]+", text) else None
    if number is not None:
        return from_epoch(number)
    text = _FRACTION.sub(r"\1", text.replace(" ", "T", 1) if "T" not in text else text)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return plausible_time(parsed.astimezone(timezone.utc))
    except OverflowError:
        return None


def after_seconds(base: datetime, seconds: Any) -> datetime | None:
    """``base`` plus a relative delay in seconds; None when unreadable or negative."""
    delay = to_float(seconds)
    if delay is None or delay < 0:
        return None
    try:
        return plausible_time(base + timedelta(seconds=delay))
    except OverflowError:
        return None


def humanize_age(seconds: float) -> str:
    """A short duration like ``2h`` or ``3d`` for credential details."""
    seconds = abs(seconds)
    if seconds < 90:
        return f"{int(seconds)}s"
    if seconds < 5400:
        return f"{int(round(seconds / 60))}m"
    if seconds < 172800:
        return f"{int(round(seconds / 3600))}h"
    return f"{int(round(seconds / 86400))}d"


def duration_label(seconds: float) -> str:
    """A compact label for a window length: ``5h``, ``7d``, ``9h``, ``17m``.

    Lengths within 1 % of a whole day or hour snap to it, so a 299-minute window
    (as some Codex logs report) still reads ``5h``.
    """
    seconds = abs(float(seconds))
    for unit, suffix in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= unit:
            count = round(seconds / unit)
            if abs(count * unit - seconds) <= 0.01 * seconds or unit == 60:
                return f"{count}{suffix}"
    return f"{int(round(seconds))}s"
