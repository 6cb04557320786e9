"""Codex: auth.json discovery, the request, error mapping, session logs and their precedence."""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.models import ProviderResult
from llmeter_bar.providers import REGISTRY, load
from llmeter_bar.providers import codex_logs
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.codex import Codex, jwt_claims
from llmeter_bar.providers.codex_logs import newest_snapshot, scan_file

URL_USAGE = "https://chatgpt.com/backend-api/wham/usage"
OK_BODY = {"plan_type": "plus", "rate_limit": {
    "primary_window": {"used_percent": 35, "reset_at": 1771200000, "limit_window_seconds": 18000},
    "secondary_window": {"used_percent": 12, "reset_at": 1771920000, "limit_window_seconds": 604800}},
    "credits": {"has_credits": True, "unlimited": False, "balance": 42.5}}



def make_jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


def write_auth(home: Path, *, expires_in: float = 86400, account_in_tokens: bool = True,
               raw: str | None = None) -> tuple[Path, str]:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "auth.json"
    token = make_jwt({"exp": int(time.time() + expires_in), "https://api.openai.com/auth": {
        "chatgpt_account_id": "acct-from-jwt", "chatgpt_plan_type": "pro"}})
    if raw is not None:
        path.write_text(raw)
        return path, token
    tokens = {"id_token": "x", "access_token": token, "refresh_token": "rt-single-use"}
    if account_in_tokens:
        tokens["account_id"] = "acct-from-file"
    path.write_text(json.dumps({"OPENAI_API_KEY": None, "tokens": tokens, "last_refresh": "2026-01-01T00:00:00Z"}))
    return path, token


def log_line(stamp: datetime, primary: float, secondary: float, **extra: Any) -> str:
    limits = {"primary": {"used_percent": primary, "window_minutes": 300, "resets_in_seconds": 3600},
              "secondary": {"used_percent": secondary, "window_minutes": 10080, "resets_in_seconds": 86400}}
    return json.dumps({"timestamp": stamp.isoformat().replace("+00:00", "Z"), "type": "event_msg",
                       "payload": {"type": "token_count", "info": None, "rate_limits": limits, **extra}})


def write_log(home: Path, name: str, lines: list[str], mtime: float | None = None) -> Path:
    day = home / "sessions" / "2026" / "07" / "01"
    day.mkdir(parents=True, exist_ok=True)
    path = day / name
    path.write_text("".join(line + "\n" for line in lines))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


async def fetch(settings: ProviderSettings | None = None) -> ProviderResult:
    async with aiohttp.ClientSession() as session:
        return await Codex().fetch(session, settings or ProviderSettings("codex"))


def test_registry_line_and_lazy_aiohttp() -> None:
    import subprocess

    assert REGISTRY["codex"].name == Codex.name and load("codex").__class__ is Codex
    code = "import sys, llmeter_bar.providers.codex; print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_request_url_method_headers(isolated_home: Path) -> None:
    _, token = write_auth(isolated_home / ".codex")
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, payload=OK_BODY)
        result = await fetch()
        (method, url), calls = next(iter(mocked.requests.items()))
    assert (method, url) == ("GET", URL(URL_USAGE)) and len(calls) == 1
    headers = calls[0].kwargs["headers"]
    assert headers["Authorization"] == f"Bearer {token}"
    assert headers["ChatGPT-Account-Id"] == "acct-from-file"
    assert [w.label for w in result.windows] == ["5h", "7d"]
    assert result.plan == "plus" and result.credits is not None and result.credits.balance == 42.5
    assert result.source == "api"


async def test_account_id_from_jwt_and_overrides(isolated_home: Path, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    write_auth(tmp_path / "ch", account_in_tokens=False)
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "ch"))
    settings = ProviderSettings("codex", base_url="http://127.0.0.1:9", user_agent="ua/2")
    with aioresponses() as mocked:
        mocked.get("http://127.0.0.1:9/backend-api/wham/usage", payload={"plan_type": "free"})
        result = await fetch(settings)
        calls = next(iter(mocked.requests.values()))
    assert calls[0].kwargs["headers"]["ChatGPT-Account-Id"] == "acct-from-jwt"
    assert calls[0].kwargs["headers"]["User-Agent"] == "ua/2"
    assert result.plan == "free" and result.windows == []


def test_jwt_claims_tolerates_garbage() -> None:
    assert jwt_claims("not-a-jwt") == {} and jwt_claims("a.@@@.c") == {}


