"""Factory (Droid): token rate-limit windows and the extra-usage balance.

``GET https://api.factory.ai/api/billing/limits`` (Bearer API key). Reading it right:

* the windows are trusted only when ``usesTokenRateLimitsBilling`` is true; an
  account still on the older token-allowance billing answers with ``limits``
  that mean nothing, so its figures come from the legacy
  ``/api/organization/subscription/usage`` instead;
* ``limits.standard`` (and the optional ``limits.core`` pool) hold
  ``fiveHour``/``weekly``/``monthly``, each ``usedPercent`` (**used**, 0-100) with
  ``windowEnd`` (ISO or epoch) and/or ``secondsRemaining``; a window whose end
  has passed and that has no ``secondsRemaining`` carries a stale percent: it
  has reset, shown as 0 and marked estimated;
* ``extraUsageBalanceCents`` is a prepaid balance in **cents**.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar import logs
from llmeter_bar.errors import FetchError
from llmeter_bar.models import Credits, ProviderResult, Window, utcnow
from llmeter_bar.providers import _money, credfile
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers._parse import parse_time
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.keyed import ApiKeyProvider

if TYPE_CHECKING:
    import aiohttp

ENV = "FACTORY_API_KEY"
AUTH_HINT = "check FACTORY_API_KEY (or ~/.factory/.env) or run `llmeter-bar login factory`"
NO_PLAN = "Factory reports no usage limits for this account (no Droid plan?); see https://app.factory.ai/settings/billing"
SPANS = (("fiveHour", "five_hour", "5h", 5 * 3600), ("weekly", "weekly", "7d", 7 * 86400),
         ("monthly", "monthly", "month", None))
_SPAN = {"usedPercent": None, "windowEnd": None, "secondsRemaining": None}
_POOL = {"fiveHour": _SPAN, "weekly": _SPAN, "monthly": _SPAN}
SHAPE = {"usesTokenRateLimitsBilling": None, "extraUsageBalanceCents": None, "overagePreference": None,
         "extraUsageAllowed": None, "tokenRateLimitsRolloutEligible": None,
         "limits": {"standard": _POOL, "core": _POOL}}
_DOTENV = re.compile(r"^\s*(?:export\s+)?FACTORY_API_KEY\s*=\s*(.*?)\s*$")


def dotenv_path() -> Path:
    return Path.home() / ".factory" / ".env"


def dotenv_key() -> tuple[str, str] | None:
    """``FACTORY_API_KEY`` from the Droid CLI's ``~/.factory/.env``: read only, bounded."""
    path = dotenv_path()
    try:
        text = credfile.read_text_bounded(path, errors="replace")
    except OSError as exc:
        raise FetchError("auth", f"cannot read {path}: {exc.strerror or exc}") from None
    for line in (text or "").splitlines():
        found = _DOTENV.match(line)
        if found:
            value = found.group(1)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            value = value.strip()
            if value:
                logs.register_secret(value)
                return value, str(path)
    return None


def _percent(window: dict[str, Any], where: str) -> float:
    value = _money.amount(window.get("usedPercent"), f"factory {where}.usedPercent")
    if value < 0:
        raise FetchError("parse", f"factory {where}.usedPercent is negative ({value:g})")
    return value


def limit_window(raw: Any, where: str, wid: str, label: str, seconds: int | None, now: datetime) -> Window | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise FetchError("parse", f"factory {where} is not an object")
    used = _percent(raw, where)
    ends = parse_time(raw.get("windowEnd"))
    left = raw.get("secondsRemaining")
    if ends is None and left is not None:
        ends = now + timedelta(seconds=_money.amount(left, f"factory {where}.secondsRemaining"))
    if ends is not None and ends <= now and left is None:
        return Window(wid, label, 0.0, None, seconds, estimated=True)  # the window ended: its percent is stale
    return Window(wid, label, used, ends, seconds)


def limits_windows(limits: Any, now: datetime) -> list[Window]:
    if not isinstance(limits, dict):
        raise FetchError("parse", "factory billing limits has no limits object")
    found: list[Window] = []
    for pool, prefix, title in (("standard", "", ""), ("core", "core_", "Core ")):
        spans = limits.get(pool)
        if spans is None:
            continue
        if not isinstance(spans, dict):
            raise FetchError("parse", f"factory limits.{pool} is not an object")
        for field, wid, label, seconds in SPANS:
            window = limit_window(spans.get(field), f"limits.{pool}.{field}", prefix + wid, title + label,
                                  seconds, now)
            if window is not None:
                found.append(window)
    return found


def legacy_windows(payload: Any) -> list[Window]:
    """Token allowances of the older billing (``usage.standard`` / ``usage.premium``)."""
    usage = payload.get("usage") if isinstance(payload, dict) else None
    if not isinstance(usage, dict):
        raise FetchError("parse", "factory subscription usage has no usage object")
    ends = parse_time(usage.get("endDate"))
    found = []
    for pool, label in (("standard", "tokens"), ("premium", "premium")):
        data = usage.get(pool)
        if not isinstance(data, dict):
            continue
        allowance = _money.amount(data.get("totalAllowance"), f"factory usage.{pool}.totalAllowance")
        if allowance <= 0:
            continue
        used = data.get("userTokens", data.get("orgTotalTokensUsed"))
        spent = _money.amount(used, f"factory usage.{pool}.userTokens")
        found.append(Window(pool, label, spent / allowance * 100.0, ends, None, used=spent, limit=allowance))
    return found


class Factory(ApiKeyProvider):
    key_env: ClassVar[str] = ENV
    key_label: ClassVar[str] = "Factory API key"
    id: ClassVar[str] = "factory"
    name: ClassVar[str] = "Factory"
    kind: ClassVar[str] = "subscription"
    default_base_url: ClassVar[str] = "https://api.factory.ai"

    def _secret(self, settings: ProviderSettings) -> tuple[str, str] | None:
        return super()._secret(settings) or dotenv_key()

    def other_files(self) -> list[Path]:
        return [dotenv_path()]

    async def fetch_with_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, now: datetime | None = None
    ) -> ProviderResult:
        limits = await self.get_bearer_json(session, settings, key, "/api/billing/limits", auth_hint=AUTH_HINT)
        legacy = None
        if isinstance(limits, dict) and limits.get("usesTokenRateLimitsBilling") is not True:
            legacy = await self.get_bearer_json(session, settings, key, "/api/organization/subscription/usage",
                                                auth_hint=AUTH_HINT, params={"useCache": "true"})
        return self.parse({"limits": limits, "legacy": legacy}, settings, now)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        """``payload``: ``{"limits": <billing limits>, "legacy": <subscription usage or None>}``."""
        now = now or utcnow()
        body = payload.get("limits") if isinstance(payload, dict) else None
        if not isinstance(body, dict):
            raise FetchError("parse", "factory billing limits response is not an object")
        if body.get("usesTokenRateLimitsBilling") is True:
            windows = limits_windows(body.get("limits"), now)
        else:
            windows = legacy_windows(payload.get("legacy"))
        credits = None
        if body.get("extraUsageBalanceCents") is not None:
            cents = _money.amount(body["extraUsageBalanceCents"], "factory extraUsageBalanceCents")
            credits = Credits(balance=cents / 100.0, currency="USD", label="extra usage")
        if not windows:
            raise FetchError("unavailable", NO_PLAN, label="none")
        return self.result(settings, windows=windows, credits=credits, source="api", fetched_at=now,
                           unknown_fields=unknown_keys(body, SHAPE))

