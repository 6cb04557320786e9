"""Factory: trusted windows only under token rate-limit billing, stale windows, cents, ~/.factory/.env, the real command."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from aioresponses import aioresponses

from llmeter_bar.errors import FetchError
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.factory import Factory
from support import cli
from support.fixtures import FIXTURES, load_fixture

KEY = "fk-FAKE0123456789abcdefSCRUB"
LIMITS = "https://api.factory.ai/api/billing/limits"
LEGACY = "https://api.factory.ai/api/organization/subscription/usage?useCache=true"
NOW = datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)
provider = Factory()
SETTINGS = ProviderSettings(id="factory")
NAMES = sorted(p.stem for p in (FIXTURES / "factory").glob("codexbar_*.json"))


@pytest.mark.parametrize("name", NAMES)
def test_billing_limits_fixtures(name: str) -> None:
    fixture = load_fixture("factory", name)
    result = provider.parse({"limits": fixture["payload"], "legacy": None}, SETTINGS, NOW)
    shown = {w.id: (w.used_percent, (w.resets_at - NOW).total_seconds()) for w in result.windows}
    assert shown == {k: tuple(v) for k, v in fixture["expected"]["windows"].items()}
    assert result.credits.balance == fixture["expected"]["extra_usage_usd"] and result.credits.currency == "USD"
    assert result.unknown_fields == []
    body = dict(fixture["payload"], limits={**fixture["payload"]["limits"], "premium": {}})
    assert provider.parse({"limits": body}, SETTINGS, NOW).unknown_fields == ["limits.premium"]


def test_legacy_billing_ignores_the_limits_and_reads_the_allowance() -> None:
    fixture = load_fixture("factory", "openusage_legacy_subscription_usage")
    untrusted = {"usesTokenRateLimitsBilling": False,
                 "limits": {"standard": {"fiveHour": {"usedPercent": 99, "secondsRemaining": 60}}}}
    result = provider.parse({"limits": untrusted, "legacy": fixture["payload"]}, SETTINGS, NOW)
    assert {w.id: w.used_percent for w in result.windows} == fixture["expected"]["windows"]
    assert result.windows[0].resets_at.isoformat() == fixture["expected"]["resets_at"]


def test_window_past_its_end_is_reset_and_iso_ends_are_read() -> None:
    body = {"usesTokenRateLimitsBilling": True, "limits": {"standard": {
        "fiveHour": {"usedPercent": 88, "windowEnd": (NOW - timedelta(minutes=5)).isoformat()},
        "weekly": {"usedPercent": 40, "windowEnd": "2026-09-03T00:00:00Z"}}}}
    result = provider.parse({"limits": body}, SETTINGS, NOW)
    five, week = result.windows
    assert (five.used_percent, five.estimated, five.resets_at) == (0.0, True, None)
    assert (week.used_percent, week.resets_at) == (40.0, datetime(2026, 9, 3, tzinfo=timezone.utc))


def test_no_windows_is_a_plan_without_quota_and_junk_is_parse() -> None:
    with pytest.raises(FetchError) as info:
        provider.parse({"limits": {"usesTokenRateLimitsBilling": True, "limits": {}}}, SETTINGS, NOW)
    assert (info.value.kind, info.value.label) == ("unavailable", "none") and "no Droid plan" in info.value.message
    for bad in ({"limits": [1]}, {"limits": {"usesTokenRateLimitsBilling": True, "limits": {"standard": {
            "weekly": {"usedPercent": "lots"}}}}}, {"limits": {"usesTokenRateLimitsBilling": True, "limits": {},
                                                               "extraUsageBalanceCents": "x"}}):
        with pytest.raises(FetchError) as info:
            provider.parse(bad, SETTINGS, NOW)
        assert info.value.kind == "parse", bad


@pytest.mark.parametrize("line", ["FACTORY_API_KEY=" + KEY, f"export FACTORY_API_KEY='{KEY}'",
                                  f'# droid\nOTHER=1\nFACTORY_API_KEY="{KEY}"\n'])
def test_dotenv_key_is_found_read_only(isolated_home: Path, line: str) -> None:
    path = isolated_home / ".factory" / ".env"
    path.parent.mkdir()
    path.write_text(line)
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    assert provider.credentials(SETTINGS).source == str(path)
    assert provider.require_key(SETTINGS) == KEY
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
    assert provider.credential_paths(SETTINGS) == [str(path)]


def test_a_fifo_as_dotenv_is_refused_without_waiting(isolated_home: Path) -> None:
    path = isolated_home / ".factory" / ".env"
    path.parent.mkdir()
    os.mkfifo(path)
    found = provider.credentials(SETTINGS)
    assert found is not None and not found.usable and found.source == str(path)
    assert "not a regular file" in found.detail


async def test_requests_headers_and_the_legacy_route() -> None:
    legacy = load_fixture("factory", "openusage_legacy_subscription_usage")["payload"]
    with aioresponses() as mocked:
        mocked.get(LIMITS, payload={"usesTokenRateLimitsBilling": False})
        mocked.get(LEGACY, payload=legacy)
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch_with_key(session, SETTINGS, KEY, now=NOW)
    assert sorted(str(u) for _, u in mocked.requests) == [LIMITS, LEGACY]
    for calls in mocked.requests.values():
        assert calls[0].kwargs["headers"]["Authorization"] == f"Bearer {KEY}"
    assert [w.id for w in result.windows] == ["standard", "premium"]


async def test_invalid_key_names_the_fix() -> None:
    with aioresponses() as mocked:
        mocked.get(LIMITS, status=401, body=json.dumps({"detail": f"bad token {KEY}"}))
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await provider.fetch_with_key(session, SETTINGS, KEY, now=NOW)
    assert info.value.kind == "auth" and "`llmeter-bar login factory`" in info.value.message
    assert KEY not in str(info.value)


def test_installed_command_against_a_local_server(fake_server, write_config, isolated_home: Path) -> None:
    (isolated_home / ".factory").mkdir()
    (isolated_home / ".factory" / ".env").write_text(f"FACTORY_API_KEY={KEY}\n")
    fake_server.reply("/api/billing/limits", load_fixture("factory", "codexbar_token_rate_limits_with_core_pool")["payload"])
    write_config(f'[general]\nproviders = ["factory"]\n[provider.factory]\nbase_url = "{fake_server.url}"\n')
    done = cli.run("--format", "json", "--wait")
    assert done.returncode == 0 and done.stderr == ""
    [shown] = json.loads(done.stdout)["providers"]
    assert shown["status"] == "ok" and shown["credits"]["balance"] == 25.0
    assert [(w["id"], w["used_percent"]) for w in shown["windows"]][:3] == [
        ("five_hour", 12.0), ("weekly", 34.0), ("monthly", 56.0)]
    tmux = cli.run("--format", "tmux")
    assert tmux.returncode == 0 and tmux.stderr == "" and "56%" in tmux.stdout
    [(path, headers)] = fake_server.requests
    assert path == "/api/billing/limits" and headers["Authorization"] == f"Bearer {KEY}"