async def test_expired_jwt_is_auth_error_without_http(isolated_home: Path) -> None:
    write_auth(isolated_home / ".codex", expires_in=-3 * 86400)
    with aioresponses() as mocked:
        with pytest.raises(FetchError) as caught:
            await fetch()
        assert not mocked.requests
    assert caught.value.kind == "auth" and "run `codex`" in caught.value.message
    info = Codex().credentials(ProviderSettings("codex"))
    assert info is not None and "expired 3d ago" in info.detail and "plan pro" in info.detail


@pytest.mark.parametrize(("status", "kind"), [(401, "auth"), (403, "auth"), (404, "unavailable"),
                                              (429, "rate_limit"), (502, "unavailable")])
async def test_status_mapping(isolated_home: Path, status: int, kind: str) -> None:
    write_auth(isolated_home / ".codex")
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, status=status, body="<html>cloudflare</html>")
        with pytest.raises(FetchError) as caught:
            await fetch()
    assert caught.value.kind == kind


async def test_html_body_is_parse_error(isolated_home: Path) -> None:
    write_auth(isolated_home / ".codex")
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, body="<html>challenge</html>", content_type="text/html")
        with pytest.raises(FetchError) as caught:
            await fetch()
    assert caught.value.kind == "parse"


@pytest.mark.parametrize("raw", ["", "{oops", "[]", '{"tokens": {}}', '{"tokens": null}'])
async def test_broken_auth_file(isolated_home: Path, raw: str) -> None:
    path, _ = write_auth(isolated_home / ".codex", raw=raw)
    info = Codex().credentials(ProviderSettings("codex"))
    assert info is not None and info.source == str(path)
    with pytest.raises(FetchError) as caught:
        await fetch()
    assert caught.value.kind == "auth"


async def test_api_key_login_and_missing_file_are_not_configured(isolated_home: Path) -> None:
    assert Codex().credentials(ProviderSettings("codex")) is None
    with pytest.raises(NotConfigured):
        await fetch()
    write_auth(isolated_home / ".codex", raw='{"OPENAI_API_KEY": "sk-proj-abc"}')
    with pytest.raises(NotConfigured):
        await fetch()


# Session logs.
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)


def test_newest_file_and_newest_line_win(tmp_path: Path) -> None:
    write_log(tmp_path, "rollout-old.jsonl", [log_line(NOW - timedelta(hours=1), 90, 90)], mtime=1000)
    write_log(tmp_path, "rollout-new.jsonl", [log_line(NOW - timedelta(minutes=30), 10, 20),
                                              log_line(NOW - timedelta(minutes=5), 11, 21), "{truncated"],
              mtime=2000)
    result = newest_snapshot(tmp_path, NOW)
    assert result is not None and [w.used_percent for w in result.windows] == [11, 21]
    assert result.fetched_at == NOW - timedelta(minutes=5)
    # resets_in_seconds counts from the line's own timestamp, not from now.
    assert result.windows[0].resets_at == NOW - timedelta(minutes=5) + timedelta(hours=1)


def test_placeholder_never_overrides_a_real_snapshot(tmp_path: Path) -> None:
    write_log(tmp_path, "rollout-a.jsonl", [log_line(NOW - timedelta(minutes=9), 40, 60)], mtime=1000)
    write_log(tmp_path, "rollout-b.jsonl", [log_line(NOW - timedelta(minutes=8), 33, 44),
                                            log_line(NOW - timedelta(minutes=1), 0, 0)], mtime=2000)
    result = newest_snapshot(tmp_path, NOW)
    assert result is not None and [w.used_percent for w in result.windows] == [33, 44]
    write_log(tmp_path, "rollout-c.jsonl", [log_line(NOW, 0, 0)], mtime=3000)
    result = newest_snapshot(tmp_path, NOW)
    assert result is not None and [w.used_percent for w in result.windows] == [33, 44]


def test_only_placeholders_gives_the_placeholder(tmp_path: Path) -> None:
    write_log(tmp_path, "rollout-a.jsonl", [log_line(NOW, 0, 0)])
    result = newest_snapshot(tmp_path, NOW)
    assert result is not None and [w.used_percent for w in result.windows] == [0, 0]


def test_no_logs_or_no_rate_limits(tmp_path: Path) -> None:
    assert newest_snapshot(tmp_path, NOW) is None
    write_log(tmp_path, "rollout-a.jsonl", ['{"type": "event_msg", "payload": {"type": "token_count", '
                                            '"info": {}, "rate_limits": null}}', "not json", ""])
    assert newest_snapshot(tmp_path, NOW) is None


