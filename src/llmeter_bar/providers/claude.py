"""Claude (Pro/Max/Team/Enterprise) subscription limits from Anthropic's OAuth usage API.

Credentials are *borrowed* from Claude Code and only ever read: its refresh
token is single-use, so refreshing it here would log the user out of Claude
Code. An expired access token therefore becomes an ``auth`` error telling the
user to open Claude Code, raised before any HTTP request.

Where the token comes from, first match wins:

1. option ``token`` (config), then env ``CLAUDE_CODE_OAUTH_TOKEN``
   (e.g. from ``claude setup-token``); no expiry is known for these;
2. option ``credentials_file``, else ``<config_dir>/.credentials.json`` from
   option ``config_dir`` or env ``CLAUDE_CONFIG_DIR``, else
   ``~/.claude/.credentials.json`` (``claudeAiOauth.accessToken``,
   ``expiresAt`` in ms, ``subscriptionType`` -> plan).

The endpoint answers 429 to eager pollers and to non-Claude-Code User-Agents,
hence the 600 s default interval, the 300 s floor and the Claude-Code-like UA.
Body parsing lives in :mod:`claude_parse`; Claude Code's status-line feed in
:mod:`claude_statusline`.
"""

from __future__ import annotations

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
from llmeter_bar.providers.claude_parse import parse_body
from llmeter_bar.providers.credfile import (
    login_detail,
    read_json_object,
    refuse_expired,
)

if TYPE_CHECKING:
    import aiohttp

RENEW_HINT = "open Claude Code (run `claude`) to renew the login"
ENV_TOKEN = "CLAUDE_CODE_OAUTH_TOKEN"


@dataclass(slots=True)
class ClaudeToken:
    token: str
    source: str  # path or "env:NAME" / "config"; safe to show
    expires_at: datetime | None = None
    plan: str | None = None


def credentials_path(settings: ProviderSettings) -> Path:
    explicit = settings.option("credentials_file")
    if explicit:
        return Path(str(explicit)).expanduser()
    config_dir = settings.option("config_dir") or os.environ.get("CLAUDE_CONFIG_DIR")
    base = Path(str(config_dir)).expanduser() if config_dir else Path.home() / ".claude"
    return base / ".credentials.json"


def read_token(settings: ProviderSettings) -> ClaudeToken | None:
    """The token to use, or None when there is none; FetchError when it is unusable.

    Opens the credentials file read-only and never writes anywhere.
    """
    configured = to_str(settings.option("token"))
    if configured:
        return ClaudeToken(configured, "config")
    from_env = to_str(os.environ.get(ENV_TOKEN))
    if from_env:
        return ClaudeToken(from_env, f"env:{ENV_TOKEN}")
    path = credentials_path(settings)
    data = read_json_object(path, RENEW_HINT)
    if data is None:
        return None
    oauth = as_dict(data.get("claudeAiOauth"))
    token = to_str(oauth.get("accessToken"))
    if not token:
        raise FetchError("auth", f"{path} holds no Claude login; {RENEW_HINT}")
    plan = to_str(oauth.get("subscriptionType"))
    return ClaudeToken(token, str(path), parse_time(oauth.get("expiresAt")), plan and plan.lower())


class Claude(Provider):
    """Claude subscription usage: 5h, 7d, per-model weekly windows and extra usage."""

    id: ClassVar[str] = "claude"
    name: ClassVar[str] = "Claude"
    kind: ClassVar[str] = "subscription"
    default_base_url: ClassVar[str] = "https://api.anthropic.com"
    default_interval: ClassVar[float] = 600.0
    min_interval: ClassVar[float] = 300.0
    # Claude Code's own User-Agent: generic UAs get persistent 429s, and saved
    # resets (cedar_ember) answer "ineligible: surface" to anything else
    # (CodexBar #3895).
    default_user_agent: ClassVar[str] = "claude-cli/2.1.280 (external, cli)"
    # The query Claude Code sends for saved resets. It keeps the spend object
    # (no skip_spend): spend-only accounts need it.
    usage_query: ClassVar[str] = "cedar_ember=1"
    beta_header: ClassVar[str] = "oauth-2025-04-20"

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        try:
            found = read_token(settings)
        except FetchError as exc:
            return CredentialInfo(source=str(credentials_path(settings)), detail=exc.message, usable=False)
        if found is None:
            return None
        return CredentialInfo(source=found.source, detail=login_detail(found.expires_at, found.plan))

    def credential_paths(self, settings: ProviderSettings) -> list[str]:
        return [str(credentials_path(settings))]

    def usage_url(self, settings: ProviderSettings) -> str:
        query = str(settings.option("usage_query", self.usage_query) or "")
        return f"{self.base_url(settings)}/api/oauth/usage" + (f"?{query}" if query else "")

    def headers(self, settings: ProviderSettings, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "anthropic-beta": str(settings.option("beta", self.beta_header)),
            "User-Agent": self.user_agent(settings),
            "Accept": "application/json",
        }

    async def fetch(self, session: aiohttp.ClientSession, settings: ProviderSettings) -> ProviderResult:
        from llmeter_bar.providers.http import (
            request_json,  # aiohttp only when fetching
        )

        found = read_token(settings)
        if found is None:
            raise NotConfigured(
                f"no Claude Code login found ({credentials_path(settings)}); run `claude` and log in"
            )
        register_secret(found.token)
        now = utcnow()
        refuse_expired(found.expires_at, now, "Claude Code", RENEW_HINT)
        payload = await request_json(
            session,
            "GET",
            self.usage_url(settings),
            timeout=settings.timeout,
            auth_hint=RENEW_HINT,
            headers=self.headers(settings, found.token),
        )
        return self.parse(payload, settings, now).with_(plan=found.plan)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        usage = parse_body(payload, now)
        return self.result(settings, fetched_at=now or utcnow(), windows=usage.windows, cost=usage.cost,
                           extras=usage.extras, unknown_fields=usage.unknown)
