"""OpenAI API spend: organisation costs, read with an admin key.

``GET /v1/organization/costs`` returns daily buckets whose results carry
``amount.value`` in dollars, as a number or a numeric string ("2.25"). The
listing is paginated with an opaque ``next_page`` token passed back as ``page``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.errors import FetchError
from llmeter_bar.models import ProviderResult, utcnow
from llmeter_bar.providers import _money
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.keyed import ApiKeyProvider

if TYPE_CHECKING:
    import aiohttp

ENV = "OPENAI_ADMIN_KEY"
AUTH_HINT = "an admin key (sk-admin-...) is required; run `llmeter-bar login openai-api`"


class OpenAIApi(ApiKeyProvider):
    key_env: ClassVar[str] = ENV
    key_label: ClassVar[str] = "OpenAI admin key"
    id: ClassVar[str] = "openai-api"
    name: ClassVar[str] = "OpenAI API"
    kind: ClassVar[str] = "api"
    default_base_url: ClassVar[str] = "https://api.openai.com"
    default_interval: ClassVar[float] = 900.0

    async def fetch_with_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, now: datetime | None = None
    ) -> ProviderResult:
        now = now or utcnow()
        start, end = _money.month_bounds(now)
        with _money.scrubbed(key):
            pages = await _money.fetch_pages(
                session,
                self.base_url(settings) + "/v1/organization/costs",
                settings,
                headers={
                    "Authorization": f"Bearer {key}",
                    "User-Agent": self.user_agent(settings),
                    "Accept": "application/json",
                },
                params={
                    "start_time": str(int(start.timestamp())),
                    "end_time": str(int((end - timedelta(seconds=1)).timestamp())),
                    "bucket_width": "1d",
                    "limit": "31",
                },
                auth_hint=AUTH_HINT,
            )
        return self.parse(pages, settings, now)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        """``payload`` is one costs page or the list of all pages of the month."""
        now = now or utcnow()
        dollars = _money.sum_pages(payload, page_dollars, "costs")
        return self.result(
            settings, cost=_money.monthly_cost(settings, float(dollars), now), source="api", fetched_at=now
        )


def page_dollars(page: Any) -> Decimal:
    if not isinstance(page, dict):
        raise FetchError("parse", "costs page is not a JSON object")
    if "error" in page:
        raise FetchError("parse", "costs endpoint answered with an error object")
    data = page.get("data")
    if not isinstance(data, list):
        # A page without data is a changed format, not a month without spend.
        raise FetchError("parse", "costs page lacks a data list: the format changed")
    total = Decimal(0)
    for item in _money.bucket_results(data, "costs"):
        money = item.get("amount") if isinstance(item, dict) else None
        if not isinstance(money, dict):
            raise FetchError("parse", "costs result without an amount object")
        currency = money.get("currency", "usd")
        if not isinstance(currency, str) or currency.lower() != "usd":
            raise FetchError("parse", f"costs amount in {currency!r}, expected usd")
        total += _money.decimal_amount(money.get("value"), "costs amount.value")
    return total
