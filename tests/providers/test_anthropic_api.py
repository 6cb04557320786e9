"""Anthropic admin cost report: recorded pages, pagination, month bounds, budget, errors."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from support.fixtures import FIXTURES, load_fixture
from llmeter_bar.store import credstore
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.providers.anthropic_api import AnthropicApi
from llmeter_bar.providers.base import ProviderSettings

KEY = "sk-ant-admin01-FAKE-0123456789abcdef"
URL = re.compile(r"^https://api\.anthropic\.com/v1/organizations/cost_report\?.*$")
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)
provider = AnthropicApi()
NAMES = sorted(p.stem for p in (FIXTURES / "anthropic_api").glob("*.json"))



def page(cents: list[str], more: bool = False, cursor: str | None = None) -> dict[str, Any]:
    return {"data": [{"results": [{"amount": c, "currency": "USD"} for c in cents]}], "has_more": more, "next_page": cursor}


@pytest.mark.parametrize("name", NAMES)
def test_fixture_parses_to_expected(name: str) -> None:
    fixture = load_fixture("anthropic_api", name)
    settings = ProviderSettings(id="anthropic-api")
    if "error" in fixture["expected"]:
        with pytest.raises(FetchError) as info:
            provider.parse(fixture["payload"], settings, NOW)
        assert info.value.kind == "parse"
        return
    result = provider.parse(fixture["payload"], settings, NOW)
    assert result.kind == "api" and result.id == "anthropic-api"
    assert result.cost is not None
    assert result.cost.used == pytest.approx(fixture["expected"]["total_usd"])
    assert result.cost.period == "month" and result.cost.currency == "USD"
    assert result.cost.resets_at == datetime(2026, 4, 1, tzinfo=timezone.utc)
    assert result.cost.limit is None and result.cost.used_percent is None


@pytest.mark.parametrize(
    "payload",
    [{}, {"data": []}, {"error": {"message": "invalid x-api-key"}}, [], "text",
     {"data": [{"results": [{"amount": "abc"}]}], "has_more": False},
     {"data": [{"results": [{"amount": "NaN"}]}], "has_more": False},
     {"data": [{"results": [{"amount": None}]}], "has_more": False},
     {"data": [{"nothing": 1}], "has_more": False}],
)
def test_unusable_pages_are_parse_errors_not_zero(payload: Any) -> None:
    with pytest.raises(FetchError) as info:
        provider.parse(payload, ProviderSettings(id="anthropic-api"), NOW)
    assert info.value.kind == "parse"


def test_pages_are_summed_exactly() -> None:
    result = provider.parse([page(["0.1", "0.2"], True, "p2"), page(["99.7"])], ProviderSettings(id="anthropic-api"), NOW)
    assert result.cost.used == 1.0


@pytest.mark.parametrize(
    ("budget", "percent"), [(50, 24.69), (10.0, 100.0), (1000, 1.2345)],
)
def test_budget_sets_limit(budget: float, percent: float) -> None:
    settings = ProviderSettings(id="anthropic-api", options={"budget": budget})
    result = provider.parse(page(["1234.5"]), settings, NOW)
    assert result.cost.used == pytest.approx(12.345)
    assert result.cost.limit == budget
    assert result.cost.used_percent == pytest.approx(percent)


@pytest.mark.parametrize("budget", [0, -5, "50", True])
def test_bad_budget_is_config_error(budget: Any) -> None:
    with pytest.raises(FetchError) as info:
        provider.parse(page(["1"]), ProviderSettings(id="anthropic-api", options={"budget": budget}), NOW)
    assert info.value.kind == "config"


@pytest.mark.parametrize(
    ("now", "start", "end", "reset"),
    [
        (datetime(2026, 1, 31, 23, 59, 59, tzinfo=timezone.utc), "2026-01-01T00:00:00Z", "2026-01-31T23:59:59Z", datetime(2026, 2, 1, tzinfo=timezone.utc)),
        (datetime(2026, 2, 1, 0, 0, 0, tzinfo=timezone.utc), "2026-02-01T00:00:00Z", "2026-02-28T23:59:59Z", datetime(2026, 3, 1, tzinfo=timezone.utc)),
        (datetime(2028, 2, 29, 12, 0, tzinfo=timezone.utc), "2028-02-01T00:00:00Z", "2028-02-29T23:59:59Z", datetime(2028, 3, 1, tzinfo=timezone.utc)),
        (datetime(2026, 12, 31, 23, 0, tzinfo=timezone.utc), "2026-12-01T00:00:00Z", "2026-12-31T23:59:59Z", datetime(2027, 1, 1, tzinfo=timezone.utc)),
    ],
)
async def test_month_bounds_with_fixed_clock(now: datetime, start: str, end: str, reset: datetime) -> None:
    with aioresponses() as mocked:
        mocked.get(URL, payload=page(["500"]))
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch_with_key(session, ProviderSettings(id="anthropic-api"), KEY, now=now)
    (method, url), calls = next(iter(mocked.requests.items()))
    assert method == "GET"
    assert url.query["starting_at"] == start and url.query["ending_at"] == end
    assert url.query["bucket_width"] == "1d" and url.query["limit"] == "31"
    assert "page" not in url.query
    assert result.cost.resets_at == reset and result.cost.used == 5.0


async def test_request_headers_and_pagination(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", KEY)
    with aioresponses() as mocked:
        mocked.get(URL, payload=page(["100"], True, "cursor-2"))
        mocked.get(URL, payload=page(["250.5"], True, "cursor-3"))
        mocked.get(URL, payload=page(["49.5"]))
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch(session, ProviderSettings(id="anthropic-api"), now=NOW)
    calls = [(url, call) for (_, url), items in mocked.requests.items() for call in items]
    assert [url.query.get("page") for url, _ in calls] == [None, "cursor-2", "cursor-3"]
    headers = calls[0][1].kwargs["headers"]
    assert headers["x-api-key"] == KEY and headers["anthropic-version"] == "2023-06-01"
    assert headers["User-Agent"].startswith("llmeter-bar/")
    assert result.cost.used == 4.0


async def test_repeated_cursor_is_a_parse_error() -> None:
    with aioresponses() as mocked:
        mocked.get(URL, payload=page(["1"], True, "same"))
        mocked.get(URL, payload=page(["1"], True, "same"))
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await provider.fetch_with_key(session, ProviderSettings(id="anthropic-api"), KEY, now=NOW)
    assert info.value.kind == "parse"


@pytest.mark.parametrize(
    ("status", "kind", "headers"),
    [(401, "auth", {}), (403, "auth", {}), (429, "rate_limit", {"Retry-After": "30"}), (500, "unavailable", {}), (404, "unavailable", {})],
)
async def test_error_statuses_never_echo_the_key(status: int, kind: str, headers: dict[str, str]) -> None:
    with aioresponses() as mocked:
        mocked.get(URL, status=status, body=f'{{"error": "bad key {KEY}"}}', headers=headers)
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await provider.fetch_with_key(session, ProviderSettings(id="anthropic-api"), KEY, now=NOW)
    assert info.value.kind == kind
    assert KEY not in str(info.value) and KEY not in info.value.message and KEY not in repr(info.value.args)
    if status == 429:
        assert info.value.retry_after == 30


def test_credential_order_env_then_config_then_store(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ProviderSettings(id="anthropic-api", options={"api_key": "sk-ant-admin01-config-key"})
    assert provider.credentials(ProviderSettings(id="anthropic-api")) is None
    credstore.put("anthropic-api", None, {"api_key": "sk-ant-admin01-stored-key"})
    assert provider.credentials(ProviderSettings(id="anthropic-api")).source == "store"
    assert provider.credentials(settings).source == "config"
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", KEY)
    info = provider.credentials(settings)
    assert info.source == "env:ANTHROPIC_ADMIN_KEY" and KEY not in repr(info)


async def test_no_key_is_not_configured() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NotConfigured):
            await provider.fetch(session, ProviderSettings(id="anthropic-api"))
