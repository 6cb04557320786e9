"""Copilot: every recorded payload, the request, error mapping and token discovery."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from support.fixtures import FIXTURES, load_fixture
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.copilot import Copilot




URL_USER = "https://api.github.com/copilot_internal/user"
FIXTURE_NAMES = sorted(p.stem for p in (FIXTURES / "copilot").glob("*.json"))
provider = Copilot()
# Where we chose one source's reading over the fixture's (see the module docstring):
# an unlimited zero-entitlement premium placeholder shows as "unlimited", not nothing.
OVERRIDES: dict[str, dict[str, Any]] = {
    "openusage_issue839_placeholder_overage_permitted": {"premium": {"unlimited": True}},
    # Same sku as the openusage docs payload, which expects it named: one rule for both.
    "openusage_live_free_account_token_based_billing": {"plan": "individual (free_limited_copilot)"},
}
settings = ProviderSettings(id="copilot")


def _parse(name: str):
    return provider.parse(load_fixture("copilot", name)["payload"], settings)


def _win(result, wid: str):
    return next((w for w in result.windows if w.id == wid), None)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _check_bucket(window, exp: Any) -> None:
    if exp is None or (isinstance(exp, str) and "skip" in exp):
        assert window is None
        return
    if exp == "unlimited":
        assert window is None  # unlimited chat/completions are not shown
        return
    assert window is not None
    if exp.get("unlimited"):
        assert window.unlimited and window.used_percent == 0
        if exp.get("credits_used"):
            assert window.used == exp["credits_used"]
        return
    if "used_percent" in exp:
        # Over quota saturates at 100 while used > limit keeps the overage visible.
        assert window.used_percent == pytest.approx(min(100.0, exp["used_percent"]), abs=0.01)
    if exp.get("used_percent", 0) > 100:
        assert window.used is not None and window.limit is not None and window.used > window.limit
        assert window.used / window.limit * 100 == pytest.approx(exp["used_percent"])
    if "used" in exp:
        assert window.used == pytest.approx(exp["used"])
    if "limit" in exp:
        assert window.limit == pytest.approx(exp["limit"])
    if "remaining" in exp and window.limit is not None:
        assert window.limit - window.used == pytest.approx(exp["remaining"])
    if exp.get("resets_at"):
        assert window.resets_at == _utc(exp["resets_at"])


@pytest.mark.parametrize("name", [n for n in FIXTURE_NAMES if "http_status" not in load_fixture("copilot", n)])
def test_every_payload_parses_as_expected(name: str) -> None:
    fixture = load_fixture("copilot", name)
    exp = {**fixture["expected"], **OVERRIDES.get(name, {})}
    result = _parse(name)
    if "plan" in exp:
        assert result.plan is not None and result.plan.lower() == exp["plan"].lower()
    if "account" in exp:
        assert result.account == exp["account"]
    if "windows" in exp:
        assert [w.to_dict() for w in result.windows] == exp["windows"]
    for key, wid in (("premium", "premium"), ("chat", "chat"), ("completions", "completions")):
        if key in exp:
            _check_bucket(_win(result, wid), exp[key])
    for other in exp.get("other_buckets", []):
        _check_bucket(_win(result, other["id"]), other)
    if exp.get("resets_at"):
        assert all(w.resets_at == _utc(exp["resets_at"]) for w in result.windows)
    if "ai_credits" in exp:
        (extra,) = [e for e in result.extras if e.id == "ai_credits"]
        assert (extra.value, extra.limit, extra.unit, extra.note) == (
            exp["ai_credits"]["value"], exp["ai_credits"]["limit"], "credits", exp["ai_credits"]["note"])
    premium = exp.get("premium")
    if isinstance(premium, dict) and "label" in premium:
        assert _win(result, "premium").label == premium["label"]
    if isinstance(premium, dict) and premium.get("unlimited") is False:
        assert not _win(result, "premium").unlimited
    if "extra_usage" in exp:
        if exp["extra_usage"] is None:
            assert result.credits is None
        else:
            assert result.credits is not None and result.credits.balance == exp["extra_usage"]["overage_requests"]
            assert result.credits.currency is None


def test_premium_window_comes_first_and_counts_survive() -> None:
    result = _parse("openusage_paid_overage_count")
    assert [w.id for w in result.windows] == ["premium", "chat"]
    assert result.windows[0].label == "Premium"


@pytest.mark.parametrize("payload", [{}, [], "x", None, {"unrelated": 1}, {"copilot_plan": ""}])
def test_unusable_payloads_are_parse_errors(payload: Any) -> None:
    with pytest.raises(FetchError) as err:
        provider.parse(payload, settings)
    assert err.value.kind == "parse"


def test_wrong_types_and_unknown_keys_are_ignored() -> None:
    payload = {
        "copilot_plan": "pro", "new_key": {"x": 1},
        "quota_reset_date_utc": 12,  # nonsense reset: dropped, not 1970
        "quota_snapshots": {"premium_interactions": {"entitlement": "300", "remaining": "x",
                                                     "percent_remaining": None},
                            "chat": "oops", "completions": [1]},
    }
    result = provider.parse(payload, settings)
    assert result.windows == [] and result.plan == "pro"


def test_exhausted_premium_is_100() -> None:
    payload = {"copilot_plan": "pro", "quota_snapshots": {"premium_interactions": {
        "entitlement": 300, "remaining": 0, "percent_remaining": 0}}}
    window = provider.parse(payload, settings).windows[0]
    assert window.used_percent == 100 and window.used == 300


# --- HTTP -------------------------------------------------------------------

@pytest.fixture
def token_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COPILOT_TOKEN", "ghu_envtoken123456")
    return "ghu_envtoken123456"


async def test_request_url_method_and_headers(token_env: str) -> None:
    body = load_fixture("copilot", "llmeter_real_shaped_individual_unlimited_chat")["payload"]
    with aioresponses() as mocked:
        mocked.get(URL_USER, payload=body)
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch(session, settings)
    call = mocked.requests[("GET", URL(URL_USER))][0]
    headers = call.kwargs["headers"]
    assert headers["Authorization"] == f"token {token_env}"
    assert headers["Editor-Version"].startswith("vscode/")
    assert headers["Editor-Plugin-Version"].startswith("copilot-chat/")
    assert headers["User-Agent"].startswith("GitHubCopilotChat/")
    assert headers["X-Github-Api-Version"] == "2025-04-01"
    assert result.windows[0].used == 21 and result.account == "testuser"


async def test_base_url_and_user_agent_are_overridable(token_env: str) -> None:
    custom = ProviderSettings(id="copilot", base_url="http://127.0.0.1:9/gh/", user_agent="ua/1")
    with aioresponses() as mocked:
        mocked.get("http://127.0.0.1:9/gh/copilot_internal/user", payload={"copilot_plan": "pro"})
        async with aiohttp.ClientSession() as session:
            await provider.fetch(session, custom)
    call = mocked.requests[("GET", URL("http://127.0.0.1:9/gh/copilot_internal/user"))][0]
    assert call.kwargs["headers"]["User-Agent"] == "ua/1"


@pytest.mark.parametrize(
    ("status", "kind", "body", "headers"),
    [
        (401, "auth", "Bad credentials", {}),
        (403, "auth", '{"message":"Resource not accessible"}', {}),
        (404, "unavailable", "Not Found", {}),
        (429, "rate_limit", "slow down", {"Retry-After": "60"}),
        (500, "unavailable", "boom", {}),
        (200, "parse", "<html>login</html>", {"Content-Type": "text/html"}),
        (403, "rate_limit", '{"message":"API rate limit exceeded for user"}', {}),
    ],
)
async def test_error_statuses(token_env: str, status: int, kind: str, body: str, headers: dict) -> None:
    with aioresponses() as mocked:
        mocked.get(URL_USER, status=status, body=body, headers=headers)
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as err:
                await provider.fetch(session, settings)
    assert err.value.kind == kind
    assert token_env not in err.value.message
    if kind == "auth":
        assert "llmeter-bar login copilot" in err.value.message


async def test_github_403_rate_limit_fixture_before_auth(token_env: str) -> None:
    fixture = load_fixture("copilot", "quotaaxi_403_rate_limited")
    with aioresponses() as mocked:
        mocked.get(URL_USER, status=fixture["http_status"], payload=fixture["payload"], headers=fixture["headers"])
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as err:
                await provider.fetch(session, settings)
    assert err.value.kind == "rate_limit"
    assert "2026-08-01 00:00" in err.value.message  # x-ratelimit-reset, epoch seconds
    assert err.value.retry_after is None or err.value.retry_after > 0


async def test_network_failure_is_network(token_env: str) -> None:
    with aioresponses() as mocked:
        mocked.get(URL_USER, exception=aiohttp.ClientConnectionError("dns"))
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as err:
                await provider.fetch(session, settings)
    assert err.value.kind == "network"


# --- credentials --------------------------------------------------------------

def _plugin_dir(home: Path) -> Path:
    folder = home / ".config" / "github-copilot"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_no_credentials_anywhere(isolated_home: Path) -> None:
    assert provider.credentials(settings) is None
    from llmeter_bar.providers.copilot_creds import find_token
    with pytest.raises(NotConfigured):
        find_token(settings)


def test_apps_json_wins_over_hosts_json(isolated_home: Path) -> None:
    folder = _plugin_dir(isolated_home)
    (folder / "hosts.json").write_text(json.dumps({"github.com": {"user": "old", "oauth_token": "gho_hosts"}}))
    (folder / "apps.json").write_text(json.dumps({
        "ghe.example.com:Iv1.x": {"user": "corp", "oauth_token": "ghu_enterprise"},
        "github.com:Iv1.b507a08c87ecfe98": {"user": "me", "oauth_token": "ghu_apps", "githubAppId": "Iv1.b507"},
    }))
    info = provider.credentials(settings)
    assert info is not None and info.source.endswith("apps.json") and "me" in info.detail
    assert "ghu_apps" not in info.detail


def test_hosts_json_alone(isolated_home: Path) -> None:
    (_plugin_dir(isolated_home) / "hosts.json").write_text(json.dumps({"github.com": {"oauth_token": "gho_h"}}))
    from llmeter_bar.providers.copilot_creds import find_token
    assert find_token(settings).value == "gho_h"


@pytest.mark.parametrize("content", ["", "   \n", "{}", '{"github.com": {"user": "x"}}'])
def test_empty_plugin_files_mean_not_configured(isolated_home: Path, content: str) -> None:
    (_plugin_dir(isolated_home) / "apps.json").write_text(content)
    assert provider.credentials(settings) is None


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
async def test_malformed_plugin_file_is_config_error(isolated_home: Path, content: str) -> None:
    path = _plugin_dir(isolated_home) / "apps.json"
    path.write_text(content)
    info = provider.credentials(settings)
    assert info is not None and "apps.json" in info.detail
    async with aiohttp.ClientSession() as session:
        with pytest.raises(FetchError) as err:
            await provider.fetch(session, settings)
    assert err.value.kind == "config" and str(path) in err.value.message


def test_env_and_config_and_store_order(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import llmeter_bar.store.credstore as credstore

    (_plugin_dir(isolated_home) / "hosts.json").write_text(json.dumps({"github.com": {"oauth_token": "gho_file"}}))
    assert provider.credentials(settings).source.endswith("hosts.json")
    monkeypatch.setenv("COPILOT_TOKEN", "env-token-value")
    assert provider.credentials(settings).source == "env:COPILOT_TOKEN"
    assert provider.credentials(ProviderSettings(id="copilot", options={"token": "cfg"})).source == "config"
    monkeypatch.setattr(credstore, "get", lambda provider_id, account=None: {"token": "ghu_store"}
                        if provider_id == "copilot" else None)
    info = provider.credentials(settings)
    assert info.source == "store" and "ghu_store" not in info.detail


def test_missing_credstore_module_is_tolerated(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    monkeypatch.setitem(sys.modules, "llmeter_bar.store.credstore", None)  # import raises ImportError
    monkeypatch.setenv("COPILOT_TOKEN", "env-token-value")
    assert provider.credentials(settings).source == "env:COPILOT_TOKEN"


def test_module_import_stays_cheap() -> None:
    import subprocess
    import sys
    code = ("import sys; import llmeter_bar.providers.copilot; "
            "print('aiohttp' in sys.modules, 'llmeter_bar.providers.http' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_over_quota_by_one_is_100_percent_not_unlimited_in_the_bar() -> None:
    from render.helpers import run

    result = _parse("copilot_remaining_minus_one_over_quota_float_noise")
    assert run("plain", [result]).text.startswith("Copilot 100%")
    assert not _win(result, "premium").unlimited


def test_org_seat_credits_used_are_listed_in_long_and_json() -> None:
    import json as _json

    from render.helpers import run

    result = _parse("openusage_issue1094_org_seat_credits_used")
    (extra,) = result.extras
    assert (extra.value, extra.note) == (2111, "$21.11")
    assert "AI credits used: 2111 credits · $21.11" in run("plain", [result], long=True).text
    doc = _json.loads(run("json", [result]).text)["providers"][0]
    assert doc["extras"][0]["id"] == "ai_credits" and doc["extras"][0]["value"] == 2111


def test_ai_credits_with_only_credits_used_and_an_entitlement_are_a_window() -> None:
    body = {"copilot_plan": "individual", "token_based_billing": True,
            "quota_snapshots": {"premium_interactions": {"entitlement": 1500, "credits_used": 375,
                                                         "unlimited": False}}}
    window = _win(provider.parse(body, settings), "premium")
    assert (window.label, window.used, window.limit, window.used_percent) == ("AI credits", 375, 1500, 25.0)
