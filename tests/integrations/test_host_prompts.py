"""Hosts that are not installable here: starship and Claude Code. The shipped
files must parse, and their command must behave as the host runs it."""

from __future__ import annotations

import json
import statistics
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from support import cli, hosts
from support.hosts import filled_cache  # noqa: F401 - a fixture

pytestmark = pytest.mark.hosts


def _as_starship_runs_it(module: dict[str, object]) -> tuple[subprocess.CompletedProcess[str], float]:
    """starship starts ``shell`` and writes the command to its stdin; stdout is trimmed."""
    start = time.perf_counter()
    done = subprocess.run(module["shell"], input=module["command"], capture_output=True, text=True,  # type: ignore[arg-type]
                          timeout=10, env=cli.env())
    return done, time.perf_counter() - start


def test_starship_module_parses_shows_and_answers_well_within_command_timeout(filled_cache):
    config = tomllib.loads(hosts.shipped("starship"))
    module = config["custom"]["llmeter"]
    assert module["when"] is True, "custom modules are hidden unless when = true"
    assert module["shell"] == ["sh"]
    assert "$output" in module["format"] and not module.get("unsafe_no_escape")
    assert config.get("command_timeout", 500) >= 500

    runs = [_as_starship_runs_it(module) for _ in range(7)]  # the first warms the output cache
    for done, _ in runs:
        assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "• 75%", ""), done
    timings = sorted(seconds for _, seconds in runs[1:])
    assert statistics.median(timings) < 0.5, f"warm renders took {timings} s; starship gives up at 0.5 s"
    assert filled_cache.hits() == 1  # served from the cache: no fetch on the prompt's path


def test_claude_code_status_line_command_reads_the_session_json(write_config):
    write_config(f'[general]\nproviders = ["claude"]\n[provider.claude]\nbase_url = "http://127.0.0.1:{hosts.free_port()}"\n')
    settings = json.loads(hosts.shipped("claude-code"))["statusLine"]
    assert settings["type"] == "command" and settings["refreshInterval"] >= 1 and settings["padding"] == 0
    recorded = Path(__file__).parents[1] / "fixtures/claude_statusline/ccstatusline_payload_example_v2_1_80.json"
    payload = json.loads(recorded.read_text())["payload"]
    now = int(time.time())
    payload["rate_limits"]["five_hour"]["resets_at"] = now + 2 * 3600 + 12 * 60 + 50
    payload["rate_limits"]["seven_day"]["resets_at"] = now + 5 * 86400

    # Claude Code runs the command in a shell with the session JSON on stdin.
    done = subprocess.run(["sh", "-c", settings["command"]], input=json.dumps(payload), capture_output=True,
                          text=True, timeout=10, env=cli.env())
    assert done.returncode == 0 and done.stderr == "", done
    assert done.stdout == "\x1b[38;2;152;195;121m✻ 42% 2h13m\x1b[0m\n", repr(done.stdout)

    # The same figures now serve every other bar, with no fetch.
    assert cli.run("--format", "starship").stdout == "✻ 42% 2h13m\n"
