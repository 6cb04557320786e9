"""Threshold and login alerts: edge-triggered, once per level per window cycle,
claimed across processes, delivered by the user's command or notify-send."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import cli

from llmeter_bar.fetch import record_hooks
from llmeter_bar.fetch import refresh
from llmeter_bar.alerts.rules import settings as alert_settings
from llmeter_bar.store.cache import Store
from llmeter_bar.config import Config, load
from llmeter_bar.errors import ConfigError, FetchError, NotConfigured
from llmeter_bar.logs import register_secret
from llmeter_bar.models import ProviderResult, Window
from llmeter_bar.providers.base import ProviderSettings

RECORDER = """\
import json, os, sys
event = json.load(sys.stdin)
env = {k: v for k, v in sorted(os.environ.items()) if k.startswith("LLMETER_ALERT_")}
with open(sys.argv[1], "a") as out:
    out.write(json.dumps({"event": event, "env": env}, sort_keys=True) + "\\n")
"""
CLAUDE = ProviderSettings(id="claude")
NOW = int(time.time())
RESET = NOW + 2 * 3600 + 13 * 60 + 30  # "resets in 2h14m" for the next 30 s


@pytest.fixture(autouse=True)
def not_a_render(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record_hooks, "_render_process", False)


@pytest.fixture(autouse=True)
def fresh_clock() -> None:
    """Reset times relative to this test's start, so countdown texts are known."""
    global NOW, RESET
    NOW = int(time.time())
    RESET = NOW + 2 * 3600 + 13 * 60 + 30


@pytest.fixture
def alerts_file(tmp_path: Path, write_config) -> Path:
    script = tmp_path / "record_alert.py"
    script.write_text(RECORDER)
    out = tmp_path / "alerts.jsonl"
    write_config(f'[alerts]\ncommand = ["{sys.executable}", "{script}", "{out}"]\n')
    return out


