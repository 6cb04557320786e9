"""OpenCode Go's three windows (rolling 5 h, weekly, monthly) from any of its sources.

* The page's hydration script: ``rollingUsage:$R[n]={usagePercent:..,resetInSec:..}``.
* The same page when the hydration objects are unkeyed (``$R[n]={...}`` with no
  ``rollingUsage:`` before it): the rendered HTML, where each window's label
  (``Rolling``/``5-hour``, ``Weekly``, ``Monthly``) is followed by its
  percentage and a "resets in" text.
* The API-key endpoint peers use, ``GET /zen/go/v1/usage`` with a Bearer key:
  ``{"usage": {"rolling": {"percent", "resetsAt"}, ...}}`` today, the older
  ``{"rollingUsage": {"usagePercent", "resetInSec"}}`` before; both are read.

Reset times are relative to ``now`` where only seconds are given.
"""

from __future__ import annotations

import html as htmllib
import re
from datetime import datetime, timedelta
from typing import Any

from llmeter_bar.errors import FetchError
from llmeter_bar.models import Window
from llmeter_bar.providers._parse import after_seconds, as_dict, parse_time, to_float

WINDOWS = {  # key -> (id, label, length)
    "rolling": ("rolling", "Rolling", 5 * 3600),
    "weekly": ("weekly", "Weekly", 7 * 86400),
    "monthly": ("monthly", "Monthly", None),
}
_GO_BLOCK = re.compile(r"\b(rolling|weekly|monthly)Usage:(?:\$R\[\d+\]=)?\{([^{}]*)\}")
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.S | re.I)
_LABELS = {"rolling": r"(?:rolling|5[- ]?hour|5h)", "weekly": r"(?:weekly|7[- ]?day)", "monthly": r"monthly"}
_PERCENT = r"(\d{1,3}(?:\.\d+)?)\s*%"
_UNITS = {"d": 86400, "day": 86400, "h": 3600, "hr": 3600, "hour": 3600, "m": 60, "min": 60, "minute": 60,
          "s": 1, "sec": 1, "second": 1}
_DURATION = re.compile(r"(\d+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b", re.I)


def _window(key: str, percent: float, resets_at: datetime | None) -> Window:
    wid, label, seconds = WINDOWS[key]
    return Window(id=wid, label=label, used_percent=percent, resets_at=resets_at, window_seconds=seconds)


def from_hydration(page: str, now: datetime) -> list[Window]:
    found: dict[str, Window] = {}
    for match in _GO_BLOCK.finditer(page):
        key, body = match.group(1), match.group(2)
        percent = re.search(r"\busagePercent:(-?\d+(?:\.\d+)?)(?=[,}]|$)", body)
        if percent is None:
            raise FetchError("parse", f"OpenCode Go {key}Usage has no usagePercent (page changed?)")
        reset = re.search(r"\bresetInSec:(\d+)(?=[,}]|$)", body)
        resets_at = now + timedelta(seconds=int(reset.group(1))) if reset and int(reset.group(1)) > 0 else None
        found.setdefault(key, _window(key, float(percent.group(1)), resets_at))
    return [found[k] for k in WINDOWS if k in found]


def _duration(text: str) -> float | None:
    total = 0.0
    for number, unit in _DURATION.findall(text):
        unit = unit.lower().rstrip("s") or "s"
        total += int(number) * _UNITS.get(unit, _UNITS.get(unit[:1], 0))
    return total or None


def from_rendered(page: str, now: datetime) -> list[Window]:
    """The windows as the page renders them, when the hydration data has no keys."""
    text = " ".join(htmllib.unescape(_TAGS.sub(" ", page)).split())
    windows = []
    for key, label in _LABELS.items():
        match = re.search(label + r"[^%]{0,120}?" + _PERCENT, text, re.I)
        if match is None:
            continue
        tail = text[match.end(): match.end() + 80]
        resets = re.match(r"[^%]{0,40}?resets?\s+in\s+((?:\d+\s*[a-z]+\s*){1,3})", tail, re.I)
        seconds = _duration(resets.group(1)) if resets else None
        windows.append(_window(key, float(match.group(1)), now + timedelta(seconds=seconds) if seconds else None))
    return windows


def parse_page(page: str, now: datetime) -> list[Window]:
    windows = from_hydration(page, now) or from_rendered(page, now)
    if not windows:
        raise FetchError("parse", "OpenCode Go usage not found on the page (page changed?)")
    return windows


_BLOCK: dict[str, Any] = {"percent": None, "resetsAt": None, "status": None, "usagePercent": None,
                          "resetInSec": None}
API_SHAPE: dict[str, Any] = {"usage": {"rolling": _BLOCK, "weekly": _BLOCK, "monthly": _BLOCK},
                             "rollingUsage": _BLOCK, "weeklyUsage": _BLOCK, "monthlyUsage": _BLOCK}


def parse_api(payload: Any, now: datetime) -> list[Window]:
    """``/zen/go/v1/usage``: ``usage.<key>.{percent,resetsAt}`` or the older keyed shape."""
    root = as_dict(payload)
    current = as_dict(root.get("usage")) or root
    windows = []
    for key in WINDOWS:
        block = as_dict(current.get(key)) or as_dict(root.get(f"{key}Usage"))
        percent = to_float(block.get("percent", block.get("usagePercent")))
        if percent is None:
            continue
        resets = parse_time(block.get("resetsAt")) or after_seconds(now, block.get("resetInSec"))
        windows.append(_window(key, percent, resets))
    if not windows:
        raise FetchError("parse", "OpenCode Go usage answer holds no window (format changed?)")
    return windows
