"""Claude: credential discovery, the request, error mapping, status-line merge."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from support.fixtures import FIXTURES, load_fixture
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.logs import redact
from llmeter_bar.models import Cost, ProviderResult, Window
from llmeter_bar.providers import REGISTRY, load
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.claude import Claude
from llmeter_bar.providers.claude_statusline import merge, parse_statusline

URL_USAGE = "https://api.anthropic.com/api/oauth/usage?cedar_ember=1"
TOKEN = "sk-ant-oat01-secret-access-token"
OK_BODY = {"five_hour": {"utilization": 12.5, "resets_at": "2026-07-09T18:00:00Z"},
           "seven_day": {"utilization": 30}}



def write_credentials(directory: Path, *, expires_in: float = 3600, token: str = TOKEN,
                      plan: str | None = "max", raw: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ".credentials.json"
    if raw is not None:
        path.write_text(raw)
        return path
    oauth: dict[str, Any] = {"accessToken": token, "refreshToken": "sk-ant-ort01-refresh",
                             "expiresAt": int((time.time() + expires_in) * 1000), "scopes": ["user:inference"]}
    if plan:
        oauth["subscriptionType"] = plan
    path.write_text(json.dumps({"claudeAiOauth": oauth}))
    return path


async def fetch(settings: ProviderSettings | None = None) -> ProviderResult:
    async with aiohttp.ClientSession() as session:
        return await Claude().fetch(session, settings or ProviderSettings("claude"))


def test_registry_line_matches_class() -> None:
    assert REGISTRY["claude"].name == Claude.name and load("claude").__class__ is Claude
    assert Claude.default_interval == 600 and Claude.min_interval == 300


def test_module_does_not_import_aiohttp() -> None:
    import subprocess

    code = "import sys, llmeter_bar.providers.claude, llmeter_bar.providers.claude_statusline; " \
           "print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_request_url_method_headers_and_plan(isolated_home: Path) -> None:
    write_credentials(isolated_home / ".claude")
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, payload=OK_BODY)
        result = await fetch()
        (method, url), calls = next(iter(mocked.requests.items()))
    assert (method, url) == ("GET", URL(URL_USAGE)) and len(calls) == 1
    headers = calls[0].kwargs["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["anthropic-beta"] == "oauth-2025-04-20"
    assert headers["User-Agent"] == "claude-cli/2.1.280 (external, cli)"  # Claude Code's own UA (CodexBar #3895)
    assert [w.label for w in result.windows] == ["5h", "7d"] and result.plan == "max"
    assert result.source == "api" and result.status == "ok"
    assert TOKEN not in redact(f"token {TOKEN}")


async def test_base_url_and_user_agent_overrides(isolated_home: Path) -> None:
    write_credentials(isolated_home / ".claude")
    settings = ProviderSettings("claude", base_url="http://127.0.0.1:9/", user_agent="custom/1")
    with aioresponses() as mocked:
        mocked.get("http://127.0.0.1:9/api/oauth/usage?cedar_ember=1", payload=OK_BODY)
        await fetch(settings)
        calls = next(iter(mocked.requests.values()))
    assert calls[0].kwargs["headers"]["User-Agent"] == "custom/1"


async def test_expired_token_is_auth_error_without_http(isolated_home: Path) -> None:
    write_credentials(isolated_home / ".claude", expires_in=-7200)
    with aioresponses() as mocked:
        with pytest.raises(FetchError) as caught:
            await fetch()
        assert not mocked.requests
    assert caught.value.kind == "auth"
    assert "run `claude`" in caught.value.message and "2h ago" in caught.value.message
    assert TOKEN not in caught.value.message


@pytest.mark.parametrize(("status", "kind"), [(401, "auth"), (403, "auth"), (404, "unavailable"),
                                              (429, "rate_limit"), (500, "unavailable"), (503, "unavailable")])
async def test_status_mapping(isolated_home: Path, status: int, kind: str) -> None:
    write_credentials(isolated_home / ".claude")
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, status=status, body="{}")
        with pytest.raises(FetchError) as caught:
            await fetch()
    assert caught.value.kind == kind
    if kind == "auth":
        assert "run `claude`" in caught.value.message


@pytest.mark.parametrize("name", sorted(p.stem for p in (FIXTURES / "claude").glob("*.json")
                                        if "http_status" in json.loads(p.read_text())))
async def test_recorded_error_bodies(isolated_home: Path, name: str) -> None:
    fixture = load_fixture("claude", name)
    write_credentials(isolated_home / ".claude")
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, status=fixture["http_status"], payload=fixture["payload"],
                   headers=fixture.get("headers"))
        with pytest.raises(FetchError) as caught:
            await fetch()
    assert caught.value.kind == "rate_limit"
    assert caught.value.retry_after == fixture["expected"]["retry_after_seconds"]


async def test_html_and_garbage_bodies_are_parse_errors(isolated_home: Path) -> None:
    write_credentials(isolated_home / ".claude")
    for body in ("<html>Just a moment...</html>", "[1, 2]"):
        with aioresponses() as mocked:
            mocked.get(URL_USAGE, body=body, content_type="text/html")
            with pytest.raises(FetchError) as caught:
                await fetch()
        assert caught.value.kind == "parse"


async def test_timeout_is_network(isolated_home: Path) -> None:
    import asyncio

    write_credentials(isolated_home / ".claude")
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, exception=asyncio.TimeoutError())
        with pytest.raises(FetchError) as caught:
            await fetch()
    assert caught.value.kind == "network"


async def test_no_credentials_is_not_configured() -> None:
    assert Claude().credentials(ProviderSettings("claude")) is None
    with pytest.raises(NotConfigured):
        await fetch()


@pytest.mark.parametrize("raw", ["", "{not json", "[]", '{"claudeAiOauth": {}}', '{"other": 1}'])
async def test_broken_credentials_file(isolated_home: Path, raw: str) -> None:
    path = write_credentials(isolated_home / ".claude", raw=raw)
    info = Claude().credentials(ProviderSettings("claude"))
    assert info is not None and info.source == str(path)
    with aioresponses() as mocked:
        with pytest.raises(FetchError) as caught:
            await fetch()
        assert not mocked.requests
    assert caught.value.kind == "auth" and "run `claude`" in caught.value.message


def test_credentials_detail_never_holds_the_secret(isolated_home: Path) -> None:
    path = write_credentials(isolated_home / ".claude", expires_in=-7200)
    info = Claude().credentials(ProviderSettings("claude"))
    assert info is not None and info.source == str(path)
    assert "expired 2h ago" in info.detail and "plan max" in info.detail and TOKEN not in info.detail


def test_credential_sources_in_order(isolated_home: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write_credentials(isolated_home / ".claude")
    assert Claude().credentials(ProviderSettings("claude")).source.endswith(".claude/.credentials.json")
    custom = write_credentials(tmp_path / "cfg")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "cfg"))
    assert Claude().credentials(ProviderSettings("claude")).source == str(custom)
    other = write_credentials(tmp_path / "other")
    settings = ProviderSettings("claude", options={"credentials_file": str(other)})
    assert Claude().credentials(settings).source == str(other)
    settings = ProviderSettings("claude", options={"config_dir": str(tmp_path / "other")})
    assert Claude().credentials(settings).source == str(other)
    monkeypatch.setenv("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-from-env")
    assert Claude().credentials(ProviderSettings("claude")).source == "env:CLAUDE_CODE_OAUTH_TOKEN"
    settings = ProviderSettings("claude", options={"token": "sk-ant-oat01-from-config"})
    assert Claude().credentials(settings).source == "config"


async def test_env_token_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-from-env")
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, payload=OK_BODY)
        result = await fetch()
        calls = next(iter(mocked.requests.values()))
    assert calls[0].kwargs["headers"]["Authorization"] == "Bearer sk-ant-oat01-from-env"
    assert result.plan is None


# Status line: parse + merge, as the CLI calls them.
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)


def api_result() -> ProviderResult:
    return ProviderResult(
        id="claude", name="Claude", fetched_at=NOW - timedelta(minutes=20), plan="max", status="stale",
        windows=[Window("five_hour", "5h", 10.0), Window("seven_day", "7d", 5.0),
                 Window("seven_day_sonnet", "Sonnet 7d", 3.0, resets_at=NOW + timedelta(days=2)),
                 Window("seven_day_opus", "Opus 7d", 80.0, resets_at=NOW - timedelta(minutes=1))],
        cost=Cost(used=3.5, limit=100.0, period="extra_usage"),
    )


def test_merge_keeps_what_only_the_api_knows() -> None:
    incoming = parse_statusline(load_fixture("claude_statusline", "ccstatusline_payload_example_v2_1_80")["payload"], NOW)
    assert incoming is not None
    merged = merge(api_result(), incoming)
    assert [w.id for w in merged.windows] == ["five_hour", "seven_day", "seven_day_sonnet", "seven_day_opus"]
    assert [w.used_percent for w in merged.windows[:3]] == [42.0, 15.0, 3.0]
    opus = merged.windows[3]
    assert opus.used_percent == 0.0 and opus.estimated  # its week reset since the API call
    assert merged.cost is not None and merged.cost.used == 3.5 and merged.plan == "max"
    assert merged.source == "claude-code" and merged.status == "ok" and merged.fetched_at == NOW
    assert ProviderResult.from_dict(merged.to_dict()) == merged  # survives the disk cache


def test_merge_partial_statusline_keeps_the_other_window() -> None:
    incoming = parse_statusline({"rate_limits": {"five_hour": {"used_percentage": "7"}}}, NOW)
    assert incoming is not None
    merged = merge(api_result(), incoming)
    assert [(w.id, w.used_percent) for w in merged.windows][:2] == [("five_hour", 7.0), ("seven_day", 5.0)]


def test_merge_without_previous_is_incoming() -> None:
    incoming = parse_statusline({"rate_limits": {"seven_day": {"used_percentage": 1}}}, NOW)
    assert incoming is not None and merge(None, incoming) is incoming
