"""Gemini: recorded payloads, the Code Assist calls, read-only creds and in-memory refresh."""

from __future__ import annotations

import json
import os
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
from llmeter_bar.providers.gemini import Gemini, code_assist_info
from llmeter_bar.providers.gemini_auth import TOKEN_CACHE

BASE = "https://cloudcode-pa.googleapis.com/v1internal"
LOAD, QUOTA = f"{BASE}:loadCodeAssist", f"{BASE}:retrieveUserQuota"
TOKEN_URL = "https://oauth2.googleapis.com/token"
NAMES = sorted(p.stem for p in (FIXTURES / "gemini").glob("*.json"))
provider = Gemini()
settings = ProviderSettings(id="gemini", options={"client_secret": "test-secret"})



@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str | None], dict]:
    import llmeter_bar.store.credstore as credstore

    saved: dict[tuple[str, str | None], dict] = {}
    monkeypatch.setattr(credstore, "get", lambda p, a=None: saved.get((p, a)))
    monkeypatch.setattr(credstore, "put", lambda p, a, e: saved.__setitem__((p, a), dict(e)))
    return saved


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _kind(name: str) -> str:
    fixture = load_fixture("gemini", name)
    if "http_status" in fixture:
        return "error"
    return "assist" if "loadCodeAssist" in fixture["endpoint"] else "quota"


@pytest.mark.parametrize("name", [n for n in NAMES if _kind(n) == "quota"])
def test_quota_payloads(name: str) -> None:
    fixture = load_fixture("gemini", name)
    exp = fixture["expected"]
    result = provider.parse(fixture["payload"], settings)
    by_id = {w.id: w for w in result.windows}
    if "windows" in exp:  # grouped shape
        assert len(result.windows) == len(exp["windows"])
        for window, want in zip(result.windows, exp["windows"]):
            assert window.label.startswith(want["group"])
            assert window.window_seconds == want["window_minutes"] * 60
            assert window.used_percent == pytest.approx(want["used_percent"])
            assert window.resets_at == _utc(want["resets_at"])
        return
    for key in ("pro", "flash", "flash_lite"):
        if key not in exp:
            continue
        if exp[key] is None:
            assert key not in by_id  # no phantom 0% window
            continue
        window = by_id[key]
        want = exp[key]
        used = want.get("used_percent", 100 - want.get("remaining_percent", 0))
        assert window.used_percent == pytest.approx(used)
        assert window.window_seconds == want.get("window_minutes", 1440) * 60
        if "resets_at" in want:
            assert window.resets_at == (_utc(want["resets_at"]) if want["resets_at"] else None)
    if exp.get("resets_at"):
        assert all(w.resets_at == _utc(exp["resets_at"]) for w in result.windows)
    assert "claude_sonnet_4" not in by_id  # no fraction: unknown, skipped


def test_window_order_pro_flash_lite_then_others() -> None:
    payload = {"buckets": [{"modelId": "x-model", "remainingFraction": 1},
                           {"modelId": "gemini-2.5-flash-lite", "remainingFraction": 0.5},
                           {"modelId": "gemini-3-pro-preview", "remainingFraction": 0.2},
                           {"modelId": "gemini-2.5-pro", "remainingFraction": 0.4},
                           {"modelId": "gemini-2.5-flash", "remainingFraction": 0}]}
    result = provider.parse(payload, settings)
    assert [(w.id, round(w.used_percent)) for w in result.windows] == [
        ("pro", 80), ("flash", 100), ("flash_lite", 50), ("x_model", 0)]


@pytest.mark.parametrize("payload", [{"buckets": []}, {}, [], None, {"buckets": [{"modelId": "m"}]},
                                     {"buckets": "x"}, {"response": {"groups": []}}])
def test_unusable_quota_is_parse_error(payload: Any) -> None:
    with pytest.raises(FetchError) as err:
        provider.parse(payload, settings)
    assert err.value.kind == "parse"


