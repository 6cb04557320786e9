"""OpenCode Go (subscription windows): an API key first, else the web page.

The key (``/zen/go/v1/usage``, no cookie needed) comes from
``$OPENCODE_GO_API_KEY``, option ``api_key``, or OpenCode's own ``auth.json``
(read-only); without one, the cookie and page of :class:`OpenCodeBase` are
used. Parsing of both lives in :mod:`opencode_go_parse`.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar import logs
from llmeter_bar.errors import FetchError
from llmeter_bar.models import ProviderResult, utcnow
from llmeter_bar.providers import opencode_go_parse
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers.base import CredentialInfo, ProviderSettings
from llmeter_bar.providers.credfile import read_json_object
from llmeter_bar.providers.opencode import _WORKSPACE, OpenCodeBase

if TYPE_CHECKING:
    import aiohttp

GO_KEY_ENV = "OPENCODE_GO_API_KEY"


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


class OpenCodeGo(OpenCodeBase):
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
                           fetched_at=now, unknown_fields=unknown_keys(payload, opencode_go_parse.API_SHAPE))

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
            return self.result(settings, windows=windows, source="api", fetched_at=now,
                               unknown_fields=unknown_keys(payload, opencode_go_parse.API_SHAPE))
        windows = opencode_go_parse.parse_page(str(payload), now)
        return self.result(settings, windows=windows, source="cookie", fetched_at=now)
