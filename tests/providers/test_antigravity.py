"""Antigravity: the language server found through /proc (a real fake process), its
self-signed TLS on 127.0.0.1, the token kept secret, the "not running" hint, parsing."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from llmeter_bar.errors import FetchError
from llmeter_bar.providers import antigravity_proc
from llmeter_bar.providers.antigravity import Antigravity
from llmeter_bar.providers.base import ProviderSettings
from support import allproviders, cli
from support.fault_server import self_signed_context
from support.fixtures import FIXTURES, load_fixture

TOKEN = "SCRUBME-csrf-0f1e2d3c4b5a6978"
NOW = datetime(2026, 6, 15, 9, 0, tzinfo=timezone.utc)
provider = Antigravity()
SETTINGS = ProviderSettings(id="antigravity")


def _payload(name: str) -> dict:
    fixture = load_fixture("antigravity", name)
    if "RetrieveUserQuotaSummary" in fixture["endpoint"]:
        status = load_fixture("antigravity", "openusage_user_status_prefers_user_tier")["payload"]
        return {"status": status, "summary": fixture["payload"]}
    return {"status": fixture["payload"], "summary": None}


@pytest.mark.parametrize("name", sorted(p.stem for p in (FIXTURES / "antigravity").glob("*.json")))
def test_fixtures(name: str) -> None:
    expected = load_fixture("antigravity", name)["expected"]
    result = provider.parse(_payload(name), SETTINGS, NOW)
    assert {w.id: [round(w.used_percent, 4), w.resets_at.isoformat()] for w in result.windows} == expected["windows"]
    if "plan" in expected:
        assert result.plan == expected["plan"]
    assert result.unknown_fields == []


def test_lowest_fraction_of_a_pool_wins_and_a_lone_reset_means_exhausted() -> None:
    status = {"userStatus": {"cascadeModelConfigData": {"clientModelConfigs": [
        {"label": "Gemini 3 Flash", "quotaInfo": {"remainingFraction": 0.9, "resetTime": "2026-06-15T10:00:00Z"}},
        {"label": "Gemini 3 Pro (Low)", "quotaInfo": {"remainingFraction": 0.4, "resetTime": "2026-06-15T11:00:00Z"}},
        {"label": "Claude Opus 4.6 (Thinking)", "quotaInfo": {"resetTime": "2026-06-15T12:00:00Z"}},
        {"label": "GPT-OSS 120B (Medium)", "quotaInfo": {"remainingFraction": 0.7}},
        {"label": "no quota", "modelOrAlias": {"model": "MODEL_X"}}]}}}
    result = provider.parse({"status": status}, SETTINGS, NOW)
    assert [(w.id, w.label, round(w.used_percent, 4), w.resets_at.hour) for w in result.windows] == [
        ("gemini_5h", "Gemini 5h", 60.0, 11), ("3p_5h", "Claude/GPT 5h", 100.0, 12)]


def test_signed_out_is_a_plan_without_quota_and_junk_is_parse() -> None:
    with pytest.raises(FetchError) as info:
        provider.parse({"status": {"userStatus": {"planStatus": {}}}}, SETTINGS, NOW)
    assert (info.value.kind, info.value.label) == ("unavailable", "none")
    assert "sign in inside Antigravity" in info.value.message
    for bad in ({"status": {}}, {"status": [1]}, {"status": {"userStatus": {"cascadeModelConfigData": {
            "clientModelConfigs": [{"label": "Gemini", "quotaInfo": {"remainingFraction": "lots"}}]}}}}):
        with pytest.raises(FetchError) as info:
            provider.parse(bad, SETTINGS, NOW)
        assert info.value.kind == "parse", bad


@pytest.mark.parametrize(("argv", "match"), [
    # steipete/CodexBar Tests/CodexBarTests/AntigravityStatusProbeTests.swift command lines
    (["/Applications/Antigravity.app/Contents/Resources/bin/language_server", "--standalone",
      "--override_ide_name", "antigravity", "--csrf_token", "token", "--app_data_dir", "antigravity"], True),
    (["/Applications/Google Antigravity.app/Contents/Resources/bin/language-server", "--standalone",
      "--csrf_token", "token", "--extension_server_port", "64123"], True),
    (["/usr/share/antigravity/resources/app/extensions/antigravity/bin/language_server_linux_x64",
      "--enable_lsp", "--csrf_token=abc", "--extension_server_port", "40000"], True),
    # Windsurf runs the same binary, without Antigravity's marks; a helper is no language server.
    (["/usr/share/windsurf/bin/language_server_linux_x64", "--csrf_token", "t"], False),
    (["/Applications/Antigravity.app/Contents/MacOS/Antigravity Helper", "--csrf_token", "t"], False),
    (["/usr/share/antigravity/bin/language_server_linux_x64", "--enable_lsp"], False),
])
def test_command_lines(argv: list[str], match: bool) -> None:
    assert antigravity_proc.is_antigravity(argv) is match


def _server(tmp_path: Path, home: Path, status: dict, summary: dict | None = None) -> subprocess.Popen[bytes]:
    folder = tmp_path / "ls"
    folder.mkdir()
    assert self_signed_context(folder) is not None, "openssl is needed (.ci/apt-packages)"
    (folder / "status.json").write_text(json.dumps(status))
    if summary is not None:
        (folder / "summary.json").write_text(json.dumps(summary))
    process = allproviders.language_server(home, TOKEN, serve=folder)
    # Listening takes the fake a moment; discovery reads the port from /proc.
    cli.wait_until(lambda: (antigravity_proc.find() or antigravity_proc.Server(0, "", (), None)).ports)
    return process


def _requests(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "ls" / "requests.log").read_text().splitlines()]


def test_discovery_through_proc_and_the_installed_command(tmp_path: Path, isolated_home: Path) -> None:
    status = load_fixture("antigravity", "openusage_user_status_prefers_user_tier")["payload"]
    summary = load_fixture("antigravity", "codexbar_quota_summary_groups")["payload"]
    process = _server(tmp_path, isolated_home, status, summary)
    try:
        found = antigravity_proc.find()
        assert found.pid == process.pid and found.token == TOKEN and found.extension_port == 9
        assert TOKEN not in repr(found)
        listed = cli.run("providers")
        assert listed.returncode == 0 and f"(pid {process.pid})" in listed.stdout and TOKEN not in listed.stdout
        done = cli.run("--format", "json", "--wait")
        assert done.returncode == 0 and done.stderr == ""
        [shown] = [p for p in json.loads(done.stdout)["providers"] if p["id"] == "antigravity"]
        assert shown["status"] == "ok" and shown["plan"] == "Google AI Pro"
        assert {w["id"] for w in shown["windows"]} == {"gemini_5h", "gemini_weekly", "3p_5h", "3p_weekly"}
        tmux = cli.run("--format", "tmux")
        assert tmux.returncode == 0 and tmux.stderr == "" and "Antigravity" not in tmux.stderr
        seen = _requests(tmp_path)
        assert [r["path"].rsplit("/", 1)[1] for r in seen] == ["GetUserStatus", "RetrieveUserQuotaSummary"]
        assert all(r["token_ok"] and r["ide"] == "antigravity" and r["protocol"] == "1" for r in seen)
        everything = done.stdout + tmux.stdout + "".join(
            p.read_bytes().decode("latin-1") for p in tmp_path.rglob("*") if p.is_file() and "ls" not in p.parts)
        assert TOKEN not in everything
    finally:
        process.terminate()
        process.wait(5)


def test_not_running_is_a_hint_not_an_error(write_config) -> None:
    write_config('[general]\nproviders = ["antigravity"]\n')
    assert provider.credentials(SETTINGS) is None
    done = cli.run("--format", "json", "--wait")
    [shown] = json.loads(done.stdout)["providers"]
    assert shown["status"] == "unconfigured" and shown["error"]["label"] == "setup"
    assert "open Antigravity" in shown["error"]["message"]
    doctor = cli.run("doctor", "--format", "json")
    [check] = [c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "antigravity"]
    assert "open Antigravity" in check["message"]
    tmux = cli.run("--format", "tmux")
    assert tmux.returncode == 0 and tmux.stderr == "" and "setup" in tmux.stdout


def test_another_homes_server_is_not_ours(tmp_path: Path, isolated_home: Path) -> None:
    other = tmp_path / "someone-else"
    other.mkdir()
    process = allproviders.language_server(other, TOKEN)
    try:
        cli.wait_until(lambda: Path(f"/proc/{process.pid}/cmdline").read_bytes())
        assert antigravity_proc.find() is None
    finally:
        process.terminate()
        process.wait(5)
