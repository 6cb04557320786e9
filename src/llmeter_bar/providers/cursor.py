"""Cursor: plan, pools and on-demand spend from cursor.com's dashboard API.

``GET {base_url}/api/usage-summary`` is required; ``/api/auth/me`` (e-mail,
user id) and ``/api/usage?user=<id>`` (request-based allowances of older and
Enterprise plans) are best effort. The session is a cookie (see
``cursor_auth``); the readings of the figures are documented in
``cursor_parse``. Money arrives in US cents and is reported in dollars.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.errors import FetchError
from llmeter_bar.models import ProviderResult, utcnow
from llmeter_bar.providers import cursor_auth, cursor_parse
from llmeter_bar.providers._parse import as_dict, parse_time, to_str
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings

if TYPE_CHECKING:
    import aiohttp

# cursor.com sits behind Cloudflare, which turns away non-browser user agents.
BROWSER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")


class Cursor(Provider):
    id: ClassVar[str] = "cursor"
    name: ClassVar[str] = "Cursor"
    kind: ClassVar[str] = "subscription"
    default_base_url: ClassVar[str] = "https://cursor.com"
    default_user_agent: ClassVar[str] = BROWSER_UA

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        # Cheap on purpose: no SQLite here, only whether a session source exists.
        try:
            session = cursor_auth.from_store(settings)
        except Exception:
            session = None
        if session:
            return CredentialInfo(source="store", detail="cookie from `llmeter-bar login cursor`")
        if to_str(settings.option("cookie")):
            return CredentialInfo(source="config")
        path = cursor_auth.state_db(settings)
        if path is None or not path.is_file():
            return None
        return CredentialInfo(source=str(path), detail="Cursor app session (read-only)")

    async def fetch(self, session: aiohttp.ClientSession, settings: ProviderSettings) -> ProviderResult:
        from llmeter_bar.logs import register_secret
        from llmeter_bar.providers.http import request_json

        login = cursor_auth.find_session(settings)
        register_secret(login.cookie)
        base = self.base_url(settings)
        headers = {"Cookie": login.cookie, "Accept": "application/json",
                   "User-Agent": self.user_agent(settings), "Referer": f"{base}/dashboard"}
        common: dict[str, Any] = {"timeout": settings.timeout, "auth_hint": cursor_auth.RENEW_HINT,
                                  "headers": headers}
        summary = await request_json(session, "GET", f"{base}/api/usage-summary", **common)
        me: Any = {}
        try:
            me = await request_json(session, "GET", f"{base}/api/auth/me", **common)
        except FetchError:
            pass  # identity is a nicety; the summary already answered
        user = to_str(as_dict(me).get("sub")) or login.user_id
        usage: Any = None
        if user:
            try:
                usage = await request_json(session, "GET", f"{base}/api/usage", params={"user": user}, **common)
            except FetchError:
                pass  # only request-based plans need it
        result = self.parse({"summary": summary, "me": me, "usage": usage}, settings)
        return result.with_(account=result.account or login.email, plan=result.plan or _plan_name(login.plan))

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        data = as_dict(payload)
        combined = "summary" in data
        summary = data.get("summary") if combined else payload
        if not isinstance(summary, dict):
            raise FetchError("parse", "Cursor usage summary is not a JSON object")
        start, end = parse_time(summary.get("billingCycleStart")), parse_time(summary.get("billingCycleEnd"))
        seconds = int((end - start).total_seconds()) if start and end and end > start else None
        windows = cursor_parse.plan_windows(summary, end, seconds)
        extra, cost = cursor_parse.on_demand(summary, end, seconds)
        requests = cursor_parse.parse_requests(data.get("usage")) if combined else None
        if requests:
            if requests.resets_at is None:  # no startOfMonth: the billing cycle is the best guess
                requests.resets_at, requests.window_seconds = end, seconds
            windows.insert(0, requests)
        windows += extra
        plan = _plan_name(to_str(summary.get("membershipType")))
        if not windows and cost is None and plan is None:
            raise FetchError("parse", "Cursor usage summary holds neither a plan nor usage figures")
        return self.result(settings, windows=windows, cost=cost, plan=plan,
                           account=to_str(as_dict(data.get("me")).get("email")),
                           source="api", fetched_at=now or utcnow(), unknown_fields=unknown_keys(summary, SHAPE))


_PLAN: dict[str, Any] = {k: None for k in (
    "enabled", "used", "limit", "remaining", "breakdown", "autoPercentUsed", "apiPercentUsed", "totalPercentUsed")}
SHAPE: dict[str, Any] = {
    "billingCycleStart": None, "billingCycleEnd": None, "membershipType": None, "limitType": None,
    "isUnlimited": None, "autoModelSelectedDisplayMessage": None, "namedModelSelectedDisplayMessage": None,
    "individualUsage": {"plan": _PLAN, "onDemand": None, "overall": None}, "teamUsage": None,
}


def _plan_name(membership: str | None) -> str | None:
    return membership.replace("_", " ").title() if membership else None

