"""Providers authenticated by one API key: the env var always wins, then the
config (``api_key``/``key``), then llmeter-bar's credential store."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.providers import _money
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings

if TYPE_CHECKING:
    import aiohttp

    from llmeter_bar.models import ProviderResult


class ApiKeyProvider(Provider):
    key_env: ClassVar[str] = ""
    key_label: ClassVar[str] = "API key"

    def _secret(self, settings: ProviderSettings) -> tuple[str, str] | None:
        return _money.find_secret(settings, (self.key_env,), (self.id,))

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        return _money.credential_info(lambda: self._secret(settings))

    def require_key(self, settings: ProviderSettings) -> str:
        return _money.require_secret(self._secret(settings), self.key_label, self.key_env, self.id)

    async def fetch(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, now: datetime | None = None
    ) -> ProviderResult:
        return await self.fetch_with_key(session, settings, self.require_key(settings), now=now)

    async def fetch_with_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, *args: Any, **kwargs: Any
    ) -> ProviderResult:
        raise NotImplementedError