def test_huge_log_is_read_from_the_end(tmp_path: Path) -> None:
    path = write_log(tmp_path, "rollout-big.jsonl", [])
    with path.open("r+b") as handle:
        handle.write((log_line(NOW - timedelta(days=1), 99, 99) + "\n").encode())
        handle.truncate(50 * 1024 * 1024)  # 50 MB, sparse: cheap to create
        handle.seek(0, os.SEEK_END)
        filler = (json.dumps({"type": "response_item", "payload": {"text": "x" * 300}}) + "\n").encode()
        handle.write(b"\n" + filler * 200 + (log_line(NOW, 12, 34) + "\n").encode() + filler * 3000)
    before = codex_logs.bytes_read
    result = newest_snapshot(tmp_path, NOW)
    read = codex_logs.bytes_read - before
    assert result is not None and [w.used_percent for w in result.windows] == [12, 34]
    assert read < 2 * 1024 * 1024 < path.stat().st_size


def test_budget_stops_before_reaching_an_old_snapshot(tmp_path: Path) -> None:
    filler = json.dumps({"type": "response_item", "payload": {"text": "y" * 500}})
    path = write_log(tmp_path, "rollout-a.jsonl", [log_line(NOW, 50, 50)] + [filler] * 4000)
    found, real = scan_file(path, max_bytes=256 * 1024)
    assert found is None and not real


async def test_fresh_log_snapshot_skips_http(isolated_home: Path) -> None:
    home = isolated_home / ".codex"
    write_auth(home)
    write_log(home, "rollout-a.jsonl", [log_line(datetime.now(timezone.utc) - timedelta(seconds=30), 5, 6)])
    with aioresponses() as mocked:
        result = await fetch(ProviderSettings("codex", interval=300, instance="me"))
        assert not mocked.requests
    assert result.source == "log" and [w.used_percent for w in result.windows] == [5, 6]
    assert result.instance == "me"


async def test_old_log_snapshot_calls_the_api(isolated_home: Path) -> None:
    home = isolated_home / ".codex"
    write_auth(home)
    write_log(home, "rollout-a.jsonl", [log_line(datetime.now(timezone.utc) - timedelta(hours=2), 5, 6)])
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, payload=OK_BODY)
        result = await fetch(ProviderSettings("codex", interval=300))
    assert result.source == "api" and [w.used_percent for w in result.windows] == [35, 12]


@pytest.mark.parametrize("setup", ["401", "expired", "no-auth"])
async def test_auth_trouble_falls_back_to_the_log(isolated_home: Path, setup: str) -> None:
    home = isolated_home / ".codex"
    if setup != "no-auth":
        write_auth(home, expires_in=-60 if setup == "expired" else 86400)
    write_log(home, "rollout-a.jsonl", [log_line(datetime.now(timezone.utc) - timedelta(hours=2), 7, 8)])
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, status=401)
        result = await fetch(ProviderSettings("codex", interval=300))
    assert result.source == "log" and [w.used_percent for w in result.windows] == [7, 8]


@pytest.mark.parametrize(("status", "kind"), [(429, "rate_limit"), (503, "unavailable"), (200, "parse")])
async def test_any_api_failure_shows_a_running_log_snapshot_as_stale_with_the_error(
        isolated_home: Path, status: int, kind: str) -> None:
    home = isolated_home / ".codex"
    write_auth(home)
    write_log(home, "rollout-a.jsonl", [log_line(datetime.now(timezone.utc) - timedelta(hours=2), 7, 8)])
    with aioresponses() as mocked:
        if status == 200:
            mocked.get(URL_USAGE, body="<html>not json</html>", content_type="text/html")
        else:
            mocked.get(URL_USAGE, status=status, headers={"Retry-After": "120"} if status == 429 else {})
        result = await fetch(ProviderSettings("codex", interval=300))
    assert result.source == "log" and [w.used_percent for w in result.windows] == [7, 8]
    assert result.status == "stale" and result.error is not None and result.error.kind == kind


async def test_a_log_snapshot_whose_windows_all_reset_is_not_shown(isolated_home: Path) -> None:
    home = isolated_home / ".codex"
    write_auth(home)
    write_log(home, "rollout-a.jsonl", [log_line(datetime.now(timezone.utc) - timedelta(days=3), 7, 8)])
    with aioresponses() as mocked:
        mocked.get(URL_USAGE, status=429, headers={"Retry-After": "120"})
        with pytest.raises(FetchError) as caught:
            await fetch(ProviderSettings("codex", interval=300))
    assert caught.value.kind == "rate_limit" and caught.value.retry_after == 120