"""Grok / SuperGrok (Grok Build CLI): the credit pool, on-demand spend, prepaid balance.

``GET https://cli-chat-proxy.grok.com/v1/billing?format=credits`` and
``/v1/settings`` (the tier, best effort), both with ``Authorization: Bearer``
AND ``x-xai-token-auth: xai-grok-cli`` (without it the proxy answers 404).
Reading it:

* ``config.creditUsagePercent`` is the used share of the pool; the pool is
  weekly (``currentPeriod.type`` ``USAGE_PERIOD_TYPE_WEEKLY``) since
  2026-07, monthly before. Reset = ``currentPeriod.end``, else
  ``billingPeriodEnd``.
* proto3 omits a 0: with a current period and no percent the pool shows 0 %
  marked ``estimated`` (stablyai/orca #20524: a week at 0 %); some unified
  billing plans never send it (vinzdg/codenotch #17), which is why it is an
  estimate, not an official figure.
* Without a percent and without a period, plain ``/v1/billing`` is read:
  ``monthlyLimit`` / ``used`` in cents (the pre-2026-07 monthly pool);
  ``0/0`` there is no pool, not an empty one.
* ``productUsage[]`` splits the pool per product (side windows).
* Money is ``{val: N}`` in CENTS, N maybe a string: ``onDemandCap`` > 0
  gives an on-demand cost with that cap (0 = on-demand off), and
  ``prepaidBalance`` the prepaid credits.

The token is the Grok CLI's ``~/.grok/auth.json`` (``GROK_HOME``), used read
only and only while unexpired: ``grok login`` owns and refreshes it.
``GROK_OAUTH_TOKEN`` or the ``token`` option give one explicitly.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar import logs
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.models import Cost, Credits, ProviderResult, Window, utcnow
from llmeter_bar.providers import _money
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers._parse import as_dict, as_list, parse_time, to_float, to_str
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings
from llmeter_bar.providers.credfile import login_detail, read_json_object, refuse_expired

if TYPE_CHECKING:
    import aiohttp

ENV_TOKEN = "GROK_OAUTH_TOKEN"
RENEW_HINT = "run `grok login` to renew the Grok CLI login"
FORBIDDEN_HINT = "the account was refused (no SuperGrok/Grok Build plan, or disabled): check https://grok.com"
_SCOPES = ("https://auth.x.ai::", "https://accounts.x.ai/sign-in")
_CENTS = {"val": None}
_CONFIG = {"creditUsagePercent": None, "currentPeriod": {"type": None, "start": None, "end": None},
           "productUsage": {"[]": {"product": None, "usagePercent": None}}, "onDemandCap": _CENTS,
           "onDemandUsed": _CENTS, "prepaidBalance": _CENTS, "isUnifiedBillingUser": None, "topUpMethod": None,
           "billingPeriodStart": None, "billingPeriodEnd": None, "monthlyLimit": _CENTS, "used": _CENTS,
           "subscriptionTier": None, "usage": None, "billingCycle": None, "on_demand_enabled": None,
           "disabledByConfig": None}
SHAPE = {"config": _CONFIG, "subscriptionTier": None, "subscription_tier": None}


def grok_home() -> Path:
    home = os.environ.get("GROK_HOME")
    return Path(home).expanduser() if home else Path.home() / ".grok"


def read_login() -> tuple[str, str, datetime | None, str | None] | None:
    """(token, source, expiry, e-mail) of the Grok CLI login; None without one."""
    path = grok_home() / "auth.json"
    data = read_json_object(path, RENEW_HINT)
    if data is None:
        return None
    entries = [(k, v) for k, v in data.items() if isinstance(v, dict) and to_str(v.get("key"))]
    entries.sort(key=lambda kv: next((i for i, p in enumerate(_SCOPES) if kv[0].startswith(p)), len(_SCOPES)))
    if not entries:
        raise FetchError("auth", f"{path} holds no Grok login; {RENEW_HINT}")
    entry = entries[0][1]
    for secret in (entry.get("key"), entry.get("refresh_token")):
        if isinstance(secret, str) and secret:
            logs.register_secret(secret)
    return str(entry["key"]).strip(), str(path), parse_time(entry.get("expires_at")), to_str(entry.get("email"))


def _cents(value: Any, field: str) -> float | None:
    """A ``{val: N}`` amount in dollars; ``{}`` is 0 (proto3), absent is None."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FetchError("parse", f"Grok {field} is not an amount object")
    raw = value.get("val", 0)
    number = to_float(raw)
    if number is None or number < 0:
        raise FetchError("parse", f"Grok {field} is not a non-negative amount")
    return number / 100.0


def tier_name(raw: str | None) -> str | None:
    if not raw:
        return None
    if raw.isupper() or "_" in raw:  # SUPERGROK_HEAVY -> SuperGrok Heavy
        words = raw.lower().split("_")
        return " ".join("SuperGrok" if w == "supergrok" else w.title() for w in words)
    return raw


def _product_label(raw: str) -> str:
    if raw == "Api":
        return "xAI API"
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", raw)[:40]


