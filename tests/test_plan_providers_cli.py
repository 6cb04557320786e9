"""zai, kimi, minimax, grok and ollama through the installed command against a
local server playing each endpoint: figures in json and a bar, the requests'
headers, `providers`, and the no-plan / invalid-key / disabled-account messages
with their hints in json and doctor."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from llmeter_bar.providers._parse import parse_time
from support import cli
from support.fixtures import load_fixture

KEYS = {"ZAI_API_KEY": "zai-cli-key", "MINIMAX_CODING_API_KEY": "sk-cp-cli", "OLLAMA_API_KEY": "ollama-cli",
        "KIMI_CODE_API_KEY": "kimi-cli-key"}
# provider -> (path the server answers, fixture, headline figures of its windows)
CASES = {
    "zai": ("/api/monitor/usage/quota/limit", ("zai", "glmplanusage_cn_time_limit_first_2026_02_14"), [1.0, 28.0]),
    "kimi": ("/v1/usages", ("kimi", "kimicode_3951_counts_win_over_ratio"), [0.0, 100.0]),
    "minimax": ("/v1/token_plan/remains", ("minimax", "codexbar_token_plan_normal_percent_strings"), [4.0, 1.0]),
    "ollama": ("/api/usage", ("ollama", "aiusagebar_live_session_weekly_2026_09_09"), [81.9, 23.0]),
    "grok": ("/v1/billing", ("grok", "cpamc_345_weekly_credits_real"), [4.0, 4.0]),
}


SHIFT = timedelta(days=400)  # the recorded resets are past: moved into the future, figures untouched


def _fresh(node: Any) -> Any:
    """The body with every time moved by SHIFT, so no window counts as already reset."""
    if isinstance(node, dict):
        return {k: _fresh(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_fresh(v) for v in node]
    if isinstance(node, int) and not isinstance(node, bool) and node > 10**12:
        return node + int(SHIFT.total_seconds() * 1000)
    if isinstance(node, str) and re.fullmatch(r"20\d\d-\d\d-\d\dT.*", node):
        moment = parse_time(node)
        return (moment + SHIFT).isoformat()
    return node


def _plant_grok(home: Path) -> Path:
    path = home / ".grok" / "auth.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"https://auth.x.ai::client": {
        "key": "grok-cli-token", "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))}}))
    return path


def _config(write_config, url: str, ids) -> None:
    sections = "".join(f'[provider.{p}]\nbase_url = "{url}"\n' for p in ids)
    write_config(f"[general]\nproviders = {json.dumps(list(ids))}\ntimeout = 5\n" + sections)


def test_each_fetches_and_renders_from_a_local_server(isolated_home, fake_server, write_config) -> None:
    grok_file = _plant_grok(isolated_home)
    before = grok_file.read_bytes()
    for pid, (path, (fid, name), _) in CASES.items():
        payload = _fresh(load_fixture(fid, name)["payload"])
        fake_server.reply(path, payload.get("billing", payload) if pid == "grok" else payload)
    fake_server.reply("/v1/settings", {"subscription_tier_display": "SuperGrok Heavy"})
    fake_server.reply("/api/me", {"Plan": "pro"})
    _config(write_config, fake_server.url, CASES)
    run = cli.run("--format", "json", "--wait", **KEYS)
    assert run.returncode == 0 and run.stderr == ""
    shown = {p["id"]: p for p in json.loads(run.stdout)["providers"]}
    for pid, (_, _, figures) in CASES.items():
        assert shown[pid]["status"] == "ok", shown[pid]
        assert [w["used_percent"] for w in shown[pid]["windows"]][:2] == figures, shown[pid]
    assert shown["grok"]["plan"] == "SuperGrok Heavy" and shown["ollama"]["plan"] == "pro"
    assert all(w["estimated"] for w in shown["ollama"]["windows"])
    auth = {path: headers.get("Authorization") for path, headers in fake_server.requests}
    assert auth["/api/monitor/usage/quota/limit"] == "Bearer zai-cli-key"
    assert auth["/v1/usages"] == "Bearer kimi-cli-key"
    assert auth["/v1/token_plan/remains"] == "Bearer sk-cp-cli"
    assert auth["/api/usage"] == auth["/api/me"] == "Bearer ollama-cli"
    grok = [h for p, h in fake_server.requests if p.startswith("/v1/billing")]
    assert grok[0]["x-xai-token-auth"] == "xai-grok-cli" and grok[0]["Authorization"] == "Bearer grok-cli-token"
    assert "/v1/billing?format=credits" in auth
    assert grok_file.read_bytes() == before
    bar = cli.run("--format", "tmux", **KEYS)
    assert bar.returncode == 0 and bar.stderr == ""
    for headline in ("1%", "100%", "4%", "82%"):  # zai 5h, kimi weekly, minimax 5h, ollama session
        assert headline in bar.stdout, bar.stdout


def test_providers_lists_the_five_and_detects_them(isolated_home) -> None:
    _plant_grok(isolated_home)
    run = cli.run("providers", **KEYS)
    assert run.returncode == 0
    for pid in CASES:
        assert f"{pid}" in run.stdout
    assert str(isolated_home / ".grok" / "auth.json") in run.stdout


@pytest.mark.parametrize(("pid", "path", "status", "body", "kind", "says"), [
    ("zai", "/api/monitor/usage/quota/limit", 200, {"success": False, "code": 500, "msg": "当前用户不存在coding plan"},
     "unavailable", "no GLM Coding Plan on this account"),
    ("minimax", "/v1/token_plan/remains", 200, {"base_resp": {"status_code": 1004, "status_msg": "no plan"}},
     "unavailable", "no MiniMax Token Plan for this key"),
    ("ollama", "/api/usage", 200, {"limits": {}}, "unavailable", "no usage limit for this account"),
    ("kimi", "/v1/usages", 401, {"error": "invalid"}, "auth", "the key is invalid or expired"),
    ("ollama", "/api/usage", 403, {"error": "forbidden"}, "auth", "disabled"),
])
def test_no_plan_invalid_key_and_disabled_account_say_so_with_a_fix(fake_server, write_config, pid, path, status,
                                                                     body, kind, says) -> None:
    fake_server.reply(path, body, status=status)
    _config(write_config, fake_server.url, [pid])
    run = cli.run("--format", "json", "--wait", **KEYS)
    error = json.loads(run.stdout)["providers"][0]["error"]
    assert error["kind"] == kind and says in error["message"], error
    assert any(fix in error["message"] for fix in ("subscribe", "login", "check", "https://")), error
    doctor = json.loads(cli.run("doctor", "--format", "json", **KEYS).stdout)
    check = next(c for c in doctor["checks"] if c["name"] == pid and "last fetch" in c["message"])
    assert error["message"] in check["message"]
    assert check["hint"]


def test_demo_shows_them_when_named_and_keeps_the_default_bar() -> None:
    named = cli.run("--demo", "--provider", ",".join(CASES), "--format", "plain")
    assert named.returncode == 0 and named.stderr == ""
    assert named.stdout.strip().endswith("Z.ai 33% 3h · Kimi 27% 2h · MiniMax 44% 4h · Grok 18% 3d8h · Ollama ~46%")
    default = cli.run("--demo", "--format", "plain")
    assert "Kimi" not in default.stdout and "Claude" in default.stdout


def test_two_accounts_of_one_provider_fetch_with_their_own_keys(fake_server, write_config) -> None:
    body = _fresh(load_fixture("minimax", "codexbar_token_plan_missing_reset_counts")["payload"])
    fake_server.reply("/v1/token_plan/remains", body)
    write_config(f'[general]\nproviders = ["minimax:work", "minimax:home"]\ntimeout = 5\n'
                 f'[provider.minimax]\nbase_url = "{fake_server.url}"\n'
                 '[provider.minimax.accounts.work]\napi_key = "sk-cp-work"\n'
                 '[provider.minimax.accounts.home]\napi_key = "sk-cp-home"\n')
    run = cli.run("--format", "json", "--wait")
    shown = {(p["id"], p["instance"]): p for p in json.loads(run.stdout)["providers"]}
    assert {k: v["status"] for k, v in shown.items()} == {("minimax", "work"): "ok", ("minimax", "home"): "ok"}
    sent = sorted(h["Authorization"] for p, h in fake_server.requests if p == "/v1/token_plan/remains")
    assert sent == ["Bearer sk-cp-home", "Bearer sk-cp-work"]
    prometheus = cli.run("--format", "prometheus").stdout
    assert 'provider="minimax",account="work"' in prometheus and 'provider="minimax",account="home"' in prometheus
