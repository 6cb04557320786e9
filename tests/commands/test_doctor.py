"""`llmeter-bar doctor` run as a real process on broken and healthy setups."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

from support import cli

CHECK_KEYS = {"area", "name", "status", "message", "hint"}
PROVIDER_KEYS = {"key", "id", "instance", "name", "credentials", "status", "last_attempt_at", "last_success_at",
                 "age_seconds", "last_result", "error", "backoff", "next_fetch_at", "stale", "unknown_fields"}


@pytest.fixture
def doctor(tmp_path):
    """Run doctor with tmux pointed at a socket dir of this test (no other server is seen)."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        env.setdefault("TMUX_TMPDIR", str(tmp_path))
        return cli.run("doctor", *args, **env)

    return run


def _json(run: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(run.stdout)


def _lines(run: subprocess.CompletedProcess[str], status: str) -> list[str]:
    mark = {"ok": "✓", "warn": "!", "error": "✗"}[status]
    return [line for line in _text(run).splitlines() if line.startswith(mark + " ")]


def _text(run: subprocess.CompletedProcess[str]) -> str:
    """The human report with runs of spaces (column padding) squeezed and lines stripped."""
    return "\n".join(re.sub(r" +", " ", line).strip() for line in run.stdout.splitlines())


def test_no_credentials_exits_1_and_says_how_to_log_in(doctor):
    run = doctor()
    assert run.returncode == 1, run.stdout
    assert run.stderr == ""
    assert "✗ enabled no provider credentials found" in _lines(run, "error")
    assert "llmeter-bar login copilot|openrouter" in _text(run)
    assert "codex login" in _text(run)
    assert run.stdout.rstrip().endswith("1 problem: llmeter-bar cannot work as set up (exit status 1).")


def test_toml_syntax_error_names_the_line(doctor, write_config):
    path = write_config('[general]\nproviders = ["claude"]\ninterval = \n')
    run = doctor()
    assert run.returncode == 1
    (line,) = [x for x in _lines(run, "error") if x.startswith("✗ file")]
    assert f"invalid: {path}:" in line
    assert "line 3" in line


def test_wrong_type_is_located_and_names_the_expected_type(doctor, write_config):
    path = write_config('[general]\nproviders = ["claude"]\n\n[provider.claude]\ninterval = "fast"\n')
    run = doctor()
    assert run.returncode == 1
    assert (f"✗ file invalid: {path} line 5: provider.claude.interval must be a number, got str 'fast'"
            in _text(run))
    document = _json(doctor("--format", "json"))
    assert document["ok"] is False
    (config,) = [c for c in document["checks"] if c["area"] == "config"]
    assert config["status"] == "error" and "line 5" in config["message"]


def test_unknown_provider_and_unknown_keys(doctor, write_config):
    write_config('[general]\nproviders = ["nosuch"]\ncolour = "red"\n')
    run = doctor()
    assert run.returncode == 1
    assert "✗ providers unknown provider 'nosuch' in general.providers" in _text(run)
    assert "known providers: claude, codex" in _text(run)
    assert "✗ keys " in _text(run) and "config.toml line 3: unknown key 'general.colour' ignored" in _text(run)
    assert "✗ nosuch unknown provider 'nosuch'" in _text(run)


def test_cache_dir_under_a_regular_file_is_reported(doctor, write_config, fake_server, tmp_path):
    write_config(cli.fake_config(fake_server.url))
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    run = doctor(LLMETER_BAR_CACHE_DIR=str(blocker / "cache"))
    assert run.returncode == 1
    (line,) = [x for x in _lines(run, "error") if x.startswith("✗ directory")]
    assert f"{blocker / 'cache'} is not writable: Not a directory" in line
    assert "set LLMETER_BAR_CACHE_DIR to a writable directory" in _text(run)
    assert blocker.read_text() == "x"


def test_cache_dir_that_is_a_file_is_reported(doctor, write_config, fake_server, tmp_path):
    write_config(cli.fake_config(fake_server.url))
    blocker = tmp_path / "cachefile"
    blocker.write_text("x")
    run = doctor("--format", "json", LLMETER_BAR_CACHE_DIR=str(blocker))
    assert run.returncode == 1
    cache = [c for c in _json(run)["checks"] if c["area"] == "cache"]
    assert [c["status"] for c in cache] == ["error"]
    assert "is not writable" in cache[0]["message"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod 0500; the regular-file variants cover it")
def test_read_only_cache_dir_is_reported(doctor, write_config, fake_server, tmp_path):
    write_config(cli.fake_config(fake_server.url))
    locked = tmp_path / "ro-cache"
    locked.mkdir(mode=0o500)
    try:
        run = doctor(LLMETER_BAR_CACHE_DIR=str(locked))
    finally:
        locked.chmod(0o700)
    assert run.returncode == 1
    assert f"{locked} is not writable: Permission denied" in _text(run)


def test_healthy_after_one_refresh_and_doctor_never_fetches(doctor, write_config, fake_server):
    fake_server.reply("/usage/fake", {"used": 12, "plan": "pro"})
    write_config(cli.fake_config(fake_server.url))
    assert cli.run("refresh").stdout == "fake: ok\n"
    run = doctor()
    assert run.returncode == 0, run.stdout
    assert run.stderr == ""
    assert _lines(run, "error") == []
    assert "✓ fake" in _text(run)
    assert "credentials: the config file" in _text(run)
    assert re.search(r"✓ fake last fetch [01]s ago: ok \(source api, plan pro\)", _text(run))
    assert "✓ enabled 1 enabled (listed in general.providers): fake" in _text(run)
    time.sleep(0.3)
    assert fake_server.hits["/usage/fake"] == 1  # no fetch, no background refresher
    entry = _json(doctor("--format", "json"))["providers"][0]
    assert entry["status"] == "ok" and entry["last_result"] == "ok" and entry["error"] is None
    assert entry["credentials"] == {"found": True, "usable": True, "source": "config", "detail": ""}
    assert fake_server.hits["/usage/fake"] == 1


def test_fetch_flag_fetches_once_in_the_foreground(doctor, write_config, fake_server):
    fake_server.reply("/usage/fake", {"used": 12})
    write_config(cli.fake_config(fake_server.url))
    run = doctor("--fetch")
    assert run.returncode == 0, run.stdout
    assert "fetched now: fake: ok" in _text(run)
    assert fake_server.hits["/usage/fake"] == 1


def test_rate_limited_provider_shows_its_not_before_time(doctor, write_config, fake_server):
    fake_server.reply("/usage/fake", {"error": "slow down"}, status=429, headers={"Retry-After": "600"})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    before = time.time()
    run = doctor()
    assert run.returncode == 0, run.stdout  # a 429 heals by itself: a warning
    (line,) = [x for x in _lines(run, "warn") if "rate limited (HTTP 429)" in x]
    assert "no fetch before" in line and "(in 10m" in line and "1 strike" in line
    assert re.search(r"! fake last fetch [01]s ago failed \(rate_limit\): HTTP 429: rate limited", _text(run))
    entry = _json(doctor("--format", "json"))["providers"][0]
    assert entry["backoff"]["active"] is True and entry["backoff"]["strikes"] == 1
    not_before = datetime.fromisoformat(entry["backoff"]["not_before"].replace("Z", "+00:00")).timestamp()
    assert before + 590 < not_before < before + 610
    assert entry["error"]["kind"] == "rate_limit"
    # --fetch honours the wait: no request reaches the server.
    fetched = doctor("--fetch")
    assert "fake: skipped: rate limited for" in fetched.stdout
    assert fake_server.hits["/usage/fake"] == 1


def test_last_auth_error_exits_1_with_its_message(doctor, write_config, fake_server):
    fake_server.reply("/usage/fake", {"error": "bad token"}, status=401)
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    run = doctor()
    assert run.returncode == 1
    (line,) = [x for x in _lines(run, "error") if x.startswith("✗ fake")]
    assert "failed (auth): HTTP 401: not authorised; check the credentials" in line
    assert "renew the login, then `llmeter-bar refresh`" in _text(run)
    entry = _json(doctor("--format", "json"))["providers"][0]
    assert entry["last_result"] == "error" and entry["error"]["kind"] == "auth"


def test_network_error_is_a_warning_and_keeps_the_last_figures(doctor, write_config, fake_server):
    fake_server.reply("/usage/fake", {"used": 30})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    fake_server.reply("/usage/fake", "<html>oops</html>", status=503)
    cli.run("refresh")
    run = doctor()
    assert run.returncode == 0, run.stdout
    (line,) = [x for x in _lines(run, "warn") if "failed (" in x]
    assert "HTTP 503" in line and "showing figures from" in line


def test_new_reply_fields_are_listed_by_name_with_the_day_first_seen(doctor, write_config, fake_server):
    fake_server.reply("/usage/fake", {"used": 12, "cedar_pool": {"secret_value": "sk-abc"}, "tier2": 5})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    run = doctor()
    assert run.returncode == 0, run.stdout  # drift is a warning: the figures still came through
    today = datetime.now().astimezone().strftime("%Y-%m-%d")
    (line,) = [x for x in _lines(run, "warn") if "new fields" in x]
    assert line.startswith("! fake new fields seen from Fake since ")
    assert line.endswith(": cedar_pool, tier2")
    assert "sk-abc" not in run.stdout and "secret_value" not in run.stdout  # names only, not descended into
    entry = _json(doctor("--format", "json"))["providers"][0]
    assert set(entry["unknown_fields"]) == {"cedar_pool", "tier2"}
    first = entry["unknown_fields"]["tier2"]
    assert first.endswith("Z") and first[:10] in (today, datetime.utcnow().strftime("%Y-%m-%d"))
    shown = json.loads(cli.run("--format", "json").stdout)["providers"][0]
    assert shown["unknown_fields"] == ["cedar_pool", "tier2"]
    # The first-seen date survives later fetches; a key that goes away is forgotten.
    time.sleep(1.1)
    fake_server.reply("/usage/fake", {"used": 13, "tier2": 5})
    cli.run("refresh")
    again = _json(doctor("--format", "json"))["providers"][0]["unknown_fields"]
    assert again == {"tier2": first}


def test_listed_provider_without_credentials_is_broken(doctor, write_config, fake_server):
    write_config(cli.fake_config(fake_server.url, extra="").replace(
        'module = "support.fake_provider:FakeProvider"', 'module = "support.fake_provider:FakeProvider"\n'
        "no_credentials = true"))
    run = doctor()
    assert run.returncode == 1
    assert "✗ fake no credentials found" in _text(run)


def test_json_shape_is_exact(doctor, write_config, fake_server):
    fake_server.reply("/usage/fake", {"used": 12})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    run = doctor("--format", "json")
    assert run.returncode == 0 and run.stderr == ""
    document = _json(run)
    assert set(document) == {"version", "ok", "checks", "providers"}
    assert document["version"] == 1 and document["ok"] is True
    assert document["checks"] and all(set(c) == CHECK_KEYS for c in document["checks"])
    assert {c["status"] for c in document["checks"]} <= {"ok", "warn", "error"}
    assert {c["area"] for c in document["checks"]} >= {"config", "cache", "logs", "credentials", "providers"}
    (entry,) = document["providers"]
    assert set(entry) == PROVIDER_KEYS
    assert set(entry["credentials"]) == {"found", "usable", "source", "detail"}
    assert set(entry["backoff"]) == {"active", "not_before", "strikes"}
    assert entry["key"] == "fake" and entry["instance"] is None and entry["name"] == "Fake"
    assert entry["last_attempt_at"].endswith("Z") and entry["last_success_at"].endswith("Z")


def test_no_secret_in_any_output(doctor, write_config, tmp_path):
    secret = "sk-or-v1-doctor-secret-0123456789"
    run = doctor(OPENROUTER_API_KEY=secret)
    both = doctor("--format", "json", OPENROUTER_API_KEY=secret)
    assert "environment variable OPENROUTER_API_KEY" in _text(run)
    for text in (run.stdout, run.stderr, both.stdout, both.stderr):
        assert secret not in text and secret[:12] not in text


def test_ascii_marks_when_stdout_is_not_utf8_and_no_colour_off_a_tty(doctor):
    run = doctor(PYTHONIOENCODING="ascii")
    assert run.returncode == 1
    assert "  x enabled" in run.stdout and "  + file" in run.stdout and "->" in _text(run)
    assert "✓" not in run.stdout and "\x1b[" not in run.stdout
    run.stdout.encode("ascii")


def test_corrupt_credential_store_and_loose_permissions(doctor, tmp_path):
    store = tmp_path / "config" / "credentials.json"
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text("{not json")
    store.chmod(0o644)
    run = doctor()
    assert f"✗ store credential store {store} is corrupt" in _text(run)
    assert f"! permissions {store}: mode 0644, others can access it" in _text(run)
    assert f"chmod 600 {store}" in _text(run)
    assert "{not json" not in run.stdout


def test_set_aside_corrupt_database_is_listed(doctor, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "cache.db").write_bytes(b"this is not sqlite" * 100)
    cli.run("--format", "tmux")  # any render sets the broken database aside
    run = doctor()
    assert "! corrupt" in run.stdout and "cache.db.corrupt-" in _text(run)


def _fake_hosts(tmp_path: Path, *names: str) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in names:
        exe = bin_dir / name
        exe.write_text("#!/bin/sh\nexit 0\n")
        exe.chmod(0o755)
    return str(bin_dir)


def test_host_config_hints(doctor, isolated_home, tmp_path):
    config = isolated_home / ".config"
    (config / "waybar").mkdir(parents=True)
    (config / "waybar" / "config.jsonc").write_text(
        '// my bar\n{"modules-right": ["custom/llmeter"],\n'
        ' "custom/llmeter": {"exec": "llmeter-bar --format waybar", "interval": 2, /* fast */},\n}\n')
    (config / "i3blocks").mkdir()
    (config / "i3blocks" / "config").write_text(
        "[llmeter]\ncommand=/opt/llmeter-bar --format i3blocks\ninterval=60 # every minute\ncolor=#ffffff\n")
    (config / "starship.toml").write_text('[custom.llmeter]\ncommand = "llmeter-bar --format starship"\n')
    (isolated_home / ".claude").mkdir()
    (isolated_home / ".claude" / "settings.json").write_text('{"model": "opus"}')
    (config / "polybar").mkdir()
    (config / "polybar" / "config.ini").write_text(
        "[module/llmeter]\ntype = custom/script\nexec = /opt/llmeter-bar --format polybar\ntail = true\n")
    path = _fake_hosts(tmp_path, "waybar", "i3blocks", "starship", "claude", "polybar")
    run = doctor(PATH=path)
    assert run.returncode == 1  # no credentials; the host lines are warnings
    warnings = _lines(run, "warn")
    assert any(w.startswith("! waybar") and "custom/llmeter: interval 2 s starts llmeter-bar 30 times a minute" in w
               for w in warnings)
    assert any("a bare `llmeter-bar` is looked up in the PATH waybar runs with" in w for w in warnings)
    assert any(w.startswith("! i3blocks") and "line 3: interval=60 # every minute" in w for w in warnings)
    assert not any("color=#ffffff" in w for w in warnings)
    assert any(w.startswith("! starship") and "[custom.llmeter] has no `when`" in w for w in warnings)
    assert any(w.startswith("! claude") and "has no statusLine" in w for w in warnings)
    assert '"command": "' in run.stdout and '--format claude-code"' in run.stdout
    assert any(w.startswith("! polybar") and "tail = true restarts" in w for w in warnings)
    assert "tmux" not in run.stdout.split("Hosts", 1)[1]  # not in PATH: not listed


def test_right_setups_give_no_host_warnings(doctor, isolated_home, tmp_path):
    config = isolated_home / ".config"
    (config / "waybar").mkdir(parents=True)
    (config / "waybar" / "config").write_text(
        '{"custom/llmeter": {"exec": "/opt/llmeter-bar --format waybar", "return-type": "json", "interval": 60}}')
    (config / "starship.toml").write_text(
        '[custom.llmeter]\ncommand = "llmeter-bar --format starship"\nwhen = true\n')
    (isolated_home / ".claude").mkdir()
    (isolated_home / ".claude" / "settings.json").write_text(
        '{"statusLine": {"type": "command", "command": "llmeter-bar --format claude-code"}}')
    run = doctor(PATH=_fake_hosts(tmp_path, "waybar", "starship", "claude"))
    hosts = run.stdout.split("\nHosts\n", 1)[1]
    assert "!" not in hosts.split("\n\n")[0], hosts
    assert "✓ waybar" in hosts and "✓ starship" in hosts and "✓ claude" in hosts


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_tmux_status_right_length_too_short(doctor, tmp_path, write_config, fake_server):
    fake_server.reply("/usage/fake", {"used": 12})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    env = dict(os.environ, TMUX_TMPDIR=str(tmp_path))
    env.pop("TMUX", None)

    def tmux(*args: str) -> None:
        subprocess.run(["tmux", "-f", "/dev/null", *args], env=env, check=True, timeout=10)

    tmux("new-session", "-d", "-s", "doctor", "-x", "120", "-y", "10")
    try:
        tmux("set-option", "-g", "status-right-length", "10")
        tmux("set-option", "-g", "status-right", "#(/opt/llmeter-bar --format tmux) %H:%M")
        run = doctor()
        (line,) = [x for x in _lines(run, "warn") if x.startswith("! tmux")]
        assert "status-right-length is 10 but status-right needs about" in line
        assert re.search(r"→ set -g status-right-length [1-9]0\n", _text(run))
        tmux("set-option", "-g", "status-right-length", "100")
        fits = doctor()
        assert "✓ tmux" in fits.stdout and "length fits" in fits.stdout
    finally:
        subprocess.run(["tmux", "kill-server"], env=env, timeout=10)
    assert "no tmux server running" in doctor().stdout


def test_a_crashing_check_becomes_an_error_line(monkeypatch, tmp_path):
    from llmeter_bar import diagnose
    from llmeter_bar.diagnose import files

    def broken() -> list:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(files, "log_checks", broken)
    report = diagnose.run()
    (line,) = [c for c in report.checks if c.area == "logs"]
    assert line.status == "error" and line.message == "this check crashed: RuntimeError: disk on fire"
    assert any(c.area == "cache" and c.status == "ok" for c in report.checks)  # the others still ran
    assert report.ok is False


def test_colours_only_on_a_tty_and_never_with_no_color(tmp_path):
    import pty

    def on_a_tty(**extra: str) -> str:
        main, secondary = pty.openpty()
        env = cli.env(TMUX_TMPDIR=str(tmp_path), **extra)
        proc = subprocess.Popen([str(cli.SCRIPT), "doctor"], stdout=secondary, stderr=secondary, env=env)
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=30)
        os.close(main)
        return b"".join(chunks).decode()

    assert "\x1b[31m✗\x1b[0m" in on_a_tty()
    plain = on_a_tty(NO_COLOR="1")
    assert "\x1b[" not in plain and "✗ enabled" in plain


def test_config_symlink_loop_is_reported(doctor, tmp_path):
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.symlink_to(config)
    run = doctor()
    assert run.returncode == 1
    assert f"✗ file invalid: cannot read {config}: Too many levels of symbolic links" in _text(run)


def test_unusable_cache_does_not_claim_never_fetched(doctor, write_config, fake_server, tmp_path):
    write_config(cli.fake_config(fake_server.url))
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    run = doctor(LLMETER_BAR_CACHE_DIR=str(blocker / "c"))
    assert "! fake last fetch unknown: the cache cannot be opened" in _text(run)
    assert "not fetched yet" not in run.stdout


def test_unusable_credential_file_is_broken_before_any_fetch(doctor, isolated_home):
    creds = isolated_home / ".claude" / ".credentials.json"
    creds.parent.mkdir()
    creds.write_bytes(b"\x00\xff binary junk \x80")
    run = doctor()
    assert run.returncode == 1
    assert (f"✗ claude credentials cannot be used: {creds} is empty or not JSON; "
            "open Claude Code (run `claude`) to renew the login") in _text(run)
    assert creds.read_bytes() == b"\x00\xff binary junk \x80"  # never rewritten


def _age_last_success(tmp_path: Path, seconds: float) -> None:
    """Move the fake provider's last good figures ``seconds`` into the past (and its next fetch far away)."""
    from datetime import timezone

    from llmeter_bar.store.cache import Store

    store = Store(tmp_path / "cache")
    try:
        record = store.read("fake") or {}
        old = datetime.fromtimestamp(time.time() - seconds, timezone.utc).isoformat().replace("+00:00", "Z")
        record["result"]["fetched_at"] = old
        record["next_at"] = time.time() + 3600
        store.write("fake", record)
    finally:
        store.close()


def test_a_silent_meter_is_reported_with_the_cause_of_its_last_failure(doctor, write_config, fake_server,
                                                                      tmp_path):
    fake_server.reply("/usage/fake", {"used": 30})
    write_config(cli.fake_config(fake_server.url, interval=300))
    cli.run("refresh")
    _age_last_success(tmp_path, 14 * 60)  # under three intervals of 5 min: quiet
    assert not [x for x in _lines(doctor(), "warn") if "silent:" in x]
    fake_server.reply("/usage/fake", "<html>oops</html>", status=503)
    cli.run("refresh")
    _age_last_success(tmp_path, 2 * 3600 + 60)
    run = doctor()
    (line,) = [x for x in _lines(run, "warn") if "silent" in x]
    assert line.startswith("! fake silent: no successful fetch for 2h (more than 3 intervals of 5m); "
                           "last failure (unavailable): HTTP 503"), line
    assert run.returncode == 0  # a warning: the meter may heal by itself


def test_a_meter_that_nothing_fetches_is_silent_without_a_failure(doctor, write_config, fake_server, tmp_path):
    fake_server.reply("/usage/fake", {"used": 30})
    write_config(cli.fake_config(fake_server.url, interval=300))
    cli.run("refresh")
    _age_last_success(tmp_path, 3 * 3600)
    run = doctor()
    (line,) = [x for x in _lines(run, "warn") if "silent" in x]
    assert "fake silent: no successful fetch for 3h (more than 3 intervals of 5m); no failure recorded" in line
    assert "is a bar, watcher or timer running llmeter-bar?" in _text(run)
    assert "figures are stale" not in _text(run)  # said once, by the silent line
