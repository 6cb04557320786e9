"""DeepSeek: the prepaid API balance (``GET https://api.deepseek.com/user/balance``).

A balance has nothing to divide by, so the headline is the money left; the
``budget`` option (what you topped up, say) adds a window "spent of budget" so
thresholds and alerts have a percent. Reading it right:

* every amount is a decimal **string**; ``total_balance`` = granted + topped up;
* ``balance_infos`` may hold CNY and USD rows: the ``currency`` option picks one,
  else the first row with money in it (USD before CNY), never a 0.00 row while
  another currency has money;
* ``is_available: false`` means the key cannot make API calls (an empty or
  disabled account): an error with the fix, not a figure.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.errors import FetchError
from llmeter_bar.models import Credits, ProviderResult, Window, utcnow
from llmeter_bar.providers import _money
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.keyed import ApiKeyProvider

if TYPE_CHECKING:
    import aiohttp

ENV = "DEEPSEEK_API_KEY"
AUTH_HINT = "check DEEPSEEK_API_KEY or run `llmeter-bar login deepseek`"
TOP_UP = "top up at https://platform.deepseek.com/top_up"
PREFERRED = ("USD", "CNY")
SHAPE = {"is_available": None, "balance_infos": {"[]": {
    "currency": None, "total_balance": None, "granted_balance": None, "topped_up_balance": None}}}


def money(amount: float, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def balances(payload: Any) -> list[tuple[str, float]]:
    """(currency, total) per ``balance_infos`` row, in the order given."""
    infos = payload.get("balance_infos")
    if not isinstance(infos, list):
        raise FetchError("parse", "deepseek balance response has no balance_infos list")
    rows: list[tuple[str, float]] = []
    for info in infos:
        currency = info.get("currency") if isinstance(info, dict) else None
        if not isinstance(currency, str) or not currency.strip():
            raise FetchError("parse", "deepseek balance row without a currency")
        total = _money.amount(info.get("total_balance"), f"deepseek {currency} total_balance")
        if total < 0:
            raise FetchError("parse", f"deepseek {currency} balance is negative ({total:g}): the format changed")
        rows.append((currency.strip().upper(), total))
    if len({currency for currency, _ in rows}) != len(rows):
        raise FetchError("parse", "deepseek balance lists one currency twice")
    return rows


def choose(rows: list[tuple[str, float]], wanted: Any) -> tuple[str, float]:
    if isinstance(wanted, str) and wanted.strip():
        for row in rows:
            if row[0] == wanted.strip().upper():
                return row
        raise FetchError("config", f"provider.deepseek.currency {wanted!r} is not in the balance "
                                   f"({', '.join(c for c, _ in rows)})")
    ranked = sorted(rows, key=lambda r: (r[1] <= 0, PREFERRED.index(r[0]) if r[0] in PREFERRED else 9))
    return ranked[0]


def upstream_error(payload: dict[str, Any]) -> FetchError | None:
    """An OpenAI-style ``{"error": {...}}`` body that arrived with a 2xx status."""
    error = payload.get("error")
    if not isinstance(error, dict):
        return None
    kind = "auth" if error.get("type") == "authentication_error" else "unavailable"
    text = str(error.get("message") or error.get("type") or "error")[:120]
    return FetchError(kind, f"DeepSeek says: {text}" + (f"; {AUTH_HINT}" if kind == "auth" else ""))


class DeepSeek(ApiKeyProvider):
    key_env: ClassVar[str] = ENV
    key_label: ClassVar[str] = "DeepSeek API key"
    id: ClassVar[str] = "deepseek"
    name: ClassVar[str] = "DeepSeek"
    kind: ClassVar[str] = "api"
    default_base_url: ClassVar[str] = "https://api.deepseek.com"
    opencode_entry: ClassVar[str] = "deepseek"

    async def fetch_with_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, now: datetime | None = None
    ) -> ProviderResult:
        payload = await self.get_bearer_json(session, settings, key, "/user/balance", auth_hint=AUTH_HINT)
        return self.parse(payload, settings, now)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        now = now or utcnow()
        if not isinstance(payload, dict):
            raise FetchError("parse", "deepseek balance response is not an object")
        problem = upstream_error(payload)
        if problem is not None:
            raise problem
        available = payload.get("is_available")
        if not isinstance(available, bool):
            raise FetchError("parse", "deepseek balance response has no is_available flag")
        rows = balances(payload)
        if not rows:
            if not available:
                raise FetchError("unavailable", f"DeepSeek API calls are disabled for this account; {TOP_UP}",
                                 label="off")
            raise FetchError("unavailable", "DeepSeek reports no balance for this account (no prepaid plan); "
                                            f"{TOP_UP}", label="none")
        currency, total = choose(rows, settings.option("currency"))
        if not available:
            if total <= 0:
                raise FetchError("unavailable", f"DeepSeek balance is {money(total, currency)}: API calls are "
                                                f"refused until you {TOP_UP}", label="topup")
            raise FetchError("unavailable", f"DeepSeek refuses API calls for this account although "
                                            f"{money(total, currency)} is left: it is disabled; check "
                                            "https://platform.deepseek.com", label="off")
        windows = []
        budget = _money.budget(settings)
        if budget is not None:
            spent = max(0.0, budget - total)
            windows.append(Window("budget", "Budget", spent / budget * 100.0, used=spent, limit=budget))
        return self.result(
            settings,
            windows=windows,
            credits=Credits(balance=total, currency=currency, label="balance"),
            source="api",
            fetched_at=now,
            unknown_fields=unknown_keys(payload, SHAPE),
        )
