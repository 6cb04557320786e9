"""Every config problem is visible where a user looks: --format json, the waybar
tooltip, config show, providers and doctor (with file and line), logged once."""

from __future__ import annotations

import json
import re
from pathlib import Path

from support import cli

BROKEN = """\
[general]
intervall = 300

[format]
seperator = " | "

[colors]
ok = "green"

[thresholds]
wran = 50

[provider.claude]
intervl = 600
"""


def _problems(path: Path) -> list[str]:
    return [
        f"{path} line 5: format: unknown key 'seperator' (did you mean 'separator'?)",
        f"{path} line 8: colors.ok must be a string \"#rrggbb\" or \"\", got 'green'",
        f"{path} line 11: thresholds: unknown key 'wran' (did you mean 'warn'?)",
        f"{path} line 2: unknown key 'general.intervall' ignored (did you mean 'interval'?)",
        f"{path} line 14: unknown key 'provider.claude.intervl' ignored (did you mean 'interval'?)",
    ]


def test_json_carries_every_problem_with_file_and_line(write_config):
    path = write_config(BROKEN)
    document = json.loads(cli.run("--format", "json").stdout)
    assert document["config_errors"] == _problems(path)


def test_json_has_an_empty_list_without_problems(write_config):
    write_config("[general]\ninterval = 300\n")
    assert json.loads(cli.run("--format", "json").stdout)["config_errors"] == []


def test_the_waybar_tooltip_says_why_the_bar_shows_cfg(write_config):
    path = write_config(BROKEN)
    run = cli.run("--format", "waybar")
    assert run.returncode == 0 and run.stderr == ""
    payload = json.loads(run.stdout)
    assert payload["text"] == "llm !cfg" and payload["class"] == "error"
    assert payload["tooltip"].split("\r") == _problems(path)


def test_an_ignored_key_alone_keeps_the_bar_and_shows_in_the_tooltip(write_config):
    path = write_config("[general]\nintervall = 300\n")
    payload = json.loads(cli.run("--format", "waybar").stdout)
    assert payload["text"] != "llm !cfg"
    assert payload["tooltip"].endswith(
        f"config: {path} line 2: unknown key 'general.intervall' ignored (did you mean 'interval'?)")


def test_config_show_exits_1_and_lists_the_problems(write_config):
    path = write_config(BROKEN)
    run = cli.run("config", "show")
    assert run.returncode == 1
    assert run.stderr.splitlines() == [f"error: {p}" for p in _problems(path)]


def test_providers_and_doctor_list_them(write_config):
    path = write_config(BROKEN)
    assert [f"config error: {p}" for p in _problems(path)] == cli.run("providers").stderr.splitlines()
    doctor = cli.run("doctor", "--format", "json")
    assert doctor.returncode == 1
    keys = [c for c in json.loads(doctor.stdout)["checks"] if c["area"] == "config" and c["name"] == "keys"]
    assert [c["message"] for c in keys] == _problems(path)
    assert {c["status"] for c in keys} == {"error"}


def test_problems_are_logged_once_not_per_render(write_config, tmp_path):
    write_config(BROKEN)
    for fmt in ("tmux", "waybar", "tmux", "polybar", "plain"):
        assert cli.run("--format", fmt, LLMETER_BAR_OUTPUT_CACHE="0").returncode == 0
    log = (tmp_path / "state" / "llmeter-bar.log").read_text()
    assert log.count("seperator") == 1 and log.count("intervall") == 1
    write_config(BROKEN + "[icons]\nsett = 1\n")  # a new problem: the list is logged again
    cli.run("--format", "tmux")
    log = (tmp_path / "state" / "llmeter-bar.log").read_text()
    assert log.count("seperator") == 2 and "icons: unknown key 'sett' (did you mean 'set'?)" in log


def test_typos_in_templates_and_host_tables_get_a_suggestion(write_config):
    path = write_config('[format.tmux]\nformat = "{nmae} {used}"\nseparatr = "/"\n')
    errors = json.loads(cli.run("--format", "json").stdout)["config_errors"]
    assert len(errors) == 2
    assert f"{path} line 3: format.tmux: unknown key 'separatr' (did you mean 'separator'?)" in errors
    assert any(e.startswith(f"{path} line 2: format.tmux.format: unknown placeholder {{nmae}} (did you mean name?)")
               for e in errors)


def test_every_option_a_provider_reads_is_a_known_key():
    """An option a provider module reads must not be reported as a typo."""
    from llmeter_bar.config import PROVIDER_KEYS, PROVIDER_OPTION_KEYS

    source = Path(__file__).resolve().parents[1] / "src" / "llmeter_bar" / "providers"
    read = set()
    for module in source.glob("*.py"):
        read |= set(re.findall(r"""option\(\s*["']([a-z_]+)["']""", module.read_text()))
        read |= set(re.findall(r"""options\.get\(\s*["']([a-z_]+)["']""", module.read_text()))
    assert read - set(PROVIDER_KEYS) - PROVIDER_OPTION_KEYS == set()
