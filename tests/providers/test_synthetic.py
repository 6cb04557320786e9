"""Synthetic: three generations of /v2/quotas, regenerating lanes without a reset, the real command."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import pytest
from aioresponses import aioresponses

from llmeter_bar.errors import FetchError
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.synthetic import Synthetic
from support import cli
from support.fixtures import FIXTURES, load_fixture

KEY = "syn_FAKE0123456789abcdefSCRUB"
URL = "https://api.synthetic.new/v2/quotas"
NOW = datetime(2026, 4, 17, 3, 0, tzinfo=timezone.utc)
provider = Synthetic()
SETTINGS = ProviderSettings(id="synthetic")
NAMES = sorted(p.stem for p in (FIXTURES / "synthetic").glob("*.json"))


@pytest.mark.parametrize("name", NAMES)
def test_fixtures(name: str) -> None:
    fixture = load_fixture("synthetic", name)
    expected = fixture["expected"]
    if "error" in expected:
        with pytest.raises(FetchError) as info:
            provider.parse(fixture["payload"], SETTINGS, NOW)
        assert (info.value.kind, info.value.label) == (expected["error"], expected["label"])
        assert "no quota" in info.value.message and "synthetic.new" in info.value.message
        return
    result = provider.parse(fixture["payload"], SETTINGS, NOW)
    assert result.plan == expected.get("plan") and result.unknown_fields == []
    shown = {w.id: w for w in result.windows}
    assert sorted(shown) == sorted(expected["windows"])
    for wid, want in expected["windows"].items():
        window = shown[wid]
        assert window.used_percent == pytest.approx(want["used_percent"])
        for field in ("used", "limit"):
            if field in want:
                assert getattr(window, field) == pytest.approx(want[field])
        if "resets_at" in want:
            assert (window.resets_at.isoformat() if window.resets_at else None) == want["resets_at"]


def test_limited_lane_is_full_and_v3_hides_the_stale_subscription() -> None:
    body = {"subscription": {"limit": 100, "requests": 50, "renewsAt": "2026-04-17T04:00:00Z"},
            "rollingFiveHourLimit": {"remaining": 10, "max": 80, "limited": True, "nextTickAt": "2026-04-17T03:15:00Z"},
            "toolCallDiscounts": {"limit": 50, "requests": 20, "renewsAt": "2026-04-17T05:00:00Z"},
            "search": {"hourly": {"limit": 0, "requests": 0}}}
    result = provider.parse(body, SETTINGS, NOW)
    shown = {w.id: w for w in result.windows}
    assert sorted(shown) == ["five_hour", "tool_calls"]
    assert shown["five_hour"].used_percent == 100.0 and shown["five_hour"].resets_at is None
    assert shown["tool_calls"].used_percent == 40.0


def test_data_wrapper_and_malformed_lanes() -> None:
    wrapped = provider.parse({"data": {"rollingFiveHourLimit": {"remaining": 498.9, "max": 500}}}, SETTINGS, NOW)
    assert wrapped.windows[0].used_percent == pytest.approx(0.22)
    for bad in ({"rollingFiveHourLimit": {"remaining": "x", "max": 500}},
                {"rollingFiveHourLimit": {"remaining": 5, "max": -1}},
                {"weeklyTokenLimit": [1, 2]}, [1]):
        with pytest.raises(FetchError) as info:
            provider.parse(bad, SETTINGS, NOW)
        assert info.value.kind == "parse", bad


async def test_request_and_opencode_key(isolated_home: Path) -> None:
    auth = isolated_home / ".local" / "share" / "opencode" / "auth.json"
    auth.parent.mkdir(parents=True)
    auth.write_text(json.dumps({"synthetic": {"type": "api", "key": KEY}}))
    assert provider.credentials(SETTINGS).source == str(auth)
    with aioresponses() as mocked:
        mocked.get(URL, payload=load_fixture("synthetic", "codexbar_v3_cutover_golden")["payload"])
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch(session, SETTINGS, now=NOW)
    [(method, url)] = list(mocked.requests)
    assert (method, str(url)) == ("GET", URL)
    headers = mocked.requests[(method, url)][0].kwargs["headers"]
    assert headers["Authorization"] == f"Bearer {KEY}" and headers["Accept"] == "application/json"
    assert result.plan == "Starter"


async def test_invalid_key_says_how_to_fix() -> None:
    with aioresponses() as mocked:
        mocked.get(URL, status=401, body=json.dumps({"error": f"Invalid API key {KEY}"}))
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await provider.fetch_with_key(session, SETTINGS, KEY, now=NOW)
    assert info.value.kind == "auth" and "`llmeter-bar login synthetic`" in info.value.message
    assert KEY not in str(info.value)


def test_installed_command_against_a_local_server(fake_server, write_config) -> None:
    fake_server.reply("/v2/quotas", load_fixture("synthetic", "codexbar_v3_cutover_golden")["payload"])
    write_config(f'[general]\nproviders = ["synthetic"]\n[provider.synthetic]\nbase_url = "{fake_server.url}"\n')
    done = cli.run("--format", "json", "--wait", SYNTHETIC_API_KEY=KEY)
    assert done.returncode == 0 and done.stderr == ""
    [shown] = json.loads(done.stdout)["providers"]
    assert shown["status"] == "ok" and shown["plan"] == "Starter"
    # The recorded search window renewed in April 2026: past its reset it reads 0, marked estimated.
    assert [(w["id"], w["used_percent"], w["estimated"]) for w in shown["windows"]] == [
        ("five_hour", 20.0, False), ("weekly", 1.94, False), ("search_hourly", 0.0, True)]
    tmux = cli.run("--format", "tmux", SYNTHETIC_API_KEY=KEY)
    assert tmux.returncode == 0 and tmux.stderr == "" and "20%" in tmux.stdout
    [(path, headers)] = fake_server.requests
    assert path == "/v2/quotas" and headers["Authorization"] == f"Bearer {KEY}"
