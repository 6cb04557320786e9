"""OpenRouter: key limit window, monthly spend, credit balance, errors, two accounts."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from support.fixtures import FIXTURES, load_fixture
from llmeter_bar.store import credstore
from llmeter_bar.config import Config
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.openrouter import OpenRouter, period_reset

KEY = "sk-or-v1-FAKE0123456789abcdef0123"
KEY_URL = "https://openrouter.ai/api/v1/key"
CREDITS_URL = "https://openrouter.ai/api/v1/credits"
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)  # a Sunday
provider = OpenRouter()
SETTINGS = ProviderSettings(id="openrouter")


def _names(endpoint: str) -> list[str]:
    return sorted(
        p.stem for p in (FIXTURES / "openrouter").glob("*.json")
        if load_fixture("openrouter", p.stem)["endpoint"].endswith(endpoint) and "http_status" not in load_fixture("openrouter", p.stem)
    )



@pytest.mark.parametrize("name", _names("/key"))
def test_key_fixtures(name: str) -> None:
    fixture = load_fixture("openrouter", name)
    expected = fixture["expected"]
    if "error" in expected:
        with pytest.raises(FetchError) as info:
            provider.parse({"key": fixture["payload"], "credits": None}, SETTINGS, NOW)
        assert info.value.kind == "parse"
        return
    result = provider.parse({"key": fixture["payload"], "credits": None}, SETTINGS, NOW)
    assert result.kind == "api"
    window = next((w for w in result.windows if w.id == "key_limit"), None)
    if expected.get("key_limit") is None:
        assert window is None
    else:
        limit = expected["key_limit"]
        assert window.limit == limit["limit_usd"]
        assert window.used_percent == pytest.approx(limit["used_percent"])
        if "used_usd" in limit:
            assert window.used == pytest.approx(limit["used_usd"])
        if "remaining_usd" in limit:
            assert window.limit - window.used == pytest.approx(limit["remaining_usd"])
    monthly = (expected.get("spend") or {}).get("monthly")
    if monthly is not None:
        assert result.cost.used == pytest.approx(monthly) and result.cost.period == "month"
    if expected.get("plan"):
        assert result.plan == expected["plan"]
    if expected.get("label"):
        assert result.account == expected["label"]


@pytest.mark.parametrize("name", _names("/credits"))
def test_credits_fixtures(name: str) -> None:
    fixture = load_fixture("openrouter", name)
    payload = {"key": {"data": {}}, "credits": fixture["payload"]}
    if "error" in fixture["expected"]:
        with pytest.raises(FetchError) as info:
            provider.parse(payload, SETTINGS, NOW)
        assert info.value.kind == "parse"
        return
    result = provider.parse(payload, SETTINGS, NOW)
    assert result.credits.balance == pytest.approx(fixture["expected"]["credits"]["balance_usd"])
    assert result.credits.currency == "USD"


def test_golden_monthly_limit_resets_on_the_first() -> None:
    payload = load_fixture("openrouter", "codexbar_server_remaining_monthly_golden")["payload"]
    window = provider.parse({"key": payload}, SETTINGS, NOW).windows[0]
    assert window.resets_at == datetime(2026, 4, 1, tzinfo=timezone.utc)
    assert window.label == "Key limit (monthly)"


@pytest.mark.parametrize(
    ("period", "reset"),
    [("daily", datetime(2026, 3, 16, tzinfo=timezone.utc)), ("weekly", datetime(2026, 3, 16, tzinfo=timezone.utc)),
     ("monthly", datetime(2026, 4, 1, tzinfo=timezone.utc)), (None, None)],
)
def test_period_resets(period: str | None, reset: datetime | None) -> None:
    assert period_reset(period, NOW) == reset


def test_limit_without_remaining_uses_the_period_usage() -> None:
    data = {"data": {"limit": 10, "limit_reset": "daily", "usage": 99, "usage_daily": 2.5}}
    window = provider.parse({"key": data}, SETTINGS, NOW).windows[0]
    assert window.used == 2.5 and window.used_percent == 25.0


def test_budget_drives_cost_percent() -> None:
    data = {"data": {"usage": 100, "usage_monthly": 7.5, "limit": None}}
    result = provider.parse({"key": data}, ProviderSettings(id="openrouter", options={"budget": 30}), NOW)
    assert result.cost.used == 7.5 and result.cost.limit == 30 and result.cost.used_percent == 25.0
    assert result.cost.resets_at == datetime(2026, 4, 1, tzinfo=timezone.utc)


def _mock(mocked: aioresponses, key_payload: Any, credits: Any = None, credits_status: int = 200) -> None:
    mocked.get(KEY_URL, payload=key_payload)
    if credits_status == 200:
        mocked.get(CREDITS_URL, payload=credits)
    else:
        mocked.get(CREDITS_URL, status=credits_status, body="forbidden")


async def test_fetch_requests_and_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    key = load_fixture("openrouter", "codexbar_server_remaining_monthly_golden")["payload"]
    credits = load_fixture("openrouter", "openusage_credits_balance")["payload"]
    with aioresponses() as mocked:
        _mock(mocked, key, credits)
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch(session, SETTINGS, now=NOW)
    assert sorted((m, str(u)) for m, u in mocked.requests) == [("GET", CREDITS_URL), ("GET", KEY_URL)]
    for calls in mocked.requests.values():
        assert calls[0].kwargs["headers"]["Authorization"] == f"Bearer {KEY}"
    assert result.credits.balance == pytest.approx(99.27)
    assert result.windows[0].used_percent == pytest.approx(9.0914810042)


async def test_credits_refused_is_best_effort() -> None:
    with aioresponses() as mocked:
        _mock(mocked, {"data": {"usage_monthly": 1.0}}, credits_status=403)
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch_with_key(session, SETTINGS, KEY, now=NOW)
    assert result.credits is None and result.cost.used == 1.0


async def test_401_body_echoing_secrets_is_not_repeated() -> None:
    fixture = load_fixture("openrouter", "codexbar_credits_401_error_body")
    import json

    with aioresponses() as mocked:
        mocked.get(KEY_URL, status=fixture["http_status"], body=json.dumps(fixture["payload"]) + KEY)
        mocked.get(CREDITS_URL, status=401, body=KEY)
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await provider.fetch_with_key(session, SETTINGS, KEY, now=NOW)
    assert info.value.kind == "auth" and "401" in info.value.message
    for leaked in [KEY, *fixture["expected"]["must_not_echo"]]:
        assert leaked not in str(info.value)


@pytest.mark.parametrize(("status", "kind"), [(403, "auth"), (429, "rate_limit"), (500, "unavailable")])
async def test_error_statuses(status: int, kind: str) -> None:
    with aioresponses() as mocked:
        mocked.get(KEY_URL, status=status, body=f"oops {KEY}")
        mocked.get(CREDITS_URL, payload={"data": {"total_credits": 1, "total_usage": 0}})
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await provider.fetch_with_key(session, SETTINGS, KEY, now=NOW)
    assert info.value.kind == kind and KEY not in str(info.value)


async def test_two_accounts_side_by_side(tmp_path: Any) -> None:
    import tomllib

    config = Config(data=tomllib.loads(
        '[provider.openrouter.accounts.work]\nbudget = 10\n[provider.openrouter.accounts.home]\n'
    ))
    work, home = config.instances(["openrouter"])
    assert (work.instance, home.instance) == ("work", "home")
    credstore.put("openrouter", "work", {"api_key": "sk-or-v1-work-key-0001"})
    credstore.put("openrouter", "home", {"api_key": "sk-or-v1-home-key-0002"})
    assert provider.credentials(work).source == "store"
    assert provider.credentials(ProviderSettings(id="openrouter")) is None

    def answer(url: Any, **kwargs: Any) -> Any:
        from aioresponses import CallbackResult

        spend = 4.0 if kwargs["headers"]["Authorization"].endswith("0001") else 1.5
        if str(url).endswith("/key"):
            return CallbackResult(payload={"data": {"usage_monthly": spend, "label": "k"}})
        return CallbackResult(payload={"data": {"total_credits": 10, "total_usage": spend}})

    with aioresponses() as mocked:
        mocked.get(KEY_URL, callback=answer, repeat=True)
        mocked.get(CREDITS_URL, callback=answer, repeat=True)
        async with aiohttp.ClientSession() as session:
            results = [await provider.fetch(session, s, now=NOW) for s in (work, home)]
    assert [r.key for r in results] == ["openrouter:work", "openrouter:home"]
    assert [r.cost.used for r in results] == [4.0, 1.5]
    assert [r.cost.limit for r in results] == [10.0, None]
    assert [r.credits.balance for r in results] == [6.0, 8.5]


async def test_no_key_is_not_configured() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NotConfigured):
            await provider.fetch(session, SETTINGS)


def test_corrupt_store_is_a_detail_for_credentials_and_config_error_for_fetch() -> None:
    credstore.path().parent.mkdir(parents=True)
    credstore.path().write_text("{broken")
    info = provider.credentials(SETTINGS)
    assert info is not None and "corrupt" in info.detail
    with pytest.raises(FetchError) as err:
        provider._secret(SETTINGS)
    assert err.value.kind == "config"
    assert credstore.path().read_text() == "{broken"
