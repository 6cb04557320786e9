"""The requests of zai, kimi, minimax, grok and ollama: URLs, headers, fallbacks,
credential discovery from other programs' files (read, never written), regions."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import aiohttp
import pytest
from aioresponses import aioresponses

from llmeter_bar import providers
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.providers import zai
from llmeter_bar.providers.base import ProviderSettings
from support.fixtures import load_fixture

ZAI_URL = "https://api.z.ai/api/monitor/usage/quota/limit"
ZAI_BODY = load_fixture("zai", "openusage_live_glm_coding_pro_2026_06_29")["payload"]


async def _fetch(pid: str, settings: ProviderSettings | None = None):
    async with aiohttp.ClientSession() as session:
        return await providers.load(pid).fetch(session, settings or ProviderSettings(id=pid))


def _headers(mocked: aioresponses) -> list[dict[str, str]]:
    return [call.kwargs["headers"] for calls in mocked.requests.values() for call in calls]


async def test_zai_falls_back_to_the_raw_key_on_401_and_remembers_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZAI_API_KEY", "zai-key-1")
    with aioresponses() as mocked:
        mocked.get(ZAI_URL, status=401, body='{"error": "unauthorised"}')
        mocked.get(ZAI_URL, payload=ZAI_BODY)
        result = await _fetch("zai")
        assert [h["Authorization"] for h in _headers(mocked)] == ["Bearer zai-key-1", "zai-key-1"]
    assert [w.used_percent for w in result.windows] == [17.0, 3.0, 0.0]
    assert zai.remembered_scheme("zai") == "raw"
    assert "zai-key-1" not in zai._scheme_file().read_text()
    with aioresponses() as mocked:  # the next fetch starts with what worked: one request
        mocked.get(ZAI_URL, payload=ZAI_BODY)
        await _fetch("zai")
        assert [h["Authorization"] for h in _headers(mocked)] == ["zai-key-1"]


async def test_zai_in_band_401_also_falls_back_and_a_no_plan_body_does_not(monkeypatch) -> None:
    monkeypatch.setenv("ZHIPUAI_API_KEY", "zai-key-2")
    no_plan = load_fixture("zai", "no_coding_plan_envelope")["payload"]
    with aioresponses() as mocked:
        mocked.get(ZAI_URL, payload={"success": False, "code": 401, "msg": "token expired or incorrect"})
        mocked.get(ZAI_URL, payload=no_plan)
        with pytest.raises(FetchError) as info:
            await _fetch("zai")
        assert len(_headers(mocked)) == 2
    assert info.value.kind == "unavailable" and "no GLM Coding Plan" in info.value.message
    assert "https://z.ai/subscribe" in info.value.message


async def test_zai_key_from_claude_code_settings_pointed_at_bigmodel_uses_the_cn_host(isolated_home: Path) -> None:
    settings_file = isolated_home / ".claude" / "settings.json"
    settings_file.parent.mkdir()
    settings_file.write_text(json.dumps({"env": {"ANTHROPIC_BASE_URL": "https://open.bigmodel.cn/api/anthropic",
                                                 "ANTHROPIC_AUTH_TOKEN": "cc-zai-token"}}))
    os.utime(settings_file, (1_000_000_000, 1_000_000_000))
    before = settings_file.read_bytes()
    info = providers.load("zai").credentials(ProviderSettings(id="zai"))
    assert info is not None and info.source == str(settings_file)
    with aioresponses() as mocked:
        mocked.get("https://open.bigmodel.cn/api/monitor/usage/quota/limit", payload=ZAI_BODY)
        await _fetch("zai")
        assert _headers(mocked)[0]["Authorization"] == "Bearer cc-zai-token"
    assert settings_file.read_bytes() == before and settings_file.stat().st_mtime == 1_000_000_000


def test_zai_ignores_claude_settings_that_point_elsewhere(isolated_home: Path) -> None:
    settings_file = isolated_home / ".claude" / "settings.json"
    settings_file.parent.mkdir()
    settings_file.write_text(json.dumps({"env": {"ANTHROPIC_AUTH_TOKEN": "not-for-zai"}}))
    assert providers.load("zai").credentials(ProviderSettings(id="zai")) is None


async def test_zai_region_cn_and_base_url_keeps_the_path(monkeypatch) -> None:
    monkeypatch.setenv("ZAI_API_KEY", "k")
    provider = providers.load("zai")
    assert provider.base_url(ProviderSettings(id="zai", options={"region": "cn"})) == "https://open.bigmodel.cn"
    with aioresponses() as mocked:
        mocked.get("http://127.0.0.1:9/proxy/api/monitor/usage/quota/limit", payload=ZAI_BODY)
        await _fetch("zai", ProviderSettings(id="zai", base_url="http://127.0.0.1:9/proxy/"))


def _kimi_file(home: Path, expires: float) -> Path:
    path = home / ".kimi-code" / "credentials" / "kimi-code.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"access_token": "kimi-cli-token", "refresh_token": "kimi-refresh",
                                "expires_at": expires}))
    os.utime(path, (1_000_000_000, 1_000_000_000))
    return path


async def test_kimi_uses_the_cli_login_read_only(isolated_home: Path) -> None:
    path = _kimi_file(isolated_home, time.time() + 600)
    (isolated_home / ".kimi-code" / "device_id").write_text("0f3c-device\n")
    before = path.read_bytes()
    body = load_fixture("kimi", "paseo_3024_real_body_with_parallel")["payload"]
    with aioresponses() as mocked:
        mocked.get("https://api.kimi.com/coding/v1/usages", payload=body)
        result = await _fetch("kimi")
        headers = _headers(mocked)[0]
        assert headers["Authorization"] == "Bearer kimi-cli-token"
        assert headers["X-Msh-Platform"] == "kimi_code_cli" and headers["X-Msh-Device-Id"] == "0f3c-device"
    assert [w.id for w in result.windows] == ["five_hour", "weekly"]
    assert path.read_bytes() == before and path.stat().st_mtime == 1_000_000_000
    assert "expires in" in providers.load("kimi").credentials(ProviderSettings(id="kimi")).detail


async def test_kimi_expired_cli_login_is_an_auth_error_without_a_request(isolated_home: Path) -> None:
    _kimi_file(isolated_home, time.time() - 120)
    info = providers.load("kimi").credentials(ProviderSettings(id="kimi"))
    assert not info.usable and "expired 2m ago" in info.detail and "run `kimi`" in info.detail
    with aioresponses() as mocked:
        with pytest.raises(FetchError) as info:
            await _fetch("kimi")
        assert not mocked.requests
    assert info.value.kind == "auth" and "run `kimi`" in info.value.message


async def test_kimi_env_key_wins_and_no_credentials_says_how(monkeypatch) -> None:
    with pytest.raises(NotConfigured) as info:
        await _fetch("kimi")
    assert "KIMI_CODE_API_KEY" in info.value.message and "login kimi" in info.value.message
    monkeypatch.setenv("KIMI_API_KEY", "kimi-env")
    with aioresponses() as mocked:
        mocked.get("https://api.kimi.com/coding/v1/usages",
                   payload=load_fixture("kimi", "aiusagebar_string_numbers")["payload"])
        await _fetch("kimi")
        assert _headers(mocked)[0]["Authorization"] == "Bearer kimi-env"
        assert "X-Msh-Platform" not in _headers(mocked)[0]  # a console key is not the CLI's login


async def test_minimax_cn_region_legacy_path_on_404_and_1004(monkeypatch) -> None:
    monkeypatch.setenv("MINIMAX_API_KEY", "mm-plain")
    monkeypatch.setenv("MINIMAX_CODING_API_KEY", "sk-cp-coding")
    body = load_fixture("minimax", "codexbar_token_plan_normal_percent_strings")["payload"]
    settings = ProviderSettings(id="minimax", options={"region": "cn"})
    with aioresponses() as mocked:
        mocked.get("https://api.minimaxi.com/v1/token_plan/remains", status=404, body="not here")
        mocked.get("https://api.minimaxi.com/v1/api/openplatform/coding_plan/remains", payload=body)
        result = await _fetch("minimax", settings)
        assert [h["Authorization"] for h in _headers(mocked)] == ["Bearer sk-cp-coding"] * 2
    assert result.plan == "Token Plan Plus" and result.windows[0].used_percent == 4.0
    with aioresponses() as mocked:
        mocked.get("https://api.minimax.io/v1/token_plan/remains",
                   payload={"base_resp": {"status_code": 2049, "status_msg": "invalid api key"}})
        with pytest.raises(FetchError) as info:
            await _fetch("minimax")
    assert info.value.kind == "auth" and 'region = "cn"' in info.value.message


def _grok_auth(home: Path, expires: str) -> Path:
    path = home / ".grok" / "auth.json"
    path.parent.mkdir()
    path.write_text(json.dumps({
        "https://accounts.x.ai/sign-in": {"key": "legacy-token"},
        "https://auth.x.ai::b1a00492-client": {"key": "oidc-token", "refresh_token": "grok-refresh",
                                              "expires_at": expires, "email": "me@example.com"}}))
    os.utime(path, (1_000_000_000, 1_000_000_000))
    return path


async def test_grok_sends_both_headers_reads_the_tier_and_never_writes_auth_json(isolated_home: Path) -> None:
    path = _grok_auth(isolated_home, "2099-01-01T00:00:00Z")
    before = path.read_bytes()
    billing = load_fixture("grok", "codexbar_on_demand_and_weekly")["payload"]["billing"]
    with aioresponses() as mocked:
        mocked.get("https://cli-chat-proxy.grok.com/v1/billing?format=credits", payload=billing)
        mocked.get("https://cli-chat-proxy.grok.com/v1/settings", payload={"subscription_tier_display": "SuperGrok"})
        result = await _fetch("grok")
        assert len(mocked.requests) == 2
        for headers in _headers(mocked):
            assert headers["Authorization"] == "Bearer oidc-token"
            assert headers["x-xai-token-auth"] == "xai-grok-cli"
    assert result.plan == "SuperGrok" and result.account == "me@example.com"
    assert result.cost.used == 2.5 and result.cost.limit == 10.0
    assert path.read_bytes() == before and path.stat().st_mtime == 1_000_000_000


async def test_grok_expired_login_asks_for_grok_login_without_a_request(isolated_home: Path) -> None:
    _grok_auth(isolated_home, "2020-01-01T00:00:00Z")
    info = providers.load("grok").credentials(ProviderSettings(id="grok"))
    assert not info.usable and "expired" in info.detail and "grok login" in info.detail
    with aioresponses() as mocked:
        with pytest.raises(FetchError) as info:
            await _fetch("grok")
        assert not mocked.requests
    assert info.value.kind == "auth" and "grok login" in info.value.message


async def test_grok_reads_plain_billing_only_without_percent_and_period(monkeypatch) -> None:
    monkeypatch.setenv("GROK_OAUTH_TOKEN", "pasted")
    fixture = load_fixture("grok", "orca_8769_unified_monthly_fallback")["payload"]
    with aioresponses() as mocked:
        mocked.get("https://cli-chat-proxy.grok.com/v1/billing?format=credits", payload=fixture["billing"])
        mocked.get("https://cli-chat-proxy.grok.com/v1/billing", payload=fixture["legacy"])
        mocked.get("https://cli-chat-proxy.grok.com/v1/settings", status=500, body="down")
        result = await _fetch("grok")
    assert result.windows[0].id == "monthly" and result.windows[0].used == 8.37 and result.plan is None


async def test_ollama_usage_then_me_bearer_and_a_401_stops_there(monkeypatch) -> None:
    monkeypatch.setenv("OLLAMA_API_KEY", "ollama-key")
    body = load_fixture("ollama", "aiusagebar_live_session_weekly_2026_09_09")["payload"]
    with aioresponses() as mocked:
        mocked.get("https://ollama.com/api/usage", payload=body)
        mocked.post("https://ollama.com/api/me", payload={"Plan": "max", "CreatedAt": "2026-01-05T00:00:00Z"})
        result = await _fetch("ollama")
        assert all(h["Authorization"] == "Bearer ollama-key" for h in _headers(mocked))
    assert result.plan == "max" and [w.estimated for w in result.windows] == [True, True]
    with aioresponses() as mocked:
        mocked.get("https://ollama.com/api/usage", status=401, body='{"error": "unauthorized"}')
        with pytest.raises(FetchError) as info:
            await _fetch("ollama")
        assert len(mocked.requests) == 1  # no second request to a server that refused the first
    assert info.value.kind == "auth" and "login ollama" in info.value.message


@pytest.mark.parametrize("pid", ["zai", "kimi", "minimax", "ollama"])
async def test_a_403_says_the_account_is_refused(pid: str, monkeypatch) -> None:
    for name in ("ZAI_API_KEY", "KIMI_CODE_API_KEY", "MINIMAX_CODING_API_KEY", "OLLAMA_API_KEY"):
        monkeypatch.setenv(name, "k")
    base = providers.load(pid).default_base_url
    with aioresponses() as mocked:
        import re

        mocked.get(re.compile(re.escape(base) + ".*"), status=403, body="{}", repeat=True)
        with pytest.raises(FetchError) as info:
            await _fetch(pid)
    assert info.value.kind == "auth"
    assert info.value.message.startswith("HTTP 403: not authorised; ") and "disabled" in info.value.message