def test_protobuf_oneof_and_disabled_buckets() -> None:
    payload = {"response": {"groups": [{"displayName": "Gemini Models", "buckets": [
        {"bucketId": "gemini-5h", "remaining": {"case": "remainingFraction", "value": 0.5}},
        {"bucketId": "gemini-weekly", "remaining": {"remainingFraction": 0.1}, "disabled": True},
        {"bucketId": "gemini-daily"}]}]}}
    result = provider.parse(payload, settings)
    assert [(w.id, w.used_percent) for w in result.windows] == [("gemini_5h", 50.0)]


@pytest.mark.parametrize("name", [n for n in NAMES if _kind(n) == "assist"])
def test_load_code_assist_payloads(name: str) -> None:
    fixture = load_fixture("gemini", name)
    tier, plan, project = code_assist_info(fixture["payload"])
    assert tier == fixture["expected"]["tier"] and project == fixture["expected"]["project"]
    if "plan" in fixture["expected"]:
        assert plan == fixture["expected"]["plan"]


# --- credentials and HTTP -------------------------------------------------------

def _write_creds(home: Path, *, expired: bool, refresh: str | None = "1//refresh-token") -> Path:
    folder = home / ".gemini"
    folder.mkdir(exist_ok=True)
    path = folder / "oauth_creds.json"
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    body = {"access_token": "ya29.old-access-token", "token_type": "Bearer", "scope": "x",
            "expiry_date": now_ms - 3_600_000 if expired else now_ms + 3_600_000,
            "id_token": "h." + _b64({"email": "me@example.com"}) + ".s"}
    if refresh:
        body["refresh_token"] = refresh
    path.write_text(json.dumps(body))
    return path


def _b64(data: dict) -> str:
    import base64
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _mock_code_assist(mocked: aioresponses, quota_status: int = 200) -> None:
    mocked.post(LOAD, payload=load_fixture("gemini", "loadcodeassist_standard_tier_project_string")["payload"])
    mocked.post(QUOTA, status=quota_status,
                payload=load_fixture("gemini", "llmeter_input_output_token_types")["payload"])


async def test_valid_token_calls_and_headers(isolated_home: Path, store: dict) -> None:
    _write_creds(isolated_home, expired=False)
    with aioresponses() as mocked:
        _mock_code_assist(mocked)
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch(session, settings)
    load_call = mocked.requests[("POST", URL(LOAD))][0]
    quota_call = mocked.requests[("POST", URL(QUOTA))][0]
    assert load_call.kwargs["headers"]["Authorization"] == "Bearer ya29.old-access-token"
    assert load_call.kwargs["json"]["metadata"]["pluginType"] == "GEMINI"
    assert quota_call.kwargs["json"] == {"project": "gen-lang-client-test"}
    assert result.plan == "Paid" and result.account == "me@example.com"
    assert [(w.id, w.used_percent) for w in result.windows] == [("pro", 40.0), ("flash", 15.0)]
    assert ("POST", URL(TOKEN_URL)) not in mocked.requests and store == {}


async def test_expired_token_is_refreshed_in_memory_and_file_untouched(isolated_home: Path, store: dict) -> None:
    path = _write_creds(isolated_home, expired=True)
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload={"access_token": "ya29.new-token", "expires_in": 3599})
        _mock_code_assist(mocked)
        async with aiohttp.ClientSession() as session:
            await provider.fetch(session, settings)
    form = mocked.requests[("POST", URL(TOKEN_URL))][0].kwargs["data"]
    assert form == {"client_id": "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com",
                    "client_secret": "test-secret", "refresh_token": "1//refresh-token",
                    "grant_type": "refresh_token"}
    for key in (("POST", URL(LOAD)), ("POST", URL(QUOTA))):
        assert mocked.requests[key][0].kwargs["headers"]["Authorization"] == "Bearer ya29.new-token"
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
    # Kept as a cache of this login (keyed by its refresh token's fingerprint), never
    # as a "gemini" account named by the e-mail: that became a second instance.
    [(slot, entry)] = list(store.items())
    assert slot[0] == TOKEN_CACHE and "me@example.com" not in slot
    assert entry["access_token"] == "ya29.new-token" and entry["expires_at"] > datetime.now().timestamp()
    assert "1//refresh-token" not in json.dumps(entry)

    # The stored token is reused by the next fetch: no second refresh.
    with aioresponses() as mocked:
        _mock_code_assist(mocked)
        async with aiohttp.ClientSession() as session:
            await provider.fetch(session, settings)
    assert ("POST", URL(TOKEN_URL)) not in mocked.requests
    assert mocked.requests[("POST", URL(QUOTA))][0].kwargs["headers"]["Authorization"] == "Bearer ya29.new-token"


