"""Anthropic API spend: the organisation cost report, read with an admin key.

``GET /v1/organizations/cost_report`` returns daily buckets; each result's
``amount`` is a decimal *string* in cents (fractions allowed: "34.5" is
$0.345). The month is summed with Decimal so cents never drift. Spend can lag
about a day behind real usage; that is the API, not us.
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

ENV = "ANTHROPIC_ADMIN_KEY"
API_VERSION = "2023-06-01"
AUTH_HINT = "an admin key (sk-ant-admin01-...) is required; run `llmeter-bar login anthropic-api`"


class AnthropicApi(ApiKeyProvider):
    key_env: ClassVar[str] = ENV
    key_label: ClassVar[str] = "Anthropic admin key"
    id: ClassVar[str] = "anthropic-api"
    name: ClassVar[str] = "Anthropic API"
    kind: ClassVar[str] = "api"
    default_base_url: ClassVar[str] = "https://api.anthropic.com"
    # Cost data moves slowly (daily buckets, ~1 day lag): no need to poll often.
    default_interval: ClassVar[float] = 900.0

    async def fetch_with_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, now: datetime | None = None
    ) -> ProviderResult:
        now = now or utcnow()
        start, end = _money.month_bounds(now)
        with _money.scrubbed(key):
            pages = await _money.fetch_pages(
                session,
                self.base_url(settings) + "/v1/organizations/cost_report",
                settings,
                headers={
                    "x-api-key": key,
                    "anthropic-version": API_VERSION,
                    "User-Agent": self.user_agent(settings),
                    "Accept": "application/json",
                },
                params={
                    "starting_at": _money.iso_z(start),
                    # The last second of the month: a closed range of whole days.
                    "ending_at": _money.iso_z(end - timedelta(seconds=1)),
                    "bucket_width": "1d",
                    "limit": "31",
                },
                auth_hint=AUTH_HINT,
            )
        return self.parse(pages, settings, now)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        """``payload`` is one cost-report page or the list of all pages of the month."""
        now = now or utcnow()
        used = float(_money.sum_pages(payload, page_cents, "cost report") / 100)
        return self.result(settings, cost=_money.monthly_cost(settings, used, now), source="api", fetched_at=now)


def page_cents(page: Any) -> Decimal:
    """Total cents of one page; anything that is not a well-formed page is a parse error."""
    if not isinstance(page, dict):
        raise FetchError("parse", "cost report is not a JSON object")
    if "error" in page:
        # A 200 carrying an error envelope must not read as $0 spent.
        raise FetchError("parse", "cost report answered with an error object")
    data = page.get("data")
    if not isinstance(data, list) or not isinstance(page.get("has_more"), bool):
        raise FetchError("parse", "cost report lacks data/has_more: the format changed")
    total = Decimal(0)
    for item in _money.bucket_results(data, "cost report"):
        if not isinstance(item, dict):
            raise FetchError("parse", "cost report result is not an object")
        currency = item.get("currency", "USD")
        # The docs say amounts are always USD; another currency would be mis-summed.
        if not isinstance(currency, str) or currency.upper() != "USD":
            raise FetchError("parse", f"cost report amount in {currency!r}, expected USD")
        total += _money.decimal_amount(item.get("amount"), "cost report amount")
    return total