def parse_billing(payload: Any, legacy: Any = None) -> tuple[list[Window], Cost | None, Credits | None, str | None]:
    if not isinstance(payload, dict) or not isinstance(payload.get("config"), dict):
        raise FetchError("parse", "Grok billing answer has no config object (format changed?)")
    config = payload["config"]
    period = as_dict(config.get("currentPeriod"))
    kind = to_str(period.get("type")) or ""
    start = parse_time(period.get("start") or config.get("billingPeriodStart"))
    end = parse_time(period.get("end")) or parse_time(config.get("billingPeriodEnd"))
    percent = to_float(config.get("creditUsagePercent"))
    if config.get("creditUsagePercent") is not None and (percent is None or percent < 0):
        raise FetchError("parse", "Grok creditUsagePercent is not a usage share")
    monthly = kind.endswith("MONTHLY")
    estimated = False
    used = limit = None
    if percent is None and period:
        percent, estimated = 0.0, True  # proto3 left out a zero (or the plan never sends it)
    elif percent is None:
        old = as_dict(as_dict(legacy).get("config"))
        limit, used = _cents(old.get("monthlyLimit"), "monthlyLimit"), _cents(old.get("used"), "used")
        if not limit or used is None:
            raise FetchError("unavailable", "Grok reports no credit pool for this account (a plan without a "
                             "quota?): see https://grok.com/settings", label="plan")
        percent, monthly = used / limit * 100.0, True
        end = end or parse_time(old.get("billingPeriodEnd"))
    seconds = int((end - start).total_seconds()) if start and end and end > start else None
    label = "month" if monthly else "7d"
    windows = [Window(id="monthly" if monthly else "weekly", label=label, used_percent=percent, resets_at=end,
                      window_seconds=seconds or (None if monthly else 7 * 86400), used=used, limit=limit,
                      estimated=estimated)]
    for item in as_list(config.get("productUsage"))[:16]:
        product = to_str(as_dict(item).get("product"))
        share = to_float(as_dict(item).get("usagePercent"))
        if product and share is not None and share >= 0:
            slug = re.sub(r"\W+", "_", product.lower())[:40]
            windows.append(Window(id=f"product_{slug}", label=_product_label(product), used_percent=share,
                                  resets_at=end, window_seconds=windows[0].window_seconds, scope=product,
                                  side=True))
    cap = _cents(config.get("onDemandCap"), "onDemandCap")
    spent = _cents(config.get("onDemandUsed"), "onDemandUsed")
    cost = Cost(used=spent or 0.0, limit=cap, period="on_demand", resets_at=end) if cap else None
    prepaid = _cents(config.get("prepaidBalance"), "prepaidBalance")
    credits = Credits(balance=prepaid, currency="USD", label="prepaid") if prepaid else None
    tier = to_str(config.get("subscriptionTier")) or to_str(payload.get("subscriptionTier")) \
        or to_str(payload.get("subscription_tier"))
    return windows, cost, credits, tier_name(tier)


class Grok(Provider):
    id: ClassVar[str] = "grok"
    name: ClassVar[str] = "Grok"
    kind: ClassVar[str] = "subscription"
    default_base_url: ClassVar[str] = "https://cli-chat-proxy.grok.com"

    def _token(self, settings: ProviderSettings) -> tuple[str, str, datetime | None, str | None] | None:
        for value, source in ((settings.option("token"), "config"), (os.environ.get(ENV_TOKEN), f"env:{ENV_TOKEN}")):
            if isinstance(value, str) and value.strip():
                logs.register_secret(value.strip())
                return value.strip(), source, None, None
        return read_login()

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        try:
            found = self._token(settings)
        except FetchError as exc:
            return CredentialInfo(source=str(grok_home() / "auth.json"), detail=exc.message, usable=False)
        if found is None:
            return None
        expired = found[2] is not None and found[2] <= utcnow()
        detail = login_detail(found[2], None) + (f"; {RENEW_HINT}" if expired else "")
        return CredentialInfo(source=found[1], detail=detail, usable=not expired)

    async def fetch(self, session: aiohttp.ClientSession, settings: ProviderSettings) -> ProviderResult:
        from llmeter_bar.providers.http import request_json

        found = self._token(settings)
        if found is None:
            raise NotConfigured(f"no Grok CLI login found ({grok_home() / 'auth.json'}); run `grok login`")
        token, _, expires, email = found
        now = utcnow()
        refuse_expired(expires, now, "the Grok CLI", RENEW_HINT)
        headers = {"Authorization": f"Bearer {token}", "x-xai-token-auth": "xai-grok-cli",
                   "User-Agent": self.user_agent(settings), "Accept": "application/json"}
        base = self.base_url(settings)

        async def get(path: str) -> Any:
            return await request_json(session, "GET", base + path, timeout=settings.timeout, auth_hint=RENEW_HINT,
                                      forbidden_hint=FORBIDDEN_HINT, headers=headers)

        # One after the other: a failing or rate-limiting upstream gets one request, not two.
        with _money.scrubbed(token):
            billing = await get("/v1/billing?format=credits")
            legacy = None
            config = as_dict(as_dict(billing).get("config"))
            if config and config.get("creditUsagePercent") is None and not config.get("currentPeriod"):
                legacy = await get("/v1/billing")
            try:
                tier = await get("/v1/settings")
            except FetchError as exc:
                logs.debug("grok settings unavailable: %s", exc.message)  # the tier is a nicety
                tier = None
        result = self.parse({"billing": billing, "legacy": legacy, "settings": tier}, settings, now)
        return result.with_(account=email)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        """``payload``: ``{"billing": <credits view>, "legacy"?: <plain view>, "settings"?: <settings>}``."""
        payload = as_dict(payload)
        if "config" in payload:  # a bare credits view, as recorded by peers
            payload = {"billing": payload}
        billing = payload.get("billing")
        windows, cost, credits, tier = parse_billing(billing, payload.get("legacy"))
        display = to_str(as_dict(payload.get("settings")).get("subscription_tier_display"))
        return self.result(settings, windows=windows, cost=cost, credits=credits, plan=display or tier,
                           fetched_at=now or utcnow(), unknown_fields=unknown_keys(billing, SHAPE))
