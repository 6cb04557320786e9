"""Pure parsing of Codex rate-limit data (``/backend-api/wham/usage`` and session logs).

Readings chosen where published parsers disagree (each has a fixture test):

* Windows are classified by length (``limit_window_seconds``, or
  ``window_minutes`` in logs), never by slot: weekly-only plans put the 7-day
  window in ``primary_window``. Within 2 % of 5 h is ``5h`` (logs say 299
  min), of 7 days ``7d``; any other length keeps its real length as label
  (``9h``, ``17m``). Only a window with no length at all falls back to its
  slot (primary = 5h, secondary = 7d).
* Two windows of the same explicit length in one block are a ``parse`` error
  (ai-usagebar's reading): guessing which is which would mislabel one.
* A window whose ``used_percent`` is unreadable is dropped and its sibling
  kept (CodexBar's reading; ai-usagebar fails the whole body).
* Reset time: absolute ``reset_at``/``resets_at`` (epoch s), else
  ``reset_after_seconds``/``resets_in_seconds`` added to the *base* time: the
  fetch time for the API, the line's own timestamp for logs.
* ``additional_rate_limits`` (e.g. Spark) and ``code_review_rate_limit``
  become *side* windows labelled ``<limit_name> 5h``: listed, never the
  headline (a model's own limit is not the account's); malformed entries are
  skipped. A 30-day window (43200 min) is its own ``30d`` window.
* ``rate_limit_reached_type`` (a string such as
  ``workspace_member_credits_depleted`` or an object with ``type``/``kind``)
  means the account is blocked, even when ``rate_limit`` is null (usage-based
  workspaces): a ``blocked`` window at 100 % carries the reason.
* ``rate_limit_reset_credits.available_count`` (banked resets) becomes an
  extra; the companion ``/wham/rate-limit-reset-credits`` list adds the
  earliest expiry (:func:`reset_credits`).
* An enterprise/team monthly pool (``individual_limit``, at the root, in
  ``rate_limit`` or in ``spend_control``) becomes a ``Monthly`` window with
  absolute used/limit; its amounts are often strings.
* ``credits.balance`` (number, ``"14.5"``, ``"$2.50"``, ``"0E-10"``) is a count
  of Codex credits, not money: ``Credits(currency=None, label="credits")``.
* The plan is the raw lower-cased ``plan_type`` (``plus``, ``prolite``...).
* Response headers ``x-codex-{primary,secondary}-used-percent`` only fill
  slots the body leaves empty.
* A body with no window, credits, pool or plan is a ``parse`` error.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Mapping

from dataclasses import dataclass, field

from llmeter_bar.errors import FetchError
from llmeter_bar.models import Credits, Extra, Window
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers.codex_status import blocked_window, credits_of, reached_reason
from llmeter_bar.providers._parse import (
    after_seconds, as_dict, as_list, duration_label, parse_time, to_float, to_int, to_str, window_length,
)

FIVE_HOURS = 5 * 3600
SEVEN_DAYS = 7 * 86400
THIRTY_DAYS = 30 * 86400
_KNOWN = ((FIVE_HOURS, "five_hour", "5h"), (SEVEN_DAYS, "seven_day", "7d"), (THIRTY_DAYS, "thirty_day", "30d"))
_SLOT_DEFAULT = {"primary": 0, "secondary": 1}


def _length(data: Mapping[str, Any]) -> int | None:
    seconds = to_int(data.get("limit_window_seconds"))
    if seconds is None:
        minutes = to_float(data.get("window_minutes"))
        seconds = int(minutes * 60) if minutes is not None else None
    return window_length(seconds)  # 1 s or 0 is no window: its slot decides, as with none


def _classify(seconds: int) -> tuple[str, str]:
    for known, wid, label in _KNOWN:
        if abs(seconds - known) <= 0.02 * known:
            return wid, label
    return f"window_{seconds}s", duration_label(seconds)


def make_window(data: Any, wid: str, label: str, seconds: int | None, base: datetime) -> Window | None:
    window = as_dict(data)
    percent = to_float(window.get("used_percent"))
    if percent is None:
        return None
    resets = parse_time(window.get("reset_at", window.get("resets_at")))
    if resets is None:
        relative = window.get("reset_after_seconds", window.get("resets_in_seconds"))
        resets = after_seconds(base, relative)
    return Window(id=wid, label=label, used_percent=percent, resets_at=resets, window_seconds=seconds)


def parse_block(
    block: Any, base: datetime, prefix: str = "", name: str = "", fill: Mapping[str, Any] | None = None,
    side: bool = False,
) -> list[Window]:
    """The windows of one ``rate_limit``-like object, shortest first."""
    data = as_dict(block)
    slots = []
    for slot in ("primary", "secondary"):
        raw = data.get(f"{slot}_window", data.get(slot))
        if to_float(as_dict(raw).get("used_percent")) is None and fill and slot in fill:
            raw = fill[slot]
        if isinstance(raw, dict):
            slots.append((slot, raw, _length(raw)))
    taken: dict[str, Window] = {}
    # Windows with a known length claim their ids before slot-guessed ones.
    for slot, raw, seconds in sorted(slots, key=lambda s: s[2] is None):
        if seconds is not None:
            wid, label = _classify(seconds)
            if wid in taken:
                raise FetchError("parse", f"two {label} windows in one rate limit; refusing to guess")
        else:
            free = [k for k in (_KNOWN[_SLOT_DEFAULT[slot]], _KNOWN[1 - _SLOT_DEFAULT[slot]])
                    if k[1] not in taken]
            if not free:
                continue
            _, wid, label = free[0]
        window = make_window(raw, prefix + wid, f"{name} {label}".strip(), seconds, base)
        if window is not None:
            window.side, window.scope = side, (name or None) if side else None
            taken[wid] = window
    return sorted(taken.values(), key=_sort_key)


def _sort_key(window: Window) -> float:
    if window.window_seconds:
        return window.window_seconds
    return FIVE_HOURS if window.id.endswith("five_hour") else SEVEN_DAYS


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-") or "extra"


def _pool(payload: dict[str, Any], base: datetime) -> Window | None:
    for holder in (payload.get("rate_limit"), payload, payload.get("spend_control")):
        pool = as_dict(as_dict(holder).get("individual_limit"))
        if pool:
            break
    else:
        return None
    used, limit = to_float(pool.get("used")), to_float(pool.get("limit"))
    percent = to_float(pool.get("used_percent"))
    if percent is None and to_float(pool.get("remaining_percent")) is not None:
        percent = 100.0 - (to_float(pool.get("remaining_percent")) or 0.0)
    if percent is None and used is not None and limit:
        percent = used / limit * 100.0
    if percent is None:
        return None
    resets = parse_time(pool.get("reset_at", pool.get("resets_at")))
    resets = resets or after_seconds(base, pool.get("reset_after_seconds"))
    return Window(id="monthly_pool", label="Monthly", used_percent=percent, resets_at=resets,
                  used=used, limit=limit)


def _header_fill(headers: Mapping[str, str] | None) -> dict[str, dict[str, Any]]:
    fill: dict[str, dict[str, Any]] = {}
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    for slot in ("primary", "secondary"):
        percent = lowered.get(f"x-codex-{slot}-used-percent")
        if percent is not None:
            fill[slot] = {
                "used_percent": percent,
                "window_minutes": lowered.get(f"x-codex-{slot}-window-minutes"),
                "reset_after_seconds": lowered.get(f"x-codex-{slot}-reset-after-seconds"),
            }
    return fill


_WINDOW: dict[str, Any] = {"*": None}
_BLOCK: dict[str, Any] = {"allowed": None, "limit_reached": None, "primary_window": _WINDOW,
                          "secondary_window": _WINDOW, "primary": _WINDOW, "secondary": _WINDOW,
                          "individual_limit": None}
SHAPE: dict[str, Any] = {
    "plan_type": None, "rate_limit": _BLOCK, "code_review_rate_limit": _BLOCK,
    "additional_rate_limits": {"[]": {"limit_name": None, "metered_feature": None, "limit_id": None,
                                      "rate_limit": _BLOCK}},
    "credits": None, "spend_control": None, "individual_limit": None, "rate_limit_reached_type": None,
    "rate_limit_reset_credits": None, "rate_limit_upsell": None, "promo": None, "referral_beacon": None,
    "email": None, "user_id": None, "account_id": None,
}


@dataclass(slots=True)
class CodexUsage:
    windows: list[Window]
    credits: Credits | None
    plan: str | None
    extras: list[Extra] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    reset_count: int | None = None  # banked resets the body announces


def parse_body(payload: Any, now: datetime, headers: Mapping[str, str] | None = None) -> CodexUsage:
    """Everything one ``wham/usage`` body says; ``now`` anchors relative resets."""
    if not isinstance(payload, dict):
        raise FetchError("parse", f"usage response is a {type(payload).__name__}, not an object")
    windows = parse_block(payload.get("rate_limit"), now, fill=_header_fill(headers))
    extras = [("Review", payload.get("code_review_rate_limit"))]
    for item in as_list(payload.get("additional_rate_limits")):
        entry = as_dict(item)
        name = to_str(entry.get("limit_name")) or to_str(entry.get("metered_feature"))
        if name:
            extras.append((name, entry.get("rate_limit")))
    for name, block in extras:
        try:
            windows += parse_block(block, now, prefix=_slug(name) + ":", name=name, side=True)
        except FetchError:
            continue  # a drifted side limit must not hide the main windows
    pool = _pool(payload, now)
    if pool is not None:
        windows.append(pool)
    reason = reached_reason(payload.get("rate_limit_reached_type"))
    main = as_dict(payload.get("rate_limit"))
    if reason is None and (main.get("limit_reached") is True or main.get("allowed") is False):
        reason = "limit_reached"  # the account is refused now, whatever the window figures say
    if reason is not None:
        windows.insert(0, blocked_window(reason))
    credits = credits_of(payload.get("credits"))
    plan = to_str(payload.get("plan_type"))
    plan = plan.lower() if plan else None
    if not windows and credits is None and plan is None:
        raise FetchError("parse", "usage response has no rate-limit windows, credits or plan")
    count = to_int(as_dict(payload.get("rate_limit_reset_credits")).get("available_count"))
    found = [Extra(id="reset_credits", label="banked resets", value=float(count), unit="count")] if count else []
    return CodexUsage(windows, credits, plan, found, unknown_keys(payload, SHAPE), count)


def parse_usage(
    payload: Any, now: datetime, headers: Mapping[str, str] | None = None
) -> tuple[list[Window], Credits | None, str | None]:
    """(windows, credits, plan) of one ``wham/usage`` body; ``now`` anchors relative resets."""
    usage = parse_body(payload, now, headers)
    return usage.windows, usage.credits, usage.plan
