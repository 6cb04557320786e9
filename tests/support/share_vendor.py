"""A vendor for the sharing tests: an account id and a token in a credentials
file under HOME (like Claude Code's), the token sent as a Bearer header to
``GET {base_url}/usage/{key}`` on the local fake server, which counts requests.

Loaded through config (``module = "support.share_vendor:Vendor"``); its short
minimum interval lets a test run ten intervals in seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmeter_bar.providers.base import CredentialInfo, ProviderSettings
from support.fake_provider import FakeProvider


def credentials_file() -> Path:
    return Path.home() / ".vendor" / "credentials.json"


def write_credentials(home: Path, token: str, account_id: str, email: str) -> None:
    path = home / ".vendor" / "credentials.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"token": token, "account_id": account_id, "email": email}))


class Vendor(FakeProvider):
    id = "vendor"
    name = "Vendor"
    min_interval = 0.5

    def _creds(self) -> dict[str, Any] | None:
        try:
            return json.loads(credentials_file().read_text())
        except (OSError, ValueError):
            return None

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        return CredentialInfo(source=str(credentials_file())) if self._creds() else None

    def account_id(self, settings: ProviderSettings) -> str | None:
        creds = self._creds()
        return creds.get("account_id") if creds else None

    async def fetch(self, session: Any, settings: ProviderSettings) -> Any:
        from llmeter_bar.errors import NotConfigured
        from llmeter_bar.logs import register_secret
        from llmeter_bar.providers.http import request_json

        creds = self._creds()
        if not creds:
            raise NotConfigured("no vendor login")
        register_secret(creds["token"])
        url = f"{self.base_url(settings)}/usage/{settings.id}"
        payload = await request_json(session, "GET", url, timeout=settings.timeout,
                                     headers={"Authorization": f"Bearer {creds['token']}"})
        return self.parse(payload, settings).with_(account=creds.get("email"))
