"""OpenCode Zen (pay-as-you-go spend) from its web page; the cookie handling OpenCode Go shares (opencode_go.py).

Both read opencode.ai's server-rendered pages with the ``auth`` session cookie
and pick values out of the SolidStart hydration script, so a front-end change
can break them at any time. The rule here is to fail with a ``parse`` error
rather than show a wrong number:

* Zen: the ``billing.get`` hydration object holds ``balance`` and
  ``monthlyUsage`` as integers in **1e-8 USD** and ``monthlyLimit`` in whole
  USD. A decimal point in the first two means the units changed: parse error.
* Go: ``rollingUsage`` / ``weeklyUsage`` / ``monthlyUsage`` objects each hold
  ``usagePercent`` and ``resetInSec`` (relative to the page, i.e. now).
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar import logs
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.models import Credits, ProviderResult, utcnow
from llmeter_bar.providers import _money
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings

if TYPE_CHECKING:
    import aiohttp

ENV = "OPENCODE_AUTH_COOKIE"
UNIT = 1e-8  # Zen money fields are hundred-millionths of a dollar
MAX_USD = 1_000_000.0  # beyond this a figure is a unit change, not spend
AUTH_HINT = "the opencode.ai session expired; run `llmeter-bar login opencode`"
# Cloudflare in front of opencode.ai rejects library user agents.
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
_WORKSPACE = re.compile(r"/workspace/(wrk_[A-Za-z0-9]+)")
_BILLING_REF = re.compile(r"billing\.get.{0,400}?\$R\[(\d+)\]=\{p:0,s:0,f:0\}", re.S)


def _braced(text: str, start: int) -> str | None:
    """The balanced ``{...}`` starting at ``text[start]``."""
    depth = 0
    for index in range(start, min(len(text), start + 20000)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    return None


def billing_object(html: str) -> str:
    found = _BILLING_REF.search(html)
    if found:
        resolved = re.search(r"\(\$R\[" + found.group(1) + r"\],(?:\$R\[\d+\]=)?\{", html[found.end() :])
        if resolved:
            body = _braced(html, found.end() + resolved.end() - 1)
            if body:
                return body
    raise FetchError("parse", "OpenCode billing data not found on the workspace page (page changed?)")


def _int_field(body: str, field: str, required: bool) -> int | None:
    match = re.search(r"\b" + field + r":([^,}]*)", body)
    if match is None or match.group(1).strip() in ("null", "void 0"):
        if required:
            raise FetchError("parse", f"OpenCode billing field {field} missing (page changed?)")
        return None
    text = match.group(1).strip()
    if not re.fullmatch(r"-?\d+", text):
        raise FetchError("parse", f"OpenCode billing field {field} is not an integer (units changed?)")
    return int(text)


def _micro_usd(body: str, field: str) -> float:
    value = _int_field(body, field, required=True) * UNIT  # type: ignore[operator]
    if abs(value) > MAX_USD:
        raise FetchError("parse", f"OpenCode {field} is implausibly large (units changed?)")
    return value


class OpenCodeBase(Provider):
    """The cookie and the page fetching both OpenCode providers share."""

    default_base_url: ClassVar[str] = "https://opencode.ai"
    default_user_agent: ClassVar[str] = BROWSER_UA
    entry_page: ClassVar[str] = ""

    def _cookie(self, settings: ProviderSettings) -> tuple[str, str] | None:
        raw: tuple[str, str] | None = None
        if os.environ.get(ENV, "").strip():
            raw = os.environ[ENV], f"env:{ENV}"
        elif isinstance(settings.option("cookie"), str) and settings.option("cookie").strip():
            raw = settings.option("cookie"), "config"
        else:
            raw = _money.find_secret(settings, (), (self.id, "opencode"), options=(), field="cookie")
        if raw is None:
            return None
        pair = _money.cookie_value(raw[0], ("auth",))
        if pair is None:
            raise FetchError("config", "the OpenCode cookie has no 'auth' value")
        logs.register_secret(pair[1])
        return pair[1], raw[1]

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        return _money.credential_info(lambda: self._cookie(settings))

    async def fetch(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, now: datetime | None = None
    ) -> ProviderResult:
        found = self._cookie(settings)
        if found is None:
            raise NotConfigured(f"no OpenCode cookie: set {ENV} or run `llmeter-bar login opencode`")
        return await self.fetch_with_cookie(session, settings, found[0], now=now)

    async def _page(self, session: aiohttp.ClientSession, settings: ProviderSettings, cookie: str, path: str) -> str:
        from llmeter_bar.providers.http import request_text

        with _money.scrubbed(cookie):
            return await request_text(
                session, "GET", self.base_url(settings) + path, timeout=settings.timeout, auth_hint=AUTH_HINT,
                headers={"Cookie": f"auth={cookie}", "User-Agent": self.user_agent(settings), "Accept": "text/html"},
            )

    async def fetch_with_cookie(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, cookie: str, now: datetime | None = None
    ) -> ProviderResult:
        html = await self._page(session, settings, cookie, self.entry_page)
        if not self.has_data(html):
            workspace = _WORKSPACE.search(html)
            if workspace is None:
                raise FetchError("parse", "OpenCode workspace link not found (signed out, or the page changed)")
            html = await self._page(session, settings, cookie, self.workspace_page(workspace.group(1)))
        return self.parse(html, settings, now)

    def has_data(self, html: str) -> bool:
        raise NotImplementedError

    def workspace_page(self, workspace: str) -> str:
        raise NotImplementedError


class OpenCodeZen(OpenCodeBase):
    id: ClassVar[str] = "opencode-zen"
    name: ClassVar[str] = "OpenCode Zen"
    kind: ClassVar[str] = "api"
    entry_page: ClassVar[str] = "/zen"

    def has_data(self, html: str) -> bool:
        return "billing.get" in html

    def workspace_page(self, workspace: str) -> str:
        return f"/workspace/{workspace}"

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        now = now or utcnow()
        body = billing_object(str(payload))
        used = _micro_usd(body, "monthlyUsage")
        balance = _micro_usd(body, "balance")
        cost = _money.monthly_cost(settings, used, now)
        if cost.limit is None:  # the user's budget wins over the platform's monthly limit
            limit = _int_field(body, "monthlyLimit", required=False)
            cost.limit = float(limit) if limit and limit > 0 else None
        return self.result(
            settings, cost=cost, credits=Credits(balance=balance, currency="USD", label="balance"),
            source="cookie", fetched_at=now,
        )
