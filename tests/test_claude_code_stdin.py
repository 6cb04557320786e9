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


def _payload_at(five: float, resets: int, cost: float) -> str:
    return json.dumps({
        "session_id": "abc", "cost": {"total_cost_usd": cost, "total_duration_ms": int(cost * 1000)},
        "rate_limits": {"five_hour": {"used_percentage": five, "resets_at": resets},
                        "seven_day": {"used_percentage": 15, "resets_at": resets + 400000}},
    })


def _state(tmp_path):
    from llmeter_bar.store import fastpath, history
    from llmeter_bar.store.cache import Store

    store = Store(tmp_path / "cache")
    try:
        record = store.read("claude")
        found = history.load_many(store, ["claude"]).get("claude")
        points = sum(len(s.points) for s in found.series.values()) if found else 0
        return store.cache.get(fastpath.GENERATION, 0), record, points
    finally:
        store.close()


def test_unchanged_figures_are_not_written_again(tmp_path, fake_server, write_config):
    write_config(CONFIG.format(url=fake_server.url))
    resets = int(time.time()) + 3600
    assert "42%" in cli.run("--format", "claude-code", input=_payload_at(42, resets, 0.1)).stdout
    generation, record, points = _state(tmp_path)
    tmux = cli.run("--format", "tmux").stdout  # another bar's line, now in the output cache
    for i in range(4):  # each message: a new cost, the same rate limits
        assert "42%" in cli.run("--format", "claude-code", input=_payload_at(42, resets, 0.2 + i)).stdout
    assert _state(tmp_path) == (generation, record, points)  # no write, no history point, no bump
    assert cli.run("--format", "tmux").stdout == tmux
    assert "43%" in cli.run("--format", "claude-code", input=_payload_at(43, resets, 9.0)).stdout
    generation2, record2, _ = _state(tmp_path)
    assert generation2 > generation and record2["result"]["windows"][0]["used_percent"] == 43
    assert "43%" in cli.run("--format", "tmux").stdout


PROBE = """
import sys
from llmeter_bar.cli.entry import main
main(sys.argv[1:])
sys.stderr.write("\\n".join(sorted(sys.modules)))
"""


def test_an_unchanged_status_line_is_served_from_the_output_cache(fake_server, write_config):
    import sys

    write_config(CONFIG.format(url=fake_server.url))
    resets = int(time.time()) + 3600
    for i in range(2):  # the first stores the figures, the second caches the line under them
        cli.run("--format", "claude-code", input=_payload_at(42, resets, 0.1 + i))
    probe = subprocess.run([sys.executable, "-c", PROBE, "--format", "claude-code"],
                           input=_payload_at(42, resets, 5.0), capture_output=True, text=True, env=cli.env())
    assert "42%" in probe.stdout
    modules = set(probe.stderr.split("\n"))
    assert "llmeter_bar.store.fastpath" in modules and "llmeter_bar.cli.payload" in modules
    assert not {"json", "llmeter_bar.render", "llmeter_bar.config", "diskcache"} & modules
    # Other rate limits are another key: rendered anew, and right.
    changed = subprocess.run([sys.executable, "-c", PROBE, "--format", "claude-code"],
                             input=_payload_at(50, resets, 6.0), capture_output=True, text=True, env=cli.env())
    assert "50%" in changed.stdout and "llmeter_bar.render" in set(changed.stderr.split("\n"))


def test_the_cache_key_is_the_rate_limits_member_alone():
    from llmeter_bar.cli.payload import rate_limits

    a = _payload_at(42, 100, 0.1).encode()
    b = _payload_at(42, 100, 7.5).encode()
    assert rate_limits(a) == rate_limits(b) == json.dumps(json.loads(a)["rate_limits"]).encode()
    assert rate_limits(_payload_at(43, 100, 0.1).encode()) != rate_limits(a)
    # The word inside a string or a nested object is not the member.
    tricky = b'{"cwd": "/x/\\"rate_limits\\": {1}", "m": {"rate_limits": 5}, "rate_limits": null}'
    assert rate_limits(tricky) == b"null"
    assert rate_limits(b'{"cwd": "rate_limits"}') == b"" and rate_limits(b"garbage {") == b""