def sent(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def claude(five: float, reset: float | None | str = "default", seven: float | None = None) -> ProviderResult:
    reset = RESET if reset == "default" else reset
    windows = [Window("five_hour", "5h", five, at(reset) if reset else None, 18000)]
    if seven is not None:
        windows.append(Window("seven_day", "7d", seven, at(NOW + 5 * 86400), 604800))
    return ProviderResult(id="claude", name="Claude", fetched_at=datetime.now(UTC), windows=windows)


def record(outcome: ProviderResult | FetchError, settings: ProviderSettings = CLAUDE) -> None:
    store = Store()
    try:
        refresh.record_outcome(store, settings, outcome, time.time(), 300)
    finally:
        store.close()


def clock(epoch: float) -> str:
    """The local time notifications show, with the weekday when it is not today
    (format/time.clock), so a reset past midnight reads "Sun 00:21", not "00:21"."""
    when, today = datetime.fromtimestamp(epoch), datetime.fromtimestamp(NOW).date()
    return when.strftime("%H:%M" if when.date() == today else "%a %H:%M")


def test_crossing_up_fires_once_with_the_event_on_stdin_and_in_env(alerts_file: Path) -> None:
    record(claude(50))
    assert sent(alerts_file) == []
    record(claude(82.4))
    for used in (85, 83, 90):  # staying above: nothing more
        record(claude(used))
    message = f"crossed 80% · resets in 2h14m ({clock(RESET)})"
    reset_iso = at(RESET).isoformat().replace("+00:00", "Z")
    assert sent(alerts_file) == [{
        "event": {
            "version": 1, "kind": "threshold", "provider": "claude", "account": None, "name": "Claude",
            "window": "five_hour", "label": "5h", "level": 80.0, "used_percent": 82.4, "resets_at": reset_iso,
            "summary": "Claude 5h at 82%", "message": message, "urgency": "normal",
        },
        "env": {
            "LLMETER_ALERT_ACCOUNT": "", "LLMETER_ALERT_KIND": "threshold", "LLMETER_ALERT_LABEL": "5h",
            "LLMETER_ALERT_LEVEL": "80", "LLMETER_ALERT_MESSAGE": message, "LLMETER_ALERT_NAME": "Claude",
            "LLMETER_ALERT_PROVIDER": "claude", "LLMETER_ALERT_RESETS_AT": reset_iso,
            "LLMETER_ALERT_SUMMARY": "Claude 5h at 82%", "LLMETER_ALERT_URGENCY": "normal",
            "LLMETER_ALERT_USED": "82.4", "LLMETER_ALERT_WINDOW": "five_hour",
        },
    }]


def test_a_jump_over_two_levels_fires_one_alert_for_the_highest(alerts_file: Path) -> None:
    record(claude(70))
    record(claude(97))
    record(claude(99))
    events = [e["event"] for e in sent(alerts_file)]
    assert [(e["level"], e["urgency"], e["summary"]) for e in events] == [(95.0, "critical", "Claude 5h at 97%")]


def test_each_level_once_per_cycle_and_per_window(alerts_file: Path) -> None:
    record(claude(81, seven=10))
    record(claude(96, seven=85))
    record(claude(97, seven=86))
    assert [(e["event"]["window"], e["event"]["level"]) for e in sent(alerts_file)] == [
        ("five_hour", 80.0), ("five_hour", 95.0), ("seven_day", 80.0)]


def test_a_new_reset_time_re_arms_the_levels(alerts_file: Path) -> None:
    record(claude(85))
    record(claude(86, reset=RESET + 3))  # the same cycle, reported a few seconds apart
    assert len(sent(alerts_file)) == 1
    later = RESET + 5 * 3600
    record(claude(4, reset=later))  # the window reset: a new cycle
    record(claude(88, reset=later))
    events = [e["event"] for e in sent(alerts_file)]
    assert [(e["level"], e["resets_at"]) for e in events] == [
        (80.0, at(RESET).isoformat().replace("+00:00", "Z")), (80.0, at(later).isoformat().replace("+00:00", "Z"))]


def test_a_window_without_reset_time_re_arms_when_it_falls_well_below(alerts_file: Path) -> None:
    for used in (81, 78, 82, 60, 83):  # 78 is within the margin, 60 is not
        record(claude(used, reset=None))
    assert [e["event"]["used_percent"] for e in sent(alerts_file)] == [81.0, 83.0]


def test_first_observation_above_a_level_counts_once(alerts_file: Path) -> None:
    record(claude(90))
    record(claude(90))
    assert [e["event"]["level"] for e in sent(alerts_file)] == [80.0]


CONCURRENT = """\
import os, sys, time
from datetime import datetime, timezone
from llmeter_bar.fetch import refresh
from llmeter_bar.store.cache import Store
from llmeter_bar.models import ProviderResult, Window
from llmeter_bar.providers.base import ProviderSettings
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.001)
store = Store()
result = ProviderResult(id="claude", name="Claude", fetched_at=datetime.now(timezone.utc), windows=[
    Window("five_hour", "5h", 96.0, datetime.fromtimestamp(int(sys.argv[2]), timezone.utc), 18000)])
refresh.record_outcome(store, ProviderSettings(id="claude"), result, time.time(), 300)
store.close()
"""


def test_concurrent_processes_recording_the_same_crossing_send_one_alert(alerts_file: Path, tmp_path: Path) -> None:
    record(claude(50))
    for round_, reset in enumerate((RESET, RESET + 18000, RESET + 36000)):
        go = tmp_path / f"go{round_}"
        procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(go), str(reset)], env=cli.env())
                 for _ in range(4)]
        time.sleep(1.0)  # every process imported and waiting
        go.touch()
        assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
        assert len(sent(alerts_file)) == round_ + 1
    assert [e["event"]["level"] for e in sent(alerts_file)] == [95.0, 95.0, 95.0]


def test_an_expired_login_fires_once_after_good_figures(alerts_file: Path) -> None:
    register_secret("sk-ant-oat01-SECRETSECRET")
    expired = FetchError("auth", "token sk-ant-oat01-SECRETSECRET expired: run `claude` to log in")
    record(expired)  # never worked: setup, not an expiry
    record(claude(40))
    record(expired)
    record(FetchError("auth", "still expired"))
    record(FetchError("network", "offline"))
    events = [e["event"] for e in sent(alerts_file)]
    assert events == [{
        "version": 1, "kind": "login", "provider": "claude", "account": None, "name": "Claude",
        "window": None, "label": None, "level": None, "used_percent": None, "resets_at": None,
        "summary": "Claude: login expired", "message": "token sk-a… expired: run `claude` to log in",
        "urgency": "critical",
    }]
    record(claude(41))  # logged in again: the next expiry is news again
    record(NotConfigured("no credentials found in ~/.claude"))
    assert [(e["event"]["summary"], e["event"]["message"]) for e in sent(alerts_file)][1:] == [
        ("Claude: credentials gone", "no credentials found in ~/.claude")]


