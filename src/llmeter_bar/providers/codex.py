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
3. when the API fails for any reason (login, 429, 5xx, timeout, an answer not
   understood), the log snapshot if one of its windows has not reset yet,
   marked stale with the API's error (the engine records both: the figures and
   why they are not fresh; a 429's wait is still honoured). Without
   ``auth.json`` at all, the log snapshot of any age is shown as is.

The usage body's banked resets count (``rate_limit_reset_credits``) is
completed by ``GET /backend-api/wham/rate-limit-reset-credits`` (earliest
expiry) only when the count is above zero; a failure there keeps the count.

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
from llmeter_bar.models import Extra, ProviderResult, utcnow
from llmeter_bar.providers._parse import as_dict, parse_time, to_str
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings
from llmeter_bar.providers.codex_logs import newest_snapshot
from llmeter_bar.providers.codex_parse import parse_body
from llmeter_bar.providers.codex_status import reset_credits
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

    def credential_paths(self, settings: ProviderSettings) -> list[str]:
        return [str(codex_home(settings) / "auth.json")]

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
        except NotConfigured:
            if snapshot is not None:
                return snapshot  # logs only, by choice: first-hand figures
            raise
        except FetchError as exc:
            # Codex's own logs are first-hand figures: better than a marker
            # while their windows still run, but said to be stale and why.
            if snapshot is not None and _still_running(snapshot, now):
                return snapshot.with_(status="stale", error=exc.info(now))
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
        if any(e.id == "reset_credits" and e.value > 0 for e in result.extras):
            result.extras = [await self._reset_credits(session, settings, auth, e) if e.id == "reset_credits" else e
                             for e in result.extras]
        return result if result.plan else result.with_(plan=auth.plan)

    async def _reset_credits(self, session: aiohttp.ClientSession, settings: ProviderSettings, auth: CodexAuth,
                             announced: Extra) -> Extra:
        """The banked resets list, for the earliest expiry; the announced count on any failure."""
        from llmeter_bar.providers.http import request_json

        try:
            payload = await request_json(
                session, "GET", f"{self.base_url(settings)}/backend-api/wham/rate-limit-reset-credits",
                timeout=settings.timeout, auth_hint=RENEW_HINT, headers=self.headers(settings, auth))
        except FetchError:
            return announced
        return reset_credits(payload, utcnow()) or announced

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        now = now or utcnow()
        usage = parse_body(payload, now)
        return self.result(settings, fetched_at=now, windows=usage.windows, credits=usage.credits, plan=usage.plan,
                           extras=usage.extras, unknown_fields=usage.unknown)


def _still_running(snapshot: ProviderResult, now: datetime) -> bool:
    """Whether any window of a log snapshot has not reached its reset yet."""
    return any(w.resets_at is not None and w.resets_at > now for w in snapshot.windows)
