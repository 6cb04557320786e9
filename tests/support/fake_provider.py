"""A provider defined by the tests: GET {base_url}/usage/{id} -> {"used": N}.

Loaded through config (``module = "support.fake_provider:FakeProvider"``) so the
real registry, refresh engine and detached refresher handle it like any other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.models import ProviderResult, Window
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings


class FakeProvider(Provider):
    id = "fake"
    name = "Fake"
    default_base_url = "http://127.0.0.1:9"
    default_interval = 1.0
    min_interval = 1.0

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        return None if settings.option("no_credentials") else CredentialInfo(source="config")

    async def fetch(self, session: Any, settings: ProviderSettings) -> ProviderResult:
        from llmeter_bar.providers.http import request_json

        if settings.option("no_credentials"):
            raise NotConfigured("no fake credentials")
        if settings.option("crash"):
            raise RuntimeError("provider bug")
        if settings.option("block"):  # a read that never returns, stuck outside the event loop's reach
            import time

            time.sleep(float(settings.option("block")))
        url = f"{self.base_url(settings)}/usage/{settings.key}"
        payload = await request_json(session, "GET", url, timeout=settings.timeout,
                                     headers={"User-Agent": self.user_agent(settings)})
        return self.parse(payload, settings)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        if not isinstance(payload, dict) or not isinstance(payload.get("used"), (int, float)):
            raise FetchError("parse", "fake payload without a numeric 'used'")
        return self.result(settings, windows=[Window("five_hour", "5h", float(payload["used"]), None, 18000)],
                           plan=payload.get("plan"),
                           unknown_fields=unknown_keys(payload, {"used": None, "plan": None}))
