"""OpenCode Zen and Go: hydration parsing, 1e-8 USD units, page changes, cookie handling."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from aioresponses import aioresponses

from support.fixtures import FIXTURES, load_fixture
from llmeter_bar.store import credstore
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.providers._money import cookie_value
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.opencode import OpenCodeZen
from llmeter_bar.providers.opencode_go import OpenCodeGo

COOKIE = "Fe26.2**FAKEsealed0123456789*abcdef"
NOW = datetime(2026, 3, 31, 23, 0, tzinfo=timezone.utc)
zen, go = OpenCodeZen(), OpenCodeGo()
ZEN = sorted(p.stem for p in (FIXTURES / "opencode").glob("zen_*.json"))
GO = sorted(p.stem for p in (FIXTURES / "opencode").glob("go_*.json"))



@pytest.mark.parametrize("name", ZEN)
def test_zen_fixtures(name: str) -> None:
    fixture = load_fixture("opencode", name)
    settings = ProviderSettings(id="opencode-zen")
    if "error" in fixture["expected"]:
        with pytest.raises(FetchError) as info:
            zen.parse(fixture["payload"], settings, NOW)
        assert info.value.kind == "parse"
        return
    expected = fixture["expected"]
    result = zen.parse(fixture["payload"], settings, NOW)
    assert result.kind == "api"
    assert result.credits.balance == pytest.approx(expected["balance_usd"])
    assert result.cost.used == pytest.approx(expected["monthly_usage_usd"])
    assert result.cost.limit == expected["monthly_limit_usd"]
    if "used_percent" in expected:
        assert result.cost.used_percent == pytest.approx(expected["used_percent"])
    assert result.cost.resets_at == datetime(2026, 4, 1, tzinfo=timezone.utc)


def test_zen_budget_overrides_platform_limit() -> None:
    page = load_fixture("opencode", "zen_workspace_billing")["payload"]
    result = zen.parse(page, ProviderSettings(id="opencode-zen", options={"budget": 10}), NOW)
    assert result.cost.limit == 10 and result.cost.used_percent == pytest.approx(37.9059776)


@pytest.mark.parametrize("name", GO)
def test_go_fixtures(name: str) -> None:
    fixture = load_fixture("opencode", name)
    settings = ProviderSettings(id="opencode-go")
    if "error" in fixture["expected"]:
        with pytest.raises(FetchError) as info:
            go.parse(fixture["payload"], settings, NOW)
        assert info.value.kind == "parse"
        return
    result = go.parse(fixture["payload"], settings, NOW)
    assert result.kind == "subscription"
    got = {w.id: (w.used_percent, w.resets_at) for w in result.windows}
    want = {k: (v[0], NOW + timedelta(seconds=v[1])) for k, v in fixture["expected"]["windows"].items()}
    assert got == want
    assert [w.id for w in result.windows] == ["rolling", "weekly", "monthly"]


def test_go_page_without_usage_is_parse_error() -> None:
    with pytest.raises(FetchError) as info:
        go.parse("<html>Sign in</html>", ProviderSettings(id="opencode-go"), NOW)
    assert info.value.kind == "parse"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Cookie: theme=dark; auth=Fe26.2**abc; other=1", ("auth", "Fe26.2**abc")),
        ("auth=Fe26.2**abc", ("auth", "Fe26.2**abc")),
        ("Fe26.2**abc*def", ("auth", "Fe26.2**abc*def")),
        ("theme=dark; x=1", None),
    ],
)
def test_cookie_reduction(raw: str, expected: tuple[str, str] | None) -> None:
    assert cookie_value(raw, ("auth",)) == expected


async def test_zen_fetch_follows_the_workspace_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCODE_AUTH_COOKIE", f"Cookie: theme=dark; auth={COOKIE}")
    page = load_fixture("opencode", "zen_workspace_billing")["payload"]
    with aioresponses() as mocked:
        mocked.get("https://opencode.ai/zen", body='<a href="/workspace/wrk_01KFABC">ws</a>', content_type="text/html")
        mocked.get("https://opencode.ai/workspace/wrk_01KFABC", body=page, content_type="text/html")
        async with aiohttp.ClientSession() as session:
            result = await zen.fetch(session, ProviderSettings(id="opencode-zen"), now=NOW)
    assert [str(u) for _, u in mocked.requests] == ["https://opencode.ai/zen", "https://opencode.ai/workspace/wrk_01KFABC"]
    for calls in mocked.requests.values():
        headers = calls[0].kwargs["headers"]
        assert headers["Cookie"] == f"auth={COOKIE}" and "Mozilla" in headers["User-Agent"]
    assert result.cost.used == pytest.approx(3.79059776)


async def test_go_fetch_from_stored_login() -> None:
    credstore.put("opencode", None, {"cookie": f"auth={COOKIE}"})
    page = load_fixture("opencode", "go_usage_windows")["payload"]
    assert go.credentials(ProviderSettings(id="opencode-go")).source == "store"
    with aioresponses() as mocked:
        mocked.get("https://opencode.ai/go", body='<a href="/workspace/wrk_9Z/go">', content_type="text/html")
        mocked.get("https://opencode.ai/workspace/wrk_9Z/go", body=page, content_type="text/html")
        async with aiohttp.ClientSession() as session:
            result = await go.fetch(session, ProviderSettings(id="opencode-go"), now=NOW)
    assert len(result.windows) == 3


@pytest.mark.parametrize(("status", "kind"), [(401, "auth"), (403, "auth"), (429, "rate_limit"), (503, "unavailable")])
async def test_error_statuses_never_echo_the_cookie(status: int, kind: str) -> None:
    with aioresponses() as mocked:
        mocked.get("https://opencode.ai/zen", status=status, body=f"cookie was auth={COOKIE}")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await zen.fetch_with_cookie(session, ProviderSettings(id="opencode-zen"), COOKIE, now=NOW)
    assert info.value.kind == kind and COOKIE not in str(info.value)


async def test_signed_out_page_without_workspace() -> None:
    with aioresponses() as mocked:
        mocked.get("https://opencode.ai/zen", body="<html>Sign in</html>", content_type="text/html")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await zen.fetch_with_cookie(session, ProviderSettings(id="opencode-zen"), COOKIE, now=NOW)
    assert info.value.kind == "parse"


async def test_no_cookie_is_not_configured() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NotConfigured):
            await zen.fetch(session, ProviderSettings(id="opencode-zen"))


@pytest.mark.parametrize("name", sorted(p.stem for p in (FIXTURES / "opencode").glob("goapi_*.json")))
def test_go_api_fixtures(name: str) -> None:
    fixture = load_fixture("opencode", name)
    result = go.parse(fixture["payload"], ProviderSettings(id="opencode-go"), NOW)
    got = {w.id: (w.used_percent, w.resets_at) for w in result.windows}
    want = {k: (v[0], None if v[1] is None else datetime.fromisoformat(v[1].replace("Z", "+00:00"))
                if isinstance(v[1], str) else NOW + timedelta(seconds=v[1]))
            for k, v in fixture["expected"]["windows"].items()}
    assert got == want and result.source == "api"


async def test_go_api_key_needs_no_cookie_and_sends_bearer(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-go-test-0123456789abcdef"
    monkeypatch.setenv("OPENCODE_GO_API_KEY", key)
    body = load_fixture("opencode", "goapi_usage_percent_resetsat")["payload"]
    assert go.credentials(ProviderSettings(id="opencode-go")).source == "env:OPENCODE_GO_API_KEY"
    with aioresponses() as mocked:
        mocked.get("https://opencode.ai/zen/go/v1/usage", payload=body)
        async with aiohttp.ClientSession() as session:
            result = await go.fetch(session, ProviderSettings(id="opencode-go"), now=NOW)
        ((_, url), calls), = mocked.requests.items()
    assert str(url) == "https://opencode.ai/zen/go/v1/usage"
    assert calls[0].kwargs["headers"]["Authorization"] == f"Bearer {key}" and "Cookie" not in calls[0].kwargs["headers"]
    assert [w.used_percent for w in result.windows] == [0, 54, 100] and result.source == "api"


async def test_go_refused_key_is_auth_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-go-test-0123456789abcdef"
    monkeypatch.setenv("OPENCODE_GO_API_KEY", key)
    with aioresponses() as mocked:
        mocked.get("https://opencode.ai/zen/go/v1/usage", status=401, body=f"bad key {key}")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await go.fetch(session, ProviderSettings(id="opencode-go"), now=NOW)
    assert info.value.kind == "auth" and key not in str(info.value)


async def test_go_key_from_opencodes_own_auth_file(isolated_home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENCODE_GO_API_KEY", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("OPENCODE_DATA_DIR", raising=False)
    key = "sk-go-from-auth-json-0123456789"
    auth = isolated_home / ".local" / "share" / "opencode" / "auth.json"
    auth.parent.mkdir(parents=True)
    auth.write_text(json.dumps({"opencode": {"type": "api", "key": "zen-key-unused-0000"},
                                "opencode-go": {"type": "api", "key": key}}))
    before = auth.read_bytes()
    assert go.credentials(ProviderSettings(id="opencode-go")).source == str(auth)
    body = load_fixture("opencode", "goapi_openusage_dashboard_percents_rate_limited")["payload"]
    with aioresponses() as mocked:
        mocked.get("https://opencode.ai/zen/go/v1/usage", payload=body)
        async with aiohttp.ClientSession() as session:
            result = await go.fetch(session, ProviderSettings(id="opencode-go"), now=NOW)
        ((_, _), calls), = mocked.requests.items()
    assert calls[0].kwargs["headers"]["Authorization"] == f"Bearer {key}"
    assert [w.used_percent for w in result.windows] == [12, 8, 100] and auth.read_bytes() == before
