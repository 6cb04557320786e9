"""OpenCode Zen (pay-as-you-go spend) and OpenCode Go (subscription windows), from web pages.

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
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar import logs
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.models import Credits, ProviderResult, utcnow
from llmeter_bar.providers import _money, opencode_go_parse
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings
from llmeter_bar.providers.credfile import read_json_object

if TYPE_CHECKING:
    import aiohttp

ENV = "OPENCODE_AUTH_COOKIE"
GO_KEY_ENV = "OPENCODE_GO_API_KEY"
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


class _OpenCode(Provider):
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


class OpenCodeZen(_OpenCode):
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


def opencode_auth_path(settings: ProviderSettings) -> Path:
    """OpenCode's auth.json: option ``auth_file``, $OPENCODE_DATA_DIR, $XDG_DATA_HOME/opencode, ~/.local/share/opencode."""
    explicit = settings.option("auth_file")
    if isinstance(explicit, str) and explicit.strip():
        return Path(explicit).expanduser()
    if os.environ.get("OPENCODE_DATA_DIR", "").strip():
        return Path(os.environ["OPENCODE_DATA_DIR"]).expanduser() / "auth.json"
    data_home = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(data_home).expanduser() if data_home else Path.home() / ".local" / "share"
    return base / "opencode" / "auth.json"


class OpenCodeGo(_OpenCode):
    """OpenCode Go: an API key (``/zen/go/v1/usage``, no cookie needed) first, else the web page."""

    id: ClassVar[str] = "opencode-go"
    name: ClassVar[str] = "OpenCode Go"
    kind: ClassVar[str] = "subscription"
    entry_page: ClassVar[str] = "/go"

    def _api_key(self, settings: ProviderSettings) -> tuple[str, str] | None:
        if os.environ.get(GO_KEY_ENV, "").strip():
            return os.environ[GO_KEY_ENV].strip(), f"env:{GO_KEY_ENV}"
        option = settings.option("api_key")
        if isinstance(option, str) and option.strip():
            return option.strip(), "config"
        # OpenCode's own login (`opencode auth login`, provider "opencode-go"), read-only.
        path = opencode_auth_path(settings)
        try:
            data = read_json_object(path, "log in to OpenCode Go again (`opencode auth login`)")
        except FetchError:
            return None  # unreadable: the cookie, if any, still works
        entry = (data or {}).get("opencode-go")
        key = entry.get("key") if isinstance(entry, dict) else None
        return (key.strip(), str(path)) if isinstance(key, str) and key.strip() else None

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        key = self._api_key(settings)
        if key is not None:
            return CredentialInfo(source=key[1], detail="API key (/zen/go/v1/usage)")
        return super().credentials(settings)

    async def fetch(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, now: datetime | None = None
    ) -> ProviderResult:
        key = self._api_key(settings)
        if key is None:
            return await super().fetch(session, settings, now)
        from llmeter_bar.providers.http import request_json

        logs.register_secret(key[0])
        now = now or utcnow()
        try:
            payload = await request_json(
                session, "GET", f"{self.base_url(settings)}/zen/go/v1/usage", timeout=settings.timeout,
                auth_hint=f"the OpenCode Go API key was refused; check {GO_KEY_ENV}",
                headers={"Authorization": f"Bearer {key[0]}", "Accept": "application/json",
                         "User-Agent": self.user_agent(settings)})
        except FetchError:
            if self._cookie(settings) is not None:  # the page still works with the cookie
                return await super().fetch(session, settings, now)
            raise
        return self.result(settings, windows=opencode_go_parse.parse_api(payload, now), source="api",
                           fetched_at=now)

    def has_data(self, html: str) -> bool:
        if opencode_go_parse.from_hydration(html, utcnow()):
            return True
        # Rendered text alone is trusted only on a page that links to no workspace:
        # the /go landing page may well say "Monthly … 20%" about prices.
        return _WORKSPACE.search(html) is None and bool(opencode_go_parse.from_rendered(html, utcnow()))

    def workspace_page(self, workspace: str) -> str:
        return f"/workspace/{workspace}/go"

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        now = now or utcnow()
        if isinstance(payload, dict):
            windows = opencode_go_parse.parse_api(payload, now)
            return self.result(settings, windows=windows, source="api", fetched_at=now)
        windows = opencode_go_parse.parse_page(str(payload), now)
        return self.result(settings, windows=windows, source="cookie", fetched_at=now)
