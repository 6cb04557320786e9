"""Ollama Cloud: session, weekly and (on plans since 2026-08-31) monthly usage.

``GET https://ollama.com/api/usage`` with ``Authorization: Bearer`` (the
``X-API-Key`` header is rejected). The plan comes from ``POST /api/me``
(best effort). Reading it:

* ``limits.<window>.usage`` is a 0-1 FRACTION of the window's cap (0.003 is
  0.3 %); above 1 happens with pay-as-you-go extra usage. A null or missing
  window means the plan has no such limit: no window, never 0 %.
* No reset times are sent, so they are computed and marked ``estimated``:
  the session window resets when ``epoch_seconds % 18000 == 0`` (every 5 h
  from 00:00 UTC) and the weekly one on Monday 00:00 UTC, the rules peers
  matched against the reset times ollama.com/settings shows (ollama/ollama
  #12532). The monthly window resets on the day of month of ``/api/me``'s
  ``CreatedAt`` at 00:00 UTC when that is known, else its reset is unknown.
* ``activity.cost`` (a dollar string over ``last_4_weeks``) is extra-usage
  spend; it is shown as the cost only when above zero.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar import logs
from llmeter_bar.errors import FetchError
from llmeter_bar.models import Cost, ProviderResult, Window, utcnow
from llmeter_bar.providers import _money
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers._parse import as_dict, parse_time, to_float, to_str
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.keyed import ApiKeyProvider

if TYPE_CHECKING:
    import aiohttp

ENV = "OLLAMA_API_KEY"
AUTH_HINT = ("the key is invalid or revoked: check it at https://ollama.com/settings/keys "
             "or run `llmeter-bar login ollama`")
FORBIDDEN_HINT = "the account was refused (disabled or without cloud access): check https://ollama.com/settings"
SESSION_SECONDS = 5 * 3600
WEEK = 7 * 86400
_WINDOW = {"usage": None, "models": None}
SHAPE = {"limits": {"session": _WINDOW, "weekly": _WINDOW, "monthly": _WINDOW, "hourly": _WINDOW},
         "activity": {"cost": None, "period": None, "models": None}}


def session_reset(now: datetime) -> datetime:
    """The next multiple of 5 h since the epoch (00:00, 05:00, ... UTC, shifting daily)."""
    epoch = int(now.timestamp())
    return datetime.fromtimestamp((epoch // SESSION_SECONDS + 1) * SESSION_SECONDS, tz=timezone.utc)


def weekly_reset(now: datetime) -> datetime:
    """The next Monday 00:00 UTC."""
    midnight = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(days=7 - midnight.weekday())


def monthly_reset(now: datetime, created: datetime | None) -> datetime | None:
    """The next occurrence of the account's creation day of month, 00:00 UTC (clamped to short months)."""
    if created is None:
        return None
    now = now.astimezone(timezone.utc)
    year, month = now.year, now.month
    for _ in range(2):
        day = min(created.day, calendar.monthrange(year, month)[1])
        moment = datetime(year, month, day, tzinfo=timezone.utc)
        if moment > now:
            return moment
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def parse_usage(payload: Any, now: datetime, created: datetime | None = None) -> tuple[list[Window], Cost | None]:
    if not isinstance(payload, dict) or not isinstance(payload.get("limits"), dict):
        raise FetchError("parse", "Ollama usage answer has no limits object (format changed?)")
    limits = payload["limits"]
    windows = []
    specs = (("session", "5h", SESSION_SECONDS, session_reset(now)),
             ("weekly", "7d", WEEK, weekly_reset(now)),
             ("monthly", "month", None, monthly_reset(now, created)))
    for key, label, seconds, reset in specs:
        data = limits.get(key)
        if data is None:
            continue  # no such limit on this plan
        fraction = to_float(as_dict(data).get("usage"))
        if fraction is None:
            if as_dict(data).get("usage") is None:
                continue
            raise FetchError("parse", f"Ollama {key} usage is not a number")
        if fraction < 0:
            raise FetchError("parse", f"Ollama {key} usage is negative")
        windows.append(Window(id=key, label=label, used_percent=fraction * 100.0, resets_at=reset,
                              window_seconds=seconds, estimated=reset is not None))
    if not windows:
        raise FetchError("unavailable", "Ollama reports no usage limit for this account (a plan without a cloud "
                         "quota): nothing to meter; see https://ollama.com/settings", label="plan")
    spent = to_float(as_dict(payload.get("activity")).get("cost"))
    cost = Cost(used=spent, period="last_4_weeks") if spent and spent > 0 else None
    return windows, cost


class Ollama(ApiKeyProvider):
    id: ClassVar[str] = "ollama"
    name: ClassVar[str] = "Ollama"
    kind: ClassVar[str] = "subscription"
    key_env: ClassVar[str] = ENV
    key_label: ClassVar[str] = "Ollama API key"
    default_base_url: ClassVar[str] = "https://ollama.com"

    async def fetch_with_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, now: datetime | None = None
    ) -> ProviderResult:
        from llmeter_bar.providers.http import request_json

        headers = {"Authorization": f"Bearer {key}", "User-Agent": self.user_agent(settings),
                   "Accept": "application/json"}
        base = self.base_url(settings)

        async def call(method: str, path: str) -> Any:
            return await request_json(session, method, base + path, timeout=settings.timeout,
                                      auth_hint=AUTH_HINT, forbidden_hint=FORBIDDEN_HINT, headers=headers)

        # One after the other: a failing or rate-limiting upstream gets one request, not two.
        with _money.scrubbed(key):
            usage = await call("GET", "/api/usage")
            try:
                me = await call("POST", "/api/me")
            except FetchError as exc:
                logs.debug("ollama /api/me unavailable: %s", exc.message)  # the plan is a nicety
                me = None
        return self.parse({"usage": usage, "me": me}, settings, now)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        """``payload``: ``{"usage": <usage body>, "me": <me body or None>}``, or a bare usage body."""
        now = now or utcnow()
        if isinstance(payload, dict) and "usage" in payload and "limits" not in payload:
            usage, me = payload.get("usage"), as_dict(payload.get("me"))
        else:
            usage, me = payload, {}
        created = parse_time(me.get("CreatedAt") or me.get("created_at"))
        windows, cost = parse_usage(usage, now, created)
        plan = to_str(me.get("Plan")) or to_str(me.get("plan"))
        return self.result(settings, windows=windows, cost=cost, plan=plan, fetched_at=now,
                           unknown_fields=unknown_keys(usage, SHAPE))
