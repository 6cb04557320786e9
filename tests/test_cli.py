"""The click commands around the render: config, cache, providers, refresh, help."""

from __future__ import annotations

import tomllib

from llmeter_bar import __version__
from support import cli


def test_version_and_help():
    assert cli.run("--version").stdout.strip() == f"llmeter-bar, version {__version__}"
    help_text = cli.run("--help").stdout
    for word in ("Examples:", "--format", "refresh", "providers", "cache", "config", "ingest", "login"):
        assert word in help_text
    assert "Fetch now" in cli.run("refresh", "--help").stdout


def test_config_init_writes_a_valid_commented_file_and_never_overwrites(tmp_path):
    target = tmp_path / "config" / "config.toml"
    assert cli.run("config", "path").stdout.strip() == str(target)
    assert cli.run("config", "init").returncode == 0
    text = target.read_text()
    assert tomllib.loads(text)["general"]["interval"] == 300 and "# providers" in text
    target.write_text("[general]\ninterval = 60\n")
    again = cli.run("config", "init")
    assert again.returncode == 1 and "--force" in again.stderr
    assert target.read_text() == "[general]\ninterval = 60\n"
    assert cli.run("config", "init", "--force").returncode == 0 and target.read_text() == text


def test_config_show_names_bad_values_and_warns_on_unknown_keys(write_config):
    write_config('[general]\nintervall = 60\n[provider.claude]\ninterval = 900\n')
    shown = cli.run("config", "show")
    assert shown.returncode == 1  # a typo is an error, with a suggestion
    assert "line 2: unknown key 'general.intervall' ignored (did you mean 'interval'?)" in shown.stderr
    write_config('[general]\ntimeout = "ten"\n')
    bad = cli.run("config", "show")
    assert bad.returncode == 1 and "general.timeout must be a number" in bad.stderr
    # A bar format stays silent about the same problem.
    bar = cli.run("--format", "tmux")
    assert bar.returncode == 0 and bar.stderr == "" and "cfg" in bar.stdout


def test_cache_path_and_clear(tmp_path, fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 3})
    write_config(cli.fake_config(fake_server.url))
    assert cli.run("cache", "path").stdout.strip() == str(tmp_path / "cache")
    cli.run("refresh")
    cli.run("--format", "plain")
    cleared = cli.run("cache", "clear")
    assert cleared.returncode == 0 and "cleared" in cleared.stdout
    assert '"status": "loading"' in cli.run("--format", "json").stdout


def test_refresh_without_providers_says_what_to_do(write_config):
    write_config("[general]\nproviders = []\n")
    run = cli.run("refresh")
    assert run.returncode == 1 and "llmeter-bar providers" in run.stderr


def test_unknown_format_is_a_usage_error():
    run = cli.run("--format", "nonsense")
    assert run.returncode == 2 and "unknown format 'nonsense'" in run.stderr and "tmux" in run.stderr


def test_shell_completion_scripts_come_from_click():
    for shell in ("bash", "zsh", "fish"):
        run = cli.run(_LLMETER_BAR_COMPLETE=f"{shell}_source")
        assert run.returncode == 0 and "_LLMETER_BAR_COMPLETE" in run.stdout, shell
    words = cli.run(_LLMETER_BAR_COMPLETE="bash_complete", COMP_WORDS="llmeter-bar ref", COMP_CWORD="1")
    assert "refresh" in words.stdout