async def test_stored_token_from_another_login_is_ignored(isolated_home: Path, store: dict) -> None:
    _write_creds(isolated_home, expired=True)
    store[(TOKEN_CACHE, "x")] = {"access_token": "stale", "expires_at": 9e9, "refresh_fingerprint": "x"}
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, payload={"access_token": "ya29.new-token"})
        _mock_code_assist(mocked)
        async with aiohttp.ClientSession() as session:
            await provider.fetch(session, settings)
    assert len(mocked.requests[("POST", URL(TOKEN_URL))]) == 1


@pytest.mark.parametrize(("status", "kind"), [(400, "auth"), (401, "auth"), (500, "unavailable")])
async def test_refresh_failures(isolated_home: Path, store: dict, status: int, kind: str) -> None:
    _write_creds(isolated_home, expired=True)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=status, payload={"error": "invalid_grant"})
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as err:
                await provider.fetch(session, settings)
    assert err.value.kind == kind and "1//refresh-token" not in err.value.message
    if kind == "auth":
        assert "gemini" in err.value.message


async def test_expired_without_refresh_token_or_secret(isolated_home: Path, store: dict,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(isolated_home))  # no gemini binary to read the secret from
    _write_creds(isolated_home, expired=True, refresh=None)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(FetchError) as err:
            await provider.fetch(session, settings)
        assert err.value.kind == "auth" and "`gemini`" in err.value.message
        _write_creds(isolated_home, expired=True)
        with pytest.raises(FetchError) as err:
            await provider.fetch(session, ProviderSettings(id="gemini"))
    assert err.value.kind == "auth" and "client secret" in err.value.message


def test_client_secret_read_from_installed_cli(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from llmeter_bar.providers.gemini_auth import client_secret

    package = isolated_home / "lib" / "node_modules" / "@google" / "gemini-cli"
    (package / "bundle").mkdir(parents=True)
    script = package / "bundle" / "gemini.js"
    script.write_text("#!/usr/bin/env node\nconst OAUTH_CLIENT_SECRET = 'FAKE-secret_123';\n")
    bin_dir = isolated_home / "bin"
    bin_dir.mkdir()
    (bin_dir / "gemini").symlink_to(script)
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert client_secret(ProviderSettings(id="gemini")) == "FAKE-secret_123"
    monkeypatch.setenv("LLMETER_BAR_GEMINI_CLIENT_SECRET", "from-env")
    assert client_secret(ProviderSettings(id="gemini")) == "from-env"


@pytest.mark.parametrize("content", ["", "{broken", "[]", '{"token_type": "Bearer"}'])
async def test_bad_credential_files(isolated_home: Path, content: str) -> None:
    (isolated_home / ".gemini").mkdir()
    (isolated_home / ".gemini" / "oauth_creds.json").write_text(content)
    assert provider.credentials(settings) is not None
    async with aiohttp.ClientSession() as session:
        with pytest.raises(FetchError) as err:
            await provider.fetch(session, settings)
    assert err.value.kind == "auth" and "oauth_creds.json" in err.value.message


async def test_absent_credentials(isolated_home: Path) -> None:
    assert provider.credentials(settings) is None
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NotConfigured):
            await provider.fetch(session, settings)


