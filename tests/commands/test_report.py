"""`llmeter-bar report PROVIDER`: one fetch, the raw reply redacted (keys kept,
values by type), what was read from it; never during a 429 wait."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from support import allproviders, cli
from llmeter_bar.report import redact

EMAIL = "jane.doe+work@example.co.uk"
UUID = "c0ffee00-1234-4abc-8def-0123456789ab"


def claude_body(token: str) -> dict:
    return {
        "five_hour": {"utilization": 12.0, "resets_at": "2099-07-01T05:00:00+00:00"},
        "seven_day": {"utilization": 40.0, "resets_at": "2099-07-05T00:00:00+00:00"},
        "account": {"email_address": EMAIL, "uuid": UUID, "display": f"Jane <{EMAIL}>"},
        "organization_id": 123456789, "session_token": "opaque-but-short",
        "debug": f"echo of Bearer {token}", "cedar_ember": {"eligible": True, "grants": [
            {"id": "grant_7f3a9c2e11d04b", "label": "Usage reset", "expires_at": "2026-10-22T00:00:00+00:00"}]},
    }


def test_report_writes_the_reply_redacted_with_what_was_read(isolated_home, tmp_path, fake_server, write_config):
    secrets = allproviders.plant(isolated_home)
    fake_server.reply("/api/oauth/usage", claude_body(allproviders.CLAUDE_TOKEN))
    write_config(f'[general]\nproviders = ["claude"]\n[provider.claude]\nbase_url = "{fake_server.url}"\n')
    out = tmp_path / "report.json"
    run = cli.run("report", "claude", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["claude: 1 reply saved; fetch ok",
                                       f"wrote {out} (check it before attaching it to a bug report)"]
    assert fake_server.hits["/api/oauth/usage?cedar_ember=1"] == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    raw = out.read_text()
    for secret in [*secrets, EMAIL, UUID, "123456789", "opaque-but-short", "grant_7f3a9c2e11d04b"]:
        assert secret not in raw, secret
    doc = json.loads(raw)
    (reply,) = doc["replies"]
    assert reply["status"] == 200 and reply["url"].endswith("/api/oauth/usage?cedar_ember=1")
    body = reply["body"]
    assert set(body) == set(claude_body("x"))  # every key kept
    assert body["five_hour"] == {"utilization": 12.0, "resets_at": "2099-07-01T05:00:00+00:00"}
    assert body["account"] == {"email_address": "<email>", "uuid": "<id>", "display": "Jane <<email>>"}
    assert body["organization_id"] == "<id>" and body["session_token"] == "<secret>"
    assert body["debug"] == "<secret>"
    assert body["cedar_ember"]["grants"][0] == {"id": "<id>", "label": "Usage reset",
                                                "expires_at": "2026-10-22T00:00:00+00:00"}
    read = doc["read"]
    assert [w["used_percent"] for w in read["windows"]] == [12.0, 40.0]
    assert read["extras"][0]["id"] == "saved_resets" and "account" in read["unknown_fields"]
    assert doc["error"] is None and doc["provider"] == "claude"
    # The fetch counted as a refresh: the bar shows it without another request.
    assert cli.run("--format", "plain").stdout.startswith("Claude 40% ")
    assert fake_server.hits["/api/oauth/usage?cedar_ember=1"] == 1


def test_report_honours_a_429_wait_and_records_the_error(isolated_home, tmp_path, fake_server, write_config):
    allproviders.plant(isolated_home)
    fake_server.reply("/api/oauth/usage", {"error": {"type": "rate_limit_error", "message": "slow down"}},
                      status=429, headers={"Retry-After": "600"})
    write_config(f'[general]\nproviders = ["claude"]\n[provider.claude]\nbase_url = "{fake_server.url}"\n')
    first = cli.run("report", "claude", "-o", str(tmp_path / "a.json"))
    assert first.returncode == 0 and "fetch rate_limit: HTTP 429" in first.stdout
    doc = json.loads((tmp_path / "a.json").read_text())
    assert doc["replies"][0]["status"] == 429 and doc["replies"][0]["body"]["error"]["message"] == "slow down"
    assert doc["read"] is None and doc["error"]["kind"] == "rate_limit"
    second = cli.run("report", "claude", "-o", str(tmp_path / "b.json"))
    assert second.returncode == 1 and "rate limited (HTTP 429) until" in second.stderr
    assert "no request was sent" in second.stderr and not (tmp_path / "b.json").exists()
    assert fake_server.hits["/api/oauth/usage?cedar_ember=1"] == 1


def test_unknown_provider_is_refused(isolated_home, write_config):
    write_config('[general]\nproviders = ["claude"]\n')
    run = cli.run("report", "nonesuch")
    assert run.returncode == 1 and "unknown provider 'nonesuch'" in run.stderr


def test_text_bodies_and_urls_are_redacted_by_type() -> None:
    page = ('<a href="/workspace/wrk_01JABCDEF123456/go">me@corp.example</a>'
            '<script>t="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.c2lnbmF0dXJlLXZhbHVl";'
            'k="AbCdEf0123456789AbCdEf0123456789";rollingUsage:{usagePercent:12}</script>')
    cleaned = redact.body(page, "text/html")
    assert "wrk_01JABCDEF" not in cleaned and "me@corp.example" not in cleaned and "eyJhbGci" not in cleaned
    assert "AbCdEf0123456789" not in cleaned and "rollingUsage:{usagePercent:12}" in cleaned
    assert redact.url("https://cursor.com/api/usage?user=user_01ABCDEFG123&format=credits") == \
        "https://cursor.com/api/usage?user=<id>&format=credits"
    assert redact.url("https://opencode.ai/workspace/wrk_01JABCDEF123456/go") == "https://opencode.ai/workspace/<id>/go"
    assert redact.value({"plan_type": "plus", "used_percent": 42, "limit_id": "codex", "balance": "14.5",
                         "resets_at": 1790269549, "user_id": 77, "token": ""}) == {
        "plan_type": "plus", "used_percent": 42, "limit_id": "<id>", "balance": "14.5", "resets_at": 1790269549,
        "user_id": "<id>", "token": ""}
