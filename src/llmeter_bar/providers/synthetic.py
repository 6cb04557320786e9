"""Synthetic (synthetic.new): subscription quotas from ``GET /v2/quotas``.

Calling the endpoint is free (it does not count against the limits). Three
generations of the answer are in use, sometimes side by side:

* v3: ``rollingFiveHourLimit{remaining,max,limited,nextTickAt,tickPercent}``
  (used = max − remaining, fractional) and ``weeklyTokenLimit{percentRemaining,
  maxCredits,remainingCredits,nextRegenAt}`` (credits as ``"$x.xx"`` strings).
  Both *regenerate in ticks*: ``nextTickAt``/``nextRegenAt`` are the next partial
  refill, not a reset, so these windows carry no reset time;
* legacy: ``subscription{limit,requests,renewsAt}`` (``requests`` is used) with a
  real renewal time; stale when v3 lanes are present, so ignored then;
* side quotas: ``search.hourly`` and ``freeToolCalls`` (older name
  ``toolCallDiscounts``), same ``{limit,requests,renewsAt}`` shape.

A lane whose limit is 0 is not part of the plan and is skipped.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.errors import FetchError
from llmeter_bar.models import ProviderResult, Window, utcnow
from llmeter_bar.providers import _money
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers._parse import parse_time
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.keyed import ApiKeyProvider

if TYPE_CHECKING:
    import aiohttp

ENV = "SYNTHETIC_API_KEY"
AUTH_HINT = "check SYNTHETIC_API_KEY or run `llmeter-bar login synthetic`"
_COUNTED = {"limit": None, "requests": None, "renewsAt": None, "renews_at": None, "remaining": None}
SHAPE = {"plan": None, "subscription": _COUNTED, "search": {"hourly": _COUNTED}, "freeToolCalls": _COUNTED,
         "toolCallDiscounts": _COUNTED,
         "rollingFiveHourLimit": {"remaining": None, "max": None, "limited": None, "nextTickAt": None,
                                  "tickPercent": None},
         "weeklyTokenLimit": {"percentRemaining": None, "maxCredits": None, "remainingCredits": None,
                              "nextRegenCredits": None, "nextRegenAt": None}}
KNOWN = ("rollingFiveHourLimit", "weeklyTokenLimit", "subscription", "search", "freeToolCalls", "toolCallDiscounts")


def _number(lane: dict[str, Any], field: str, where: str) -> float:
    raw = lane.get(field)
    if isinstance(raw, str) and raw.strip().startswith("$"):  # credits come as "$24.00"
        raw = raw.strip()[1:]
    value = _money.amount(raw, f"synthetic {where}.{field}")
    if value < 0:
        raise FetchError("parse", f"synthetic {where}.{field} is negative ({value:g})")
    return value


def _lane(data: dict[str, Any], field: str) -> dict[str, Any] | None:
    lane = data.get(field)
    if lane is None:
        return None
    if not isinstance(lane, dict):
        raise FetchError("parse", f"synthetic {field} is not an object")
    return lane


def rolling_window(lane: dict[str, Any]) -> Window | None:
    top = _number(lane, "max", "rollingFiveHourLimit")
    if top <= 0:
        return None
    left = min(top, _number(lane, "remaining", "rollingFiveHourLimit"))
    used = top - left
    # "limited" is Synthetic saying requests are refused right now.
    percent = 100.0 if lane.get("limited") is True else used / top * 100.0
    return Window("five_hour", "5h", percent, None, 5 * 3600, used=round(used, 4), limit=top)


def weekly_window(lane: dict[str, Any]) -> Window | None:
    left = _number(lane, "percentRemaining", "weeklyTokenLimit")
    used = limit = None
    if lane.get("maxCredits") is not None:
        limit = _number(lane, "maxCredits", "weeklyTokenLimit")
        if limit <= 0:
            return None
        if lane.get("remainingCredits") is not None:
            used = round(max(0.0, limit - _number(lane, "remainingCredits", "weeklyTokenLimit")), 2)
    return Window("weekly", "7d", 100.0 - min(100.0, left), None, 7 * 86400, used=used, limit=limit)


def counted_window(lane: dict[str, Any], where: str, wid: str, label: str, seconds: int | None) -> Window | None:
    limit = _number(lane, "limit", where)
    if limit <= 0:
        return None
    used = _number(lane, "requests", where)
    resets = parse_time(lane.get("renewsAt") if "renewsAt" in lane else lane.get("renews_at"))
    return Window(wid, label, used / limit * 100.0, resets, seconds, used=used, limit=limit)


def windows(data: dict[str, Any]) -> list[Window]:
    rolling, weekly = _lane(data, "rollingFiveHourLimit"), _lane(data, "weeklyTokenLimit")
    found = [
        rolling_window(rolling) if rolling else None,
        weekly_window(weekly) if weekly else None,
    ]
    subscription = _lane(data, "subscription")
    if subscription is not None and rolling is None and weekly is None:
        found.append(counted_window(subscription, "subscription", "subscription", "requests", None))
    search = _lane(data, "search")
    hourly = _lane(search, "hourly") if search else None
    if hourly is not None:
        found.append(counted_window(hourly, "search.hourly", "search_hourly", "search 1h", 3600))
    tools = _lane(data, "freeToolCalls") or _lane(data, "toolCallDiscounts")
    if tools is not None:
        found.append(counted_window(tools, "freeToolCalls", "tool_calls", "tool calls", None))
    return [w for w in found if w is not None]


class Synthetic(ApiKeyProvider):
    key_env: ClassVar[str] = ENV
    key_label: ClassVar[str] = "Synthetic API key"
    id: ClassVar[str] = "synthetic"
    name: ClassVar[str] = "Synthetic"
    kind: ClassVar[str] = "subscription"
    default_base_url: ClassVar[str] = "https://api.synthetic.new"
    opencode_entry: ClassVar[str] = "synthetic"

    async def fetch_with_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, now: datetime | None = None
    ) -> ProviderResult:
        payload = await self.get_bearer_json(session, settings, key, "/v2/quotas", auth_hint=AUTH_HINT)
        return self.parse(payload, settings, now)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        now = now or utcnow()
        if not isinstance(payload, dict):
            raise FetchError("parse", "synthetic quotas response is not an object")
        data = payload
        if not any(k in payload for k in KNOWN) and isinstance(payload.get("data"), dict):
            data = payload["data"]  # one peer saw the quotas wrapped in "data"
        error = data.get("error")
        if error is not None and not any(k in data for k in KNOWN):
            text = error.get("message") if isinstance(error, dict) else error
            raise FetchError("unavailable", f"Synthetic says: {str(text)[:120]}")
        found = windows(data)
        if not found:
            raise FetchError("unavailable", "Synthetic reports no quota for this key (no active subscription?); "
                                            "subscribe at https://synthetic.new", label="none")
        plan = data.get("plan") if isinstance(data.get("plan"), str) and data["plan"].strip() else None
        return self.result(settings, windows=found, plan=plan, source="api", fetched_at=now,
                           unknown_fields=unknown_keys(data, SHAPE))
