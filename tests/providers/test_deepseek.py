"""DeepSeek: balance rows as strings, currency choice, disabled accounts, OpenCode's key, the real command."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import pytest
from aioresponses import aioresponses

from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.deepseek import DeepSeek
from support import cli
from support.fixtures import FIXTURES, load_fixture

KEY = "sk-deepseek-FAKE-0123456789abcdef"
URL = "https://api.deepseek.com/user/balance"
NOW = datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)
provider = DeepSeek()
SETTINGS = ProviderSettings(id="deepseek")
NAMES = sorted(p.stem for p in (FIXTURES / "deepseek").glob("*.json"))


@pytest.mark.parametrize("name", NAMES)
def test_fixtures(name: str) -> None:
    fixture = load_fixture("deepseek", name)
    expected = fixture["expected"]
    if "error" in expected:
        with pytest.raises(FetchError) as info:
            provider.parse(fixture["payload"], SETTINGS, NOW)
        assert info.value.kind == expected["error"]
        if "label" in expected:
            assert info.value.label == expected["label"]
        return
    result = provider.parse(fixture["payload"], SETTINGS, NOW)
    assert (result.credits.currency, result.credits.balance) == (expected["currency"], expected["balance"])
    assert result.kind == "api" and result.windows == [] and result.cost is None
    assert result.unknown_fields == []  # every key of a published body is understood


def test_a_new_field_is_reported_by_name() -> None:
    payload = load_fixture("deepseek", "codexbar_usd_granted_and_topped_up")["payload"]
    payload["balance_infos"][0]["frozen_balance"] = "1.00"
    payload["tier"] = "pro"
    assert provider.parse(payload, SETTINGS, NOW).unknown_fields == ["balance_infos[].frozen_balance", "tier"]


def test_budget_gives_a_percent_and_currency_option_picks_the_row() -> None:
    payload = load_fixture("deepseek", "codexbar_prefers_usd_when_both")["payload"]
    settings = ProviderSettings(id="deepseek", options={"budget": 80, "currency": "cny"})
    result = provider.parse(payload, settings, NOW)
    assert (result.credits.currency, result.credits.balance) == ("CNY", 100.0)
    [window] = result.windows
    assert (window.id, window.used_percent, window.used, window.limit) == ("budget", 0.0, 0.0, 80.0)
    usd = provider.parse(payload, ProviderSettings(id="deepseek", options={"budget": 80}), NOW)
    assert usd.windows[0].used_percent == pytest.approx(75.0) and usd.windows[0].used == 60.0
    with pytest.raises(FetchError) as info:
        provider.parse(payload, ProviderSettings(id="deepseek", options={"currency": "EUR"}), NOW)
    assert info.value.kind == "config" and "CNY, USD" in info.value.message


def test_disabled_account_with_money_left_says_so() -> None:
    payload = {"is_available": False, "balance_infos": [
        {"currency": "CNY", "total_balance": "12.00", "granted_balance": "0", "topped_up_balance": "12.00"}]}
    with pytest.raises(FetchError) as info:
        provider.parse(payload, SETTINGS, NOW)
    assert (info.value.kind, info.value.label) == ("unavailable", "off")
    assert "12.00 CNY is left: it is disabled" in info.value.message


def test_error_envelope_with_200_is_an_auth_error() -> None:
    body = {"error": {"message": "Authentication Fails (no such user)", "type": "authentication_error",
                      "param": None, "code": "invalid_request_error"}}
    with pytest.raises(FetchError) as info:
        provider.parse(body, SETTINGS, NOW)
    assert info.value.kind == "auth" and "login deepseek" in info.value.message


async def test_request_path_and_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    with aioresponses() as mocked:
        mocked.get(URL, payload=load_fixture("deepseek", "claudehud_cny_single")["payload"])
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch(session, SETTINGS, now=NOW)
    [(method, url)] = list(mocked.requests)
    assert (method, str(url)) == ("GET", URL)
    assert mocked.requests[(method, url)][0].kwargs["headers"]["Authorization"] == f"Bearer {KEY}"
    assert result.credits.balance == 99.5


async def test_401_names_the_fix_and_never_the_key() -> None:
    body = json.dumps({"error": {"message": f"Authentication Fails, your api key: {KEY} is invalid",
                                 "type": "authentication_error"}})
    with aioresponses() as mocked:
        mocked.get(URL, status=401, body=body)
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await provider.fetch_with_key(session, SETTINGS, KEY, now=NOW)
    assert info.value.kind == "auth" and "`llmeter-bar login deepseek`" in info.value.message
    assert KEY not in str(info.value)


def _opencode_auth(home: Path, entries: dict) -> Path:
    path = home / ".local" / "share" / "opencode" / "auth.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(entries))
    return path


def test_opencode_login_is_found_and_left_untouched(isolated_home: Path) -> None:
    path = _opencode_auth(isolated_home, {"anthropic": {"type": "oauth", "access": "x"},
                                          "deepseek": {"type": "api", "key": KEY}})
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    found = provider.credentials(SETTINGS)
    assert found is not None and found.source == str(path) and found.usable
    assert provider.require_key(SETTINGS) == KEY
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
    # A login typed into OpenCode later is noticed by the renders watching this file.
    assert provider.credential_paths(SETTINGS) == [str(path)]


def test_a_fifo_at_opencodes_path_is_refused_quickly(isolated_home: Path) -> None:
    path = isolated_home / ".local" / "share" / "opencode" / "auth.json"
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    found = provider.credentials(SETTINGS)
    assert found is not None and not found.usable and found.source == str(path)


def test_env_wins_and_nothing_is_not_configured(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NotConfigured) as info:
        provider.require_key(SETTINGS)
    assert "DEEPSEEK_API_KEY" in info.value.message and "login deepseek" in info.value.message
    _opencode_auth(isolated_home, {"deepseek": {"type": "api", "key": "sk-from-opencode"}})
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    assert provider.credentials(SETTINGS).source == "env:DEEPSEEK_API_KEY"


def test_installed_command_against_a_local_server(fake_server, write_config, tmp_path: Path) -> None:
    fake_server.reply("/user/balance", load_fixture("deepseek", "codexbar_positive_cny_over_empty_usd")["payload"])
    write_config(f'[general]\nproviders = ["deepseek"]\n[provider.deepseek]\nbase_url = "{fake_server.url}"\n'
                 "budget = 400\n")
    done = cli.run("--format", "json", "--wait", DEEPSEEK_API_KEY=KEY)
    assert done.returncode == 0 and done.stderr == ""
    [shown] = json.loads(done.stdout)["providers"]
    assert shown["status"] == "ok" and shown["credits"] == {"balance": 100.0, "currency": "CNY", "label": "balance"}
    assert shown["windows"][0]["used_percent"] == 75.0
    tmux = cli.run("--format", "tmux", DEEPSEEK_API_KEY=KEY)
    assert tmux.returncode == 0 and "75%" in tmux.stdout and tmux.stderr == ""
    [(path, headers)] = fake_server.requests
    assert path == "/user/balance" and headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in done.stdout + tmux.stdout
