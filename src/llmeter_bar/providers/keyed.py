"""Providers authenticated by one API key: the env var always wins, then the
config (``api_key``/``key``), then llmeter-bar's credential store, then (for a
provider that sets ``opencode_entry``) the key typed into ``opencode auth login``."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar import logs
from llmeter_bar.errors import FetchError
from llmeter_bar.providers import _money, credfile
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings

if TYPE_CHECKING:
    import aiohttp

    from llmeter_bar.models import ProviderResult


def opencode_auth_path() -> Path:
    """Where OpenCode keeps the keys of ``opencode auth login`` (its XDG data dir)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "opencode" / "auth.json"


def opencode_key(entry_name: str) -> tuple[str, str] | None:
    """(key, path) of OpenCode's ``entry_name`` entry of type ``api``. The file is
    OpenCode's: read only, bounded, never written."""
    path = opencode_auth_path()
    data = credfile.read_json_object(path, "run `opencode auth login` again")
    entry = data.get(entry_name) if data else None
    key = entry.get("key") if isinstance(entry, dict) and entry.get("type", "api") == "api" else None
    if not isinstance(key, str) or not key.strip():
        return None
    logs.register_secret(key.strip())
    return key.strip(), str(path)


class ApiKeyProvider(Provider):
    key_env: ClassVar[str] = ""
    key_label: ClassVar[str] = "API key"
    opencode_entry: ClassVar[str] = ""  # this provider's entry in OpenCode's auth.json, if any

    def _secret(self, settings: ProviderSettings) -> tuple[str, str] | None:
        found = _money.find_secret(settings, (self.key_env,), (self.id,))
        if found is None and self.opencode_entry:
            found = opencode_key(self.opencode_entry)
        return found

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        try:
            found = self._secret(settings)
        except FetchError as exc:
            where = next((str(p) for p in self.other_files() if str(p) in exc.message), "store")
            return CredentialInfo(source=where, detail=exc.message, usable=False)
        return CredentialInfo(source=found[1]) if found else None

    def other_files(self) -> list[Path]:
        """Other programs' files this provider may take its key from."""
        return [opencode_auth_path()] if self.opencode_entry else []

    def credential_paths(self, settings: ProviderSettings) -> list[str]:
        return [str(p) for p in self.other_files()]

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

    def bearer_headers(self, settings: ProviderSettings, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}", "Accept": "application/json",
                "User-Agent": self.user_agent(settings)}

    async def get_bearer_json(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, path: str, *,
        auth_hint: str, params: dict[str, str] | None = None,
    ) -> Any:
        """GET base_url + path with the key as a Bearer token, the key scrubbed from any error."""
        from llmeter_bar.providers.http import request_json

        with _money.scrubbed(key):
            return await request_json(session, "GET", self.base_url(settings) + path, timeout=settings.timeout,
                                      auth_hint=auth_hint, headers=self.bearer_headers(settings, key),
                                      params=params)
