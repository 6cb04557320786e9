"""Claude Code's status line: its stdin feeds the cache, and odd stdins never hang."""

from __future__ import annotations

import json
import subprocess
import time

from support import cli

CONFIG = """
[general]
providers = ["claude"]
[provider.claude]
base_url = "{url}"
"""


def _payload(five: float, week: float) -> str:
    now = int(time.time())
    return json.dumps({
        "session_id": "abc", "model": {"display_name": "Opus"},
        "rate_limits": {"five_hour": {"used_percentage": five, "resets_at": now + 3600},
                        "seven_day": {"used_percentage": week, "resets_at": now + 5 * 86400}},
    })


def test_statusline_payload_feeds_every_other_bar_without_http(fake_server, write_config):
    write_config(CONFIG.format(url=fake_server.url))
    line = cli.run("--format", "claude-code", input=_payload(42, 15))
    assert line.returncode == 0 and line.stderr == "" and "42%" in line.stdout
    tmux = cli.run("--format", "tmux")
    assert tmux.returncode == 0 and "42%" in tmux.stdout and "#[fg=" in tmux.stdout
    document = json.loads(cli.run("--format", "json").stdout)["providers"][0]
    assert document["source"] == "claude-code" and document["status"] == "ok"
    assert {w["id"]: w["used_percent"] for w in document["windows"]} == {"five_hour": 42, "seven_day": 15}
    time.sleep(0.5)  # a background refresh, had one started, would have called by now
    assert sum(fake_server.hits.values()) == 0


def test_ingest_command_prints_nothing_and_updates_the_cache(fake_server, write_config):
    write_config(CONFIG.format(url=fake_server.url))
    run = cli.run("ingest", "claude-code", input=_payload(77, 20))
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    assert "77%" in cli.run("--format", "plain").stdout
    assert sum(fake_server.hits.values()) == 0


def test_payload_without_rate_limits_and_empty_stdin_still_print(write_config):
    write_config(CONFIG.format(url="http://127.0.0.1:9"))
    for stdin in ('{"session_id": "x", "rate_limits": null}', "", "not json"):
        run = cli.run("--format", "claude-code", input=stdin)
        assert run.returncode == 0 and run.stderr == "" and run.stdout.strip()


def test_stdin_that_never_closes_does_not_hang(write_config):
    write_config(CONFIG.format(url="http://127.0.0.1:9"))
    proc = subprocess.Popen([str(cli.SCRIPT), "--format", "claude-code"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli.env())
    proc.stdin.write(_payload(33, 10))
    proc.stdin.flush()  # ...and keep it open, as some Claude Code versions do
    start = time.monotonic()
    deadline = start + 5
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    elapsed = time.monotonic() - start
    assert proc.poll() == 0, "still waiting on stdin"
    assert "33%" in proc.stdout.read() and proc.stderr.read() == ""
    assert elapsed < 3
    proc.stdin.close()


def test_status_line_figures_survive_later_renders_without_api_credentials(write_config):
    # No Claude credentials at all: only the status line knows the figures. The
    # slow API cadence must start at the ingest, or the next render finds the
    # record due and a refresher overwrites the figures with a setup error.
    write_config(CONFIG.format(url="http://127.0.0.1:9"))
    assert cli.run("ingest", "claude-code", input=_payload(55, 12)).returncode == 0
    for _ in range(3):
        assert "55%" in cli.run("--format", "tmux").stdout
    time.sleep(1.0)  # long enough for a wrongly spawned refresher to record its error
    document = json.loads(cli.run("--format", "json").stdout)["providers"][0]
    assert (document["status"], document["error"]) == ("ok", None)