def test_notify_send_when_no_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "notify-send.log"
    fake = bin_dir / "notify-send"
    fake.write_text(f"#!{sys.executable}\nimport json, sys\nopen({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    record(claude(50, seven=50))
    record(claude(96, seven=81))
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls == [
        ["--app-name=llmeter-bar", "--urgency=critical", "Claude 5h at 96%",
         f"crossed 95% · resets in 2h14m ({clock(RESET)})"],
        ["--app-name=llmeter-bar", "--urgency=normal", "Claude 7d at 81%",
         f"crossed 80% · resets in 5d ({datetime.fromtimestamp(NOW + 5 * 86400).strftime('%a %H:%M')})"],
    ]


def test_nothing_is_claimed_without_a_way_to_deliver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     alerts_file: Path, write_config) -> None:
    write_config(alerts_file.parent.joinpath("config", "config.toml").read_text() + "enabled = false\n")
    record(claude(90))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no notify-send, no command
    write_config("")
    record(claude(91))
    store = Store()
    try:
        assert [k for k in store.cache.iterkeys() if str(k).startswith("alert:")] == []
    finally:
        store.close()
    assert sent(alerts_file) == []


def test_refresh_command_delivers_from_its_own_process(fake_server, tmp_path: Path, alerts_file: Path,
                                                       write_config) -> None:
    command = alerts_file.parent.joinpath("config", "config.toml").read_text()
    write_config(cli.fake_config(fake_server.url, extra=command))
    fake_server.reply("/usage/fake", {"used": 50})
    cli.run("refresh")
    fake_server.reply("/usage/fake", {"used": 85})
    assert "fake: ok" in cli.run("refresh").stdout
    cli.run("refresh")
    assert [(e["event"]["provider"], e["event"]["summary"]) for e in sent(alerts_file)] == [("fake", "Fake 5h at 85%")]


def test_a_status_line_render_hands_alerts_to_a_detached_process(alerts_file: Path, write_config) -> None:
    command = alerts_file.parent.joinpath("config", "config.toml").read_text()
    write_config('[general]\nproviders = ["claude"]\n' + command)
    payload = {"rate_limits": {"five_hour": {"used_percentage": 91, "resets_at": RESET}}}
    started = time.monotonic()
    run = cli.run("--format", "claude-code", input=json.dumps(payload))
    assert run.returncode == 0 and run.stderr == "" and "91%" in run.stdout
    assert time.monotonic() - started < 10
    cli.wait_until(lambda: sent(alerts_file))
    cli.run("--format", "claude-code", input=json.dumps(payload))
    time.sleep(1.0)
    assert [e["event"]["summary"] for e in sent(alerts_file)] == ["Claude 5h at 91%"]


def test_alert_config_is_checked(write_config) -> None:
    with pytest.raises(ConfigError, match="alerts.levels must be a list of numbers from 1 to 100"):
        alert_settings(Config(data={"alerts": {"levels": [80, 120]}}))
    with pytest.raises(ConfigError, match="alerts.command must be a list of strings"):
        alert_settings(Config(data={"alerts": {"command": "notify-send hi"}}))
    write_config('[alerts]\ntimeout = "soon"\n')
    with pytest.raises(ConfigError, match="alerts.timeout must be a number"):
        load()
    write_config("[alerts]\nlevel = 80\n")
    assert load().warnings == ["unknown key 'alerts.level' ignored (did you mean 'levels'?)"]
    assert alert_settings(Config()).levels == (80.0, 95.0)


@pytest.fixture
def llmeter_log(caplog: pytest.LogCaptureFixture):
    """caplog for llmeter-bar's own logger, which does not propagate to the root one
    (passing alone needs this; in the full suite it passed only by test order)."""
    import logging

    from llmeter_bar import logs

    logs.logger()  # created first: creating it clears its handlers
    logging.getLogger("llmeter_bar").addHandler(caplog.handler)
    yield caplog
    logging.getLogger("llmeter_bar").removeHandler(caplog.handler)


def test_a_hanging_or_failing_command_never_blocks_the_write(tmp_path: Path, write_config, llmeter_log) -> None:
    caplog = llmeter_log
    hang = tmp_path / "hang.py"
    hang.write_text("import time\ntime.sleep(30)\n")
    write_config(f'[alerts]\ntimeout = 1\ncommand = ["{sys.executable}", "{hang}"]\n')
    started = time.monotonic()
    record(claude(50))
    record(claude(90))
    assert time.monotonic() - started < 10
    store = Store()
    try:
        assert store.read("claude")["result"]["windows"][0]["used_percent"] == 90.0
    finally:
        store.close()
    assert "did not finish within 1s" in caplog.text
    write_config('[alerts]\ncommand = ["/nonexistent/alert-command"]\n')
    record(claude(20, reset=RESET + 18000))
    record(claude(85, reset=RESET + 18000))
    assert "alert command /nonexistent/alert-command failed" in caplog.text
