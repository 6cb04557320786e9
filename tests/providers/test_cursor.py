"""Cursor: recorded dashboard payloads, requests, the store cookie and the app's state.vscdb."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from support.fixtures import FIXTURES, load_fixture
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.providers import cursor_parse
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.cursor import Cursor

BASE = "https://cursor.com"
SUMMARY, ME = f"{BASE}/api/usage-summary", f"{BASE}/api/auth/me"
NAMES = sorted(p.stem for p in (FIXTURES / "cursor").glob("*.json"))
provider = Cursor()
settings = ProviderSettings(id="cursor")



def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _endpoint(name: str) -> str:
    return load_fixture("cursor", name)["endpoint"]


def _pct(value: float) -> float:
    return pytest.approx(min(100.0, value), abs=0.01)  # the model saturates at 100


@pytest.mark.parametrize("name", [n for n in NAMES if "usage-summary" in _endpoint(n)])
def test_usage_summary_payloads(name: str) -> None:
    fixture = load_fixture("cursor", name)
    exp = fixture["expected"]
    result = provider.parse(fixture["payload"], settings)
    win = {w.id: w for w in result.windows}
    if "plan" in exp:
        assert result.plan.lower() == exp["plan"].lower()
    if exp.get("resets_at"):
        assert all(w.resets_at == _utc(exp["resets_at"]) for w in result.windows)
    if "total_used_percent" in exp:
        assert win["plan"].used_percent == _pct(exp["total_used_percent"])
    if "remaining_percent" in exp:
        assert 100 - win["plan"].used_percent == pytest.approx(exp["remaining_percent"])
    if "window_minutes" in exp:
        assert win["plan"].window_seconds == exp["window_minutes"] * 60
    for key, wid in (("auto_used_percent", "auto"), ("auto_pool_used_percent", "auto"),
                     ("api_used_percent", "api"), ("api_pool_used_percent", "api")):
        if key in exp:
            assert win[wid].used_percent == _pct(exp[key])
    if exp.get("exhausted") == "api pool":
        assert win["api"].used_percent == 100 and win["auto"].used_percent < 100
    if "headline" in exp:
        from llmeter_bar.render.common import pick_windows

        (shown,) = pick_windows(result, "auto")
        assert shown.used_percent == pytest.approx(exp["headline"]) and shown.id != "plan"
    if "worst_percent" in exp:
        assert max(w.used_percent for w in result.windows) == _pct(exp["worst_percent"])
    if "plan_used_usd" in exp:
        assert (win["plan"].used, win["plan"].limit) == (exp["plan_used_usd"], exp["plan_limit_usd"])
    if "used_usd" in exp:
        assert (win["plan"].used, win["plan"].limit) == (pytest.approx(exp["used_usd"]), exp["limit_usd"])
    if exp.get("used_percent") is not None:
        assert win["plan"].used_percent == _pct(exp["used_percent"])
    if exp.get("unlimited"):
        assert win["plan"].unlimited and len(result.windows) == 1
    elif "unlimited" in exp:
        assert not any(w.unlimited for w in result.windows)
    on_demand = exp.get("on_demand")
    if isinstance(on_demand, dict) and "used_usd" in on_demand:
        assert (result.cost.used, result.cost.limit) == (on_demand["used_usd"], on_demand["limit_usd"])
        assert result.cost.currency == "USD"
    elif isinstance(on_demand, dict) and on_demand.get("enabled") is False:
        assert result.cost is None and "on_demand" not in win
    for key, wid in (("team_on_demand", "team_on_demand"), ("team_pool", "team_pool"), ("total", "team_pool")):
        if key in exp:
            assert (win[wid].used, win[wid].limit) == (pytest.approx(exp[key]["used_usd"]), exp[key]["limit_usd"])
            if "used_percent" in exp[key]:
                assert win[wid].used_percent == _pct(exp[key]["used_percent"])


@pytest.mark.parametrize("name", [n for n in NAMES if "/api/usage?" in _endpoint(n)])
def test_request_based_usage_payloads(name: str) -> None:
    fixture = load_fixture("cursor", name)
    window = cursor_parse.parse_requests(fixture["payload"])
    want = fixture["expected"]["requests"]
    assert (window.used, window.limit) == (want["used"], want["limit"])
    assert window.used_percent == pytest.approx(want["used_percent"], abs=0.001)


def test_requests_without_max_mean_usage_based() -> None:
    assert cursor_parse.parse_requests({"gpt-4": {"numRequests": 5, "maxRequestUsage": None}}) is None
    assert cursor_parse.parse_requests([]) is None


def test_sand_pool_payload() -> None:
    fixture = load_fixture("cursor", "codexbar_sand_usage_grok_weekly")
    window = cursor_parse.parse_sand(fixture["payload"])
    want = fixture["expected"]["extra_window"]
    assert window.used_percent == want["used_percent"]
    assert window.window_seconds == want["window_minutes"] * 60
    assert window.resets_at == _utc(want["resets_at"])
    assert cursor_parse.parse_sand({**fixture["payload"], "hasNonZeroIncludedLimit": False}) is None


def test_current_period_usage_epoch_ms_strings() -> None:
    fixture = load_fixture("cursor", "openusage_get_current_period_usage_epoch_ms_strings")
    start, _end, plan_usage = cursor_parse.parse_period(fixture["payload"])
    assert start == _utc(fixture["expected"]["billing_cycle_start"]) and plan_usage is None


def test_request_plan_comes_first_in_combined_payload() -> None:
    summary = load_fixture("cursor", "openusage_live_enterprise_summary")["payload"]
    usage = load_fixture("cursor", "openusage_live_enterprise_api_usage_requests")["payload"]
    result = provider.parse({"summary": summary, "me": {"email": "a@b.c"}, "usage": usage}, settings)
    assert result.windows[0].id == "requests" and result.windows[0].used == 37
    assert result.windows[0].resets_at == _utc("2026-08-01T00:00:00Z") and result.account == "a@b.c"


@pytest.mark.parametrize("payload", [{}, [], None, "x", {"summary": None}, {"individualUsage": "x"}])
def test_unusable_summaries_are_parse_errors(payload: Any) -> None:
    with pytest.raises(FetchError) as err:
        provider.parse(payload, settings)
    assert err.value.kind == "parse"


def test_wrong_types_and_unknown_keys() -> None:
    payload = {"membershipType": "pro", "brandNewKey": [1], "billingCycleEnd": "soon",
               "individualUsage": {"plan": {"used": "x", "limit": None, "totalPercentUsed": "12.5"},
                                   "onDemand": {"enabled": True, "used": "100", "limit": "x"}}}
    result = provider.parse(payload, settings)
    assert [(w.id, w.used_percent) for w in result.windows] == [("plan", 12.5)]
    assert result.cost.used == 1.0 and result.cost.limit is None and result.windows[0].resets_at is None


# --- credentials -------------------------------------------------------------

def _jwt(sub: str = "auth0|user_123", exp: float | None = None) -> str:
    claims = {"sub": sub, "exp": exp if exp is not None else time.time() + 3600}
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiJ9.{body}.sig"


def _state_db(home: Path, values: dict[str, str] | None) -> Path:
    folder = home / ".config" / "Cursor" / "User" / "globalStorage"
    folder.mkdir(parents=True)
    path = folder / "state.vscdb"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
        db.executemany("INSERT INTO ItemTable VALUES (?, ?)", list((values or {}).items()))
    db.close()
    return path


def _mock(mocked: aioresponses, user: str = "auth0|user_123", status: int = 200) -> None:
    mocked.get(SUMMARY, status=status,
               payload=load_fixture("cursor", "codexbar_basic_pro_with_team_on_demand")["payload"])
    mocked.get(ME, payload={"email": "me@example.com", "sub": user})
    mocked.get(URL(f"{BASE}/api/usage").with_query(user=user),
               payload=load_fixture("cursor", "llmeter_doc_api_usage_no_max")["payload"])


async def test_state_db_session_builds_cookie_and_leaves_db_alone(isolated_home: Path) -> None:
    token = _jwt()
    path = _state_db(isolated_home, {"cursorAuth/accessToken": token, "cursorAuth/cachedEmail": "me@example.com",
                                     "cursorAuth/stripeMembershipType": "pro"})
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    info = provider.credentials(settings)
    assert info.source == str(path) and token not in info.detail
    with aioresponses() as mocked:
        _mock(mocked)
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch(session, settings)
    headers = mocked.requests[("GET", URL(SUMMARY))][0].kwargs["headers"]
    assert headers["Cookie"] == f"WorkosCursorSessionToken=user_123%3A%3A{token}"
    assert headers["User-Agent"].startswith("Mozilla/5.0") and headers["Accept"] == "application/json"
    assert ("GET", URL(f"{BASE}/api/usage?user=auth0%7Cuser_123")) in mocked.requests
    assert [w.id for w in result.windows][0] == "requests" and result.account == "me@example.com"
    assert result.plan == "Pro" and result.cost.used == 5.0
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
    assert not Path(str(path) + "-journal").exists()


async def test_store_cookie_wins(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import llmeter_bar.store.credstore as credstore

    _state_db(isolated_home, {"cursorAuth/accessToken": _jwt()})
    monkeypatch.setattr(credstore, "get", lambda p, a=None: {"cookie": "Cookie: WorkosCursorSessionToken=abc"}
                        if p == "cursor" else None)
    assert provider.credentials(settings).source == "store"
    custom = ProviderSettings(id="cursor", base_url="http://127.0.0.1:9/c/", user_agent="ua/3")
    with aioresponses() as mocked:
        mocked.get("http://127.0.0.1:9/c/api/usage-summary", payload={"membershipType": "hobby"})
        mocked.get("http://127.0.0.1:9/c/api/auth/me", status=500)
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch(session, custom)
    headers = mocked.requests[("GET", URL("http://127.0.0.1:9/c/api/usage-summary"))][0].kwargs["headers"]
    assert headers["Cookie"] == "WorkosCursorSessionToken=abc" and headers["User-Agent"] == "ua/3"
    assert result.plan == "Hobby" and result.windows == []


async def test_no_session_anywhere(isolated_home: Path) -> None:
    assert provider.credentials(settings) is None
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NotConfigured):
            await provider.fetch(session, settings)


async def test_signed_out_app_is_not_configured(isolated_home: Path) -> None:
    _state_db(isolated_home, {"other/key": "1"})
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NotConfigured):
            await provider.fetch(session, settings)


@pytest.mark.parametrize(("token", "kind"), [(_jwt(exp=1000), "auth"), ("not-a-jwt", "auth")])
async def test_expired_or_unreadable_app_token(isolated_home: Path, token: str, kind: str) -> None:
    _state_db(isolated_home, {"cursorAuth/accessToken": token})
    async with aiohttp.ClientSession() as session:
        with pytest.raises(FetchError) as err:
            await provider.fetch(session, settings)
    assert err.value.kind == kind and "open Cursor" in err.value.message and token not in err.value.message


@pytest.mark.parametrize("content", [b"", b"garbage that is not sqlite at all........"])
async def test_unreadable_state_db_is_config_error(isolated_home: Path, content: bytes) -> None:
    folder = isolated_home / ".config" / "Cursor" / "User" / "globalStorage"
    folder.mkdir(parents=True)
    (folder / "state.vscdb").write_bytes(content)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(FetchError) as err:
            await provider.fetch(session, settings)
    assert err.value.kind == "config" and "state.vscdb" in err.value.message


@pytest.mark.parametrize(("status", "kind"), [(401, "auth"), (403, "auth"), (404, "unavailable"),
                                              (429, "rate_limit"), (500, "unavailable")])
async def test_summary_error_statuses(isolated_home: Path, status: int, kind: str) -> None:
    _state_db(isolated_home, {"cursorAuth/accessToken": _jwt()})
    with aioresponses() as mocked:
        _mock(mocked, status=status)
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as err:
                await provider.fetch(session, settings)
    assert err.value.kind == kind
    if kind == "auth":
        assert "llmeter-bar login cursor" in err.value.message


async def test_html_instead_of_json_is_parse_error(isolated_home: Path) -> None:
    _state_db(isolated_home, {"cursorAuth/accessToken": _jwt()})
    with aioresponses() as mocked:
        mocked.get(SUMMARY, body="<html>Just a moment...</html>", headers={"Content-Type": "text/html"})
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as err:
                await provider.fetch(session, settings)
    assert err.value.kind == "parse"


def test_module_import_stays_cheap() -> None:
    import subprocess
    import sys
    code = ("import sys; import llmeter_bar.providers.cursor as c; from llmeter_bar.providers.base import "
            "ProviderSettings; c.Cursor().credentials(ProviderSettings(id='cursor')); "
            "print('aiohttp' in sys.modules, 'sqlite3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_request_allowance_resets_a_calendar_month_after_start_of_month() -> None:
    window = cursor_parse.parse_requests({"startOfMonth": "2026-01-31T08:00:00.000Z",
                                          "gpt-4": {"numRequests": 10, "maxRequestUsage": 500}})
    assert window is not None and window.resets_at == _utc("2026-02-28T08:00:00Z")
    usage = load_fixture("cursor", "openusage_live_enterprise_api_usage_requests")["payload"]
    assert cursor_parse.parse_requests(usage).resets_at == _utc("2026-08-01T00:00:00Z")
