"""OpenRouter: key spend and limit (``/api/v1/key``) plus the credit balance (``/api/v1/credits``).

Any inference key works for ``/key``. Reading it right:

* ``usage`` is lifetime spend; the month's spend is ``usage_monthly``.
* A key ``limit`` is a real cap: spent against it is ``limit - limit_remaining``
  (``limit_remaining`` already follows the key's ``limit_reset`` period and goes
  negative on overspend), else ``usage_<limit_reset>``, else lifetime ``usage``
  when the limit never resets.
* Credits: ``total_credits - total_usage`` is the prepaid balance. The endpoint
  may refuse some keys, so it is best effort.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar import logs
from llmeter_bar.errors import FetchError
from llmeter_bar.models import Credits, ProviderResult, Window, utcnow
from llmeter_bar.providers import _money
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.keyed import ApiKeyProvider

if TYPE_CHECKING:
    import aiohttp

ENV = "OPENROUTER_API_KEY"
AUTH_HINT = "check the key or run `llmeter-bar login openrouter`"
PERIODS = ("daily", "weekly", "monthly")


def _number(data: dict[str, Any], field: str) -> float | None:
    """An optional number: absent/null is None, a present non-number is a parse error."""
    value = data.get(field)
    return None if value is None else _money.amount(value, f"openrouter {field}")


def _data(envelope: Any, what: str) -> dict[str, Any]:
    data = envelope.get("data") if isinstance(envelope, dict) else None
    if not isinstance(data, dict):
        raise FetchError("parse", f"openrouter {what} response has no data object")
    return data


def period_reset(period: str | None, now: datetime) -> datetime | None:
    """When a key limit with this ``limit_reset`` renews (OpenRouter resets at 00:00 UTC)."""
    midnight = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "daily":
        return midnight + timedelta(days=1)
    if period == "weekly":  # weeks start on Monday
        return midnight + timedelta(days=7 - midnight.weekday())
    if period == "monthly":
        return _money.next_month_start(now)
    return None


def key_window(data: dict[str, Any], now: datetime) -> Window | None:
    """The key-limit window, or None for a key without a limit."""
    limit = _number(data, "limit")
    if limit is None or limit <= 0:
        return None
    reset = data.get("limit_reset") if data.get("limit_reset") in PERIODS else None
    remaining = _number(data, "limit_remaining")
    if remaining is not None:
        spent = limit - max(0.0, remaining)
    else:
        spent = _number(data, f"usage_{reset}") if reset else None
        spent = spent if spent is not None else (_number(data, "usage") or 0.0)
    label = f"Key limit ({reset})" if reset else "Key limit"
    return Window(
        id="key_limit",
        label=label,
        used_percent=spent / limit * 100.0,
        resets_at=period_reset(reset, now),
        used=spent,
        limit=limit,
        unit="USD",
    )


def credits_balance(envelope: Any) -> float:
    data = _data(envelope, "credits")
    total = _money.amount(data.get("total_credits"), "openrouter total_credits")
    used = _money.amount(data.get("total_usage"), "openrouter total_usage")
    return total - used


class OpenRouter(ApiKeyProvider):
    key_env: ClassVar[str] = ENV
    key_label: ClassVar[str] = "OpenRouter API key"
    id: ClassVar[str] = "openrouter"
    name: ClassVar[str] = "OpenRouter"
    kind: ClassVar[str] = "api"
    default_base_url: ClassVar[str] = "https://openrouter.ai/api/v1"

    async def fetch_with_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, now: datetime | None = None
    ) -> ProviderResult:
        from llmeter_bar.providers.http import request_json

        headers = {
            "Authorization": f"Bearer {key}",
            "User-Agent": self.user_agent(settings),
            "Accept": "application/json",
        }
        base = self.base_url(settings)

        async def get(path: str) -> Any:
            return await request_json(
                session, "GET", base + path, timeout=settings.timeout, auth_hint=AUTH_HINT, headers=headers
            )

        with _money.scrubbed(key):
            key_info, credits = await asyncio.gather(get("/key"), get("/credits"), return_exceptions=True)
            if isinstance(key_info, BaseException):
                raise key_info
        if isinstance(credits, BaseException):
            if not isinstance(credits, FetchError):
                raise credits
            # Best effort: the key figures are still worth showing.
            logs.debug("openrouter credits unavailable: %s", credits.message)
            credits = None
        return self.parse({"key": key_info, "credits": credits}, settings, now)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        """``payload``: ``{"key": <key envelope>, "credits": <credits envelope or None>}``."""
        now = now or utcnow()
        if not isinstance(payload, dict) or "key" not in payload:
            raise FetchError("parse", "openrouter payload without key info")
        data = _data(payload["key"], "key")
        window = key_window(data, now)
        monthly = _number(data, "usage_monthly")
        cost = _money.monthly_cost(settings, monthly, now) if monthly is not None else None
        credits = None
        if payload.get("credits") is not None:
            credits = Credits(balance=credits_balance(payload["credits"]), currency="USD", label="credits")
        label = data.get("label")
        return self.result(
            settings,
            windows=[window] if window else [],
            cost=cost,
            credits=credits,
            plan="Free tier" if data.get("is_free_tier") is True else None,
            account=label if isinstance(label, str) and label else None,
            source="api",
            fetched_at=now,
        )