def test_credentials_file_option_and_gemini_cli_home(isolated_home: Path, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    _write_creds(other, expired=False)
    monkeypatch.setenv("GEMINI_CLI_HOME", str(other))
    assert provider.credentials(settings).source == str(other / ".gemini" / "oauth_creds.json")
    custom = ProviderSettings(id="gemini", options={"credentials_file": str(other / ".gemini" / "oauth_creds.json")})
    assert provider.credentials(custom) is not None


@pytest.mark.parametrize(("status", "kind"), [(401, "auth"), (403, "auth"), (404, "unavailable"),
                                              (429, "rate_limit"), (503, "unavailable")])
async def test_quota_error_statuses(isolated_home: Path, store: dict, status: int, kind: str) -> None:
    _write_creds(isolated_home, expired=False)
    with aioresponses() as mocked:
        _mock_code_assist(mocked, quota_status=status)
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as err:
                await provider.fetch(session, settings)
    assert err.value.kind == kind
    if kind == "auth":
        assert "`gemini`" in err.value.message


async def test_consumer_tier_deprecated_403(isolated_home: Path, store: dict) -> None:
    fixture = load_fixture("gemini", "codexbar_consumer_tier_deprecated_403")
    _write_creds(isolated_home, expired=False)
    with aioresponses() as mocked:
        mocked.post(LOAD, status=fixture["http_status"], payload=fixture["payload"])
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as err:
                await provider.fetch(session, settings)
    assert err.value.kind == "unavailable" and err.value.label == "tier"
    assert "June 2026" in err.value.message and "individual, AI Pro and Ultra" in err.value.message
    assert "`antigravity`" in err.value.message


def test_doctor_points_a_shut_gemini_login_at_antigravity() -> None:
    from llmeter_bar.diagnose.providers import _last_fetch
    from llmeter_bar.models import ProviderResult
    from llmeter_bar.providers.gemini import SHUTDOWN_MESSAGE

    error = {"kind": "unavailable", "label": "tier", "message": SHUTDOWN_MESSAGE}
    shown = ProviderResult(id="gemini", name="Gemini", status="error")
    (check,) = _last_fetch("gemini", {"attempt_at": 1.0}, error, shown, 2.0, True)
    assert check.status == "warn" and "June 2026" in check.message
    assert "June 2026" in check.hint and "ntigravity" in check.hint


async def test_load_code_assist_failure_is_best_effort(isolated_home: Path, store: dict) -> None:
    _write_creds(isolated_home, expired=False)
    custom = ProviderSettings(id="gemini", base_url="http://127.0.0.1:9/g", user_agent="ua/2")
    with aioresponses() as mocked:
        mocked.post("http://127.0.0.1:9/g/v1internal:loadCodeAssist", status=500, body="oops")
        mocked.post("http://127.0.0.1:9/g/v1internal:retrieveUserQuota",
                    payload=load_fixture("gemini", "llmeter_reset_time_null_flash_only")["payload"])
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch(session, custom)
    call = mocked.requests[("POST", URL("http://127.0.0.1:9/g/v1internal:retrieveUserQuota"))][0]
    assert call.kwargs["json"] == {} and call.kwargs["headers"]["User-Agent"] == "ua/2"
    assert result.plan is None and [w.id for w in result.windows] == ["flash"]


def test_module_import_stays_cheap() -> None:
    import subprocess
    import sys
    code = ("import sys; import llmeter_bar.providers.gemini; "
            "print('aiohttp' in sys.modules, 'llmeter_bar.providers.http' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


async def test_consumer_tier_shutdown_on_token_refresh(isolated_home: Path, store: dict) -> None:
    fixture = load_fixture("gemini", "codexbar_consumer_tier_deprecated_403")
    _write_creds(isolated_home, expired=True)
    with aioresponses() as mocked:
        mocked.post(TOKEN_URL, status=403, payload=fixture["payload"])
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as err:
                await provider.fetch(session, settings)
    assert err.value.kind == "unavailable" and err.value.label == "tier" and "June 2026" in err.value.message
