"""Codex (ChatGPT plans) rate limits: session logs first, then the ``wham/usage`` API.

Credentials are *borrowed* from the Codex CLI (``$CODEX_HOME/auth.json``, option
``codex_home``, else ``~/.codex/auth.json``) and only ever read: its refresh
tokens are single-use, so refreshing them here would log the user out of Codex.
The ChatGPT account id comes from ``tokens.account_id`` or, failing that, from
the access-token JWT's ``https://api.openai.com/auth`` claim (decoded without
verification: it is only used to address our own request).

Order of sources in :meth:`Codex.fetch`:

1. the newest snapshot in Codex's session logs (:mod:`codex_logs`, source
   ``"log"``) when it is younger than ``settings.interval``: no HTTP at all;
2. ``GET {base_url}/backend-api/wham/usage`` with ``Authorization: Bearer`` and
   ``ChatGPT-Account-Id`` (source ``"api"``);
3. when the API cannot be used for lack of a valid login (``auth`` error,
   expired JWT, no ``auth.json``), the log snapshot of any age, so the core
   shows it with its real age instead of an error.

Parsing rules are documented in :mod:`codex_parse`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.logs import register_secret
from llmeter_bar.models import ProviderResult, utcnow
from llmeter_bar.providers._parse import as_dict, parse_time, to_str
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings
from llmeter_bar.providers.codex_logs import newest_snapshot
from llmeter_bar.providers.codex_parse import parse_usage
from llmeter_bar.providers.credfile import (
    login_detail,
    read_json_object,
    refuse_expired,
)

if TYPE_CHECKING:
    import aiohttp

RENEW_HINT = "open Codex (run `codex`) to renew the login"
AUTH_CLAIM = "https://api.openai.com/auth"


@dataclass(slots=True)
class CodexAuth:
    token: str
    account_id: str | None
    source: str
    expires_at: datetime | None = None
    plan: str | None = None


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified; {} when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        return as_dict(json.loads(base64.urlsafe_b64decode(padded)))
    except (ValueError, TypeError):
        return {}


def codex_home(settings: ProviderSettings) -> Path:
    configured = settings.option("codex_home") or os.environ.get("CODEX_HOME")
    return Path(str(configured)).expanduser() if configured else Path.home() / ".codex"


def read_auth(settings: ProviderSettings) -> CodexAuth | None:
    """The Codex CLI's ChatGPT login, read-only; None when there is no auth.json."""
    path = codex_home(settings) / "auth.json"
    data = read_json_object(path, RENEW_HINT)
    if data is None:
        return None
    tokens = as_dict(data.get("tokens"))
    token = to_str(tokens.get("access_token"))
    if not token:
        if to_str(data.get("OPENAI_API_KEY")):
            raise NotConfigured("Codex is logged in with an API key; usage limits need `codex login` with ChatGPT")
        raise FetchError("auth", f"{path} holds no ChatGPT login; {RENEW_HINT}")
    claims = jwt_claims(token)
    auth_claim = as_dict(claims.get(AUTH_CLAIM))
    account = to_str(tokens.get("account_id")) or to_str(auth_claim.get("chatgpt_account_id"))
    plan = to_str(auth_claim.get("chatgpt_plan_type"))
    return CodexAuth(token, account, str(path), parse_time(claims.get("exp")), plan and plan.lower())


class Codex(Provider):
    """Codex usage windows (5h, weekly, per-model), credits and plan."""

    id: ClassVar[str] = "codex"
    name: ClassVar[str] = "Codex"
    kind: ClassVar[str] = "subscription"
    default_base_url: ClassVar[str] = "https://chatgpt.com"
    default_interval: ClassVar[float] = 300.0
    min_interval: ClassVar[float] = 120.0

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        try:
            found = read_auth(settings)
        except FetchError as exc:
            return CredentialInfo(source=str(codex_home(settings) / "auth.json"), detail=exc.message, usable=False)
        if found is None:
            return None
        return CredentialInfo(source=found.source, detail=login_detail(found.expires_at, found.plan))

    def headers(self, settings: ProviderSettings, auth: CodexAuth) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {auth.token}",
            "User-Agent": self.user_agent(settings),
            "Accept": "application/json",
        }
        if auth.account_id:
            headers["ChatGPT-Account-Id"] = auth.account_id
        return headers

    async def fetch(self, session: aiohttp.ClientSession, settings: ProviderSettings) -> ProviderResult:
        now = utcnow()
        home = codex_home(settings)
        # Off the event loop: a log scan reads up to a few MB.
        snapshot = await asyncio.to_thread(newest_snapshot, home, now)
        if snapshot is not None:
            snapshot = snapshot.with_(instance=settings.instance)
            age = snapshot.age_seconds(now)
            if age is not None and age < settings.interval:
                return snapshot
        try:
            return await self._fetch_api(session, settings, now)
        except FetchError as exc:
            # No usable login: Codex's own logs are still first-hand figures.
            if snapshot is not None and exc.kind in ("auth", "config"):
                return snapshot
            raise

    async def _fetch_api(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, now: datetime
    ) -> ProviderResult:
        from llmeter_bar.providers.http import (
            request_json,  # aiohttp only when fetching
        )

        auth = read_auth(settings)
        if auth is None:
            raise NotConfigured(f"no Codex login found ({codex_home(settings)}/auth.json); run `codex login`")
        register_secret(auth.token)
        refuse_expired(auth.expires_at, now, "Codex", RENEW_HINT)
        payload = await request_json(
            session,
            "GET",
            f"{self.base_url(settings)}/backend-api/wham/usage",
            timeout=settings.timeout,
            auth_hint=RENEW_HINT,
            headers=self.headers(settings, auth),
        )
        result = self.parse(payload, settings, now)
        return result if result.plan else result.with_(plan=auth.plan)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        now = now or utcnow()
        windows, credits, plan = parse_usage(payload, now)
        return self.result(settings, fetched_at=now, windows=windows, credits=credits, plan=plan)
