"""Azure OpenAI with a resource name and an ``api-key``: only what the data plane offers.

An API key reaches the resource's data plane, which has no spend and no
month-scoped quota: money lives in Azure Cost Management (an Azure AD login,
not a key), and deployment rate limits are per-minute figures that cannot be
set against cumulative usage. So we validate the key with the model list, then
try the usage listing tokstat probes (``/openai/usage``); when the resource
does not serve it, the result is an honest ``unavailable``, never a fake 0 %.
If it does serve totals, tokens become a window only against a ``token_limit``
the user configured.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.models import ProviderResult, Window, utcnow
from llmeter_bar.providers import _money
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.keyed import ApiKeyProvider

if TYPE_CHECKING:
    import aiohttp

ENV_KEY = "AZURE_OPENAI_API_KEY"
ENV_RESOURCE = "AZURE_OPENAI_RESOURCE"
API_VERSION = "2024-06-01"
AUTH_HINT = "check the key and resource, or run `llmeter-bar login azure-openai`"
# A resource name becomes a host name: nothing but letters, digits and dashes.
_RESOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
NO_USAGE = (
    "Azure OpenAI offers no usage or spend to API keys on this resource "
    "(spend is in Azure Cost Management)"
)


class AzureOpenAI(ApiKeyProvider):
    key_env: ClassVar[str] = ENV_KEY
    key_label: ClassVar[str] = "Azure OpenAI API key"
    id: ClassVar[str] = "azure-openai"
    name: ClassVar[str] = "Azure OpenAI"
    kind: ClassVar[str] = "api"
    default_interval: ClassVar[float] = 900.0

    def resource(self, settings: ProviderSettings) -> str | None:
        """Resource name, env first, then config, then the stored login."""
        value = os.environ.get(ENV_RESOURCE, "").strip() or settings.option("resource")
        if not value:
            from llmeter_bar.store import credstore

            try:
                entry = credstore.get(self.id, settings.instance) or {}
            except credstore.CredentialStoreError as exc:
                raise FetchError("config", str(exc)) from None
            value = entry.get("resource")
        return value.strip() if isinstance(value, str) and value.strip() else None

    def endpoint(self, settings: ProviderSettings, resource: str | None) -> str:
        if settings.base_url:
            return settings.base_url.rstrip("/")
        if not resource:
            raise NotConfigured(f"no Azure OpenAI resource: set {ENV_RESOURCE} or run `llmeter-bar login azure-openai`")
        if not _RESOURCE.match(resource):
            raise FetchError("config", "Azure OpenAI resource must be a resource name like 'my-resource'")
        return f"https://{resource}.openai.azure.com"

    async def fetch(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, now: datetime | None = None
    ) -> ProviderResult:
        key = self.require_key(settings)
        return await self.fetch_with_key(session, settings, key, self.resource(settings), now=now)

    async def check_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, resource: str | None
    ) -> None:
        """One cheap authenticated call (the model list): raises FetchError when the key is refused."""
        from llmeter_bar.providers.http import request_json

        with _money.scrubbed(key):
            await request_json(
                session, "GET", self.endpoint(settings, resource) + "/openai/models",
                timeout=settings.timeout, auth_hint=AUTH_HINT,
                headers=self._headers(settings, key), params={"api-version": API_VERSION},
            )

    async def fetch_with_key(
        self,
        session: aiohttp.ClientSession,
        settings: ProviderSettings,
        key: str,
        resource: str | None,
        now: datetime | None = None,
    ) -> ProviderResult:
        from llmeter_bar.providers.http import request_json

        await self.check_key(session, settings, key, resource)
        try:
            with _money.scrubbed(key):
                usage = await request_json(
                    session, "GET", self.endpoint(settings, resource) + "/openai/usage",
                    timeout=settings.timeout, auth_hint=AUTH_HINT,
                    headers=self._headers(settings, key), params={"api-version": API_VERSION},
                )
        except FetchError as exc:
            if exc.kind in ("unavailable", "parse"):
                raise FetchError("unavailable", NO_USAGE) from None
            raise
        return self.parse(usage, settings, now)

    def _headers(self, settings: ProviderSettings, key: str) -> dict[str, str]:
        return {"api-key": key, "User-Agent": self.user_agent(settings), "Accept": "application/json"}

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        now = now or utcnow()
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list) or not data:
            raise FetchError("unavailable", NO_USAGE)
        tokens = requests = 0.0
        for row in data:
            if not isinstance(row, dict):
                raise FetchError("parse", "azure usage row is not an object")
            tokens += _money.amount(row.get("total_tokens", 0), "azure total_tokens")
            requests += _money.amount(row.get("total_requests", 0), "azure total_requests")
        windows = []
        limit = settings.option("token_limit")
        if isinstance(limit, (int, float)) and not isinstance(limit, bool) and limit > 0:
            windows.append(
                Window(id="tokens", label="Tokens", used_percent=tokens / limit * 100.0, used=tokens, limit=float(limit))
            )
        return self.result(
            settings,
            windows=windows,
            plan=f"{int(tokens):,} tokens, {int(requests):,} requests",
            source="api",
            fetched_at=now,
        )
