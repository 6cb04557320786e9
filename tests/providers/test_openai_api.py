"""OpenAI admin costs: recorded pages, cursor pagination, month bounds, budget, errors."""

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
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.openai_api import OpenAIApi

KEY = "sk-admin-FAKE-0123456789abcdef"
URL = re.compile(r"^https://api\.openai\.com/v1/organization/costs\?.*$")
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)
provider = OpenAIApi()
SINGLE = sorted(p.stem for p in (FIXTURES / "openai_api").glob("*.json") if "page1" not in p.stem and "page2" not in p.stem)



def page(values: list[Any], more: bool = False, cursor: str | None = None) -> dict[str, Any]:
    results = [{"amount": {"value": v, "currency": "usd"}} for v in values]
    return {"object": "page", "data": [{"results": results}], "has_more": more, "next_page": cursor}


@pytest.mark.parametrize("name", SINGLE)
def test_fixture_parses_to_expected(name: str) -> None:
    fixture = load_fixture("openai_api", name)
    result = provider.parse(fixture["payload"], ProviderSettings(id="openai-api"), NOW)
    assert result.kind == "api" and result.id == "openai-api"
    assert result.cost.used == pytest.approx(fixture["expected"]["total_usd"])
    assert result.cost.period == "month"
    assert result.cost.resets_at == datetime(2026, 4, 1, tzinfo=timezone.utc)


def test_paged_fixtures_each_and_combined() -> None:
    one = load_fixture("openai_api", "codexbar_openai_costs_page1_has_more")
    two = load_fixture("openai_api", "codexbar_openai_costs_page2_last")
    settings = ProviderSettings(id="openai-api")
    assert provider.parse(one["payload"], settings, NOW).cost.used == pytest.approx(one["expected"]["page_usd"])
    assert provider.parse(two["payload"], settings, NOW).cost.used == pytest.approx(two["expected"]["page_usd"])
    both = provider.parse([one["payload"], two["payload"]], settings, NOW)
    assert both.cost.used == pytest.approx(one["expected"]["combined_with_page2_usd"])


async def test_paged_fixtures_fetched_by_cursor() -> None:
    one = load_fixture("openai_api", "codexbar_openai_costs_page1_has_more")["payload"]
    two = load_fixture("openai_api", "codexbar_openai_costs_page2_last")["payload"]
    with aioresponses() as mocked:
        mocked.get(URL, payload=one)
        mocked.get(URL, payload=two)
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch_with_key(session, ProviderSettings(id="openai-api"), KEY, now=NOW)
    urls = [url for (_, url) in mocked.requests]
    assert [u.query.get("page") for u in urls] == [None, "costs_page_2"]
    assert result.cost.used == pytest.approx(4.0)


@pytest.mark.parametrize(
    "payload",
    [{"object": "page", "has_more": False, "next_page": None}, {}, {"error": {"message": "x"}}, "html",
     page(["NaN"]), page(["Infinity"]), page(["1e309"]), page([None]), page(["twelve"]),
     {"data": [{"results": [{"amount": {"value": 1, "currency": "eur"}}]}]},
     {"data": [{"results": [{"line_item": "x"}]}]}],
)
def test_unusable_pages_are_parse_errors(payload: Any) -> None:
    with pytest.raises(FetchError) as info:
        provider.parse(payload, ProviderSettings(id="openai-api"), NOW)
    assert info.value.kind == "parse"


def test_budget_math() -> None:
    settings = ProviderSettings(id="openai-api", options={"budget": 40})
    result = provider.parse(page([12.5, "7.5"]), settings, NOW)
    assert result.cost.used == 20.0 and result.cost.limit == 40.0
    assert result.cost.used_percent == 50.0


@pytest.mark.parametrize(
    ("now", "start", "end", "reset"),
    [
        (datetime(2026, 4, 30, 23, 59, 59, tzinfo=timezone.utc), datetime(2026, 4, 1, tzinfo=timezone.utc), datetime(2026, 4, 30, 23, 59, 59, tzinfo=timezone.utc), datetime(2026, 5, 1, tzinfo=timezone.utc)),
        (datetime(2026, 5, 1, 0, 0, 0, tzinfo=timezone.utc), datetime(2026, 5, 1, tzinfo=timezone.utc), datetime(2026, 5, 31, 23, 59, 59, tzinfo=timezone.utc), datetime(2026, 6, 1, tzinfo=timezone.utc)),
    ],
)
async def test_month_bounds_with_fixed_clock(now: datetime, start: datetime, end: datetime, reset: datetime) -> None:
    with aioresponses() as mocked:
        mocked.get(URL, payload=page([1]))
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch_with_key(session, ProviderSettings(id="openai-api"), KEY, now=now)
    ((method, url), calls), = mocked.requests.items()
    assert method == "GET"
    assert url.query["start_time"] == str(int(start.timestamp()))
    assert url.query["end_time"] == str(int(end.timestamp()))
    assert calls[0].kwargs["headers"]["Authorization"] == f"Bearer {KEY}"
    assert result.cost.resets_at == reset


async def test_missing_cursor_while_has_more_is_parse_error() -> None:
    with aioresponses() as mocked:
        mocked.get(URL, payload=page([1], True, None))
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await provider.fetch_with_key(session, ProviderSettings(id="openai-api"), KEY, now=NOW)
    assert info.value.kind == "parse"


@pytest.mark.parametrize(("status", "kind"), [(401, "auth"), (403, "auth"), (429, "rate_limit"), (502, "unavailable")])
async def test_error_statuses_never_echo_the_key(status: int, kind: str) -> None:
    with aioresponses() as mocked:
        mocked.get(URL, status=status, body=f"upstream saw Bearer {KEY}")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await provider.fetch_with_key(session, ProviderSettings(id="openai-api"), KEY, now=NOW)
    assert info.value.kind == kind and KEY not in str(info.value)


def test_env_wins_over_config_and_store(monkeypatch: pytest.MonkeyPatch) -> None:
    credstore.put("openai-api", "work", {"api_key": "sk-admin-stored-work-key"})
    assert provider.credentials(ProviderSettings(id="openai-api")) is None
    assert provider.credentials(ProviderSettings(id="openai-api", instance="work")).source == "store"
    monkeypatch.setenv("OPENAI_ADMIN_KEY", KEY)
    assert provider.credentials(ProviderSettings(id="openai-api", instance="work")).source == "env:OPENAI_ADMIN_KEY"


async def test_no_key_is_not_configured() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NotConfigured):
            await provider.fetch(session, ProviderSettings(id="openai-api"))
