"""What a new user and a script meet first: no sample figures passed off as real,
exit codes that say what happened, an explicit config that must exist, on-demand
refreshes that do not hammer an endpoint, JSON whose times are the time of the call."""

from __future__ import annotations

import json
import time

import pytest

from llmeter_bar import render
from support import cli

BAR_FORMATS = sorted(set(render.FORMATS) - {"json", "prometheus"})
DEMO_FIGURES = ("61%", "74%", "$12.34")  # demo.py's Claude, Codex and OpenRouter


@pytest.mark.parametrize("fmt", sorted(render.FORMATS))
def test_without_credentials_every_format_prints_the_setup_state_not_sample_figures(fmt):
    run = cli.run("--format", fmt, input="")  # stdout is a pipe, as in `x=$(llmeter-bar)`
    assert run.returncode == 0 and run.stderr == ""
    assert not any(figure in run.stdout for figure in DEMO_FIGURES), run.stdout
    assert "Claude " not in run.stdout.replace("Claude Code", "")
    if fmt == "json":
        document = json.loads(run.stdout)
        assert document["demo"] is False
        assert [p["status"] for p in document["providers"]] == ["unconfigured"]
        assert "llmeter-bar doctor" in document["providers"][0]["error"]["message"]
    elif fmt == "prometheus":
        assert 'llmeter_last_error{provider="llmeter",account="default",kind="config"} 1' in run.stdout
    else:
        assert "setup" in run.stdout


def test_plain_without_credentials_is_the_setup_state():
    assert cli.run().stdout == "llmeter setup\n"


@pytest.mark.parametrize("fmt", BAR_FORMATS)
def test_demo_is_marked_in_every_bar_format(fmt):
    run = cli.run("--demo", "--format", fmt, input="")
    assert run.returncode in (0, 33) and run.stderr == ""
    assert "(demo)" in run.stdout.splitlines()[0] and "61%" in run.stdout


def test_demo_marks_plain_json_prometheus_and_the_waybar_tooltip():
    assert cli.run("--demo").stdout.startswith("(demo) Claude 61%")
    assert cli.run("--demo", "--long").stdout.startswith("(demo data: sample figures, not your usage)\n")
    assert json.loads(cli.run("--demo", "--format", "json").stdout)["demo"] is True
    assert cli.run("--demo", "--format", "prometheus").stdout.startswith("# llmeter-bar: demo data (--demo)")
    waybar = json.loads(cli.run("--demo", "--format", "waybar").stdout)
    assert waybar["text"].startswith("(demo) <span") and waybar["tooltip"].startswith("(demo data")
    i3blocks = cli.run("--demo", "--format", "i3blocks").stdout.splitlines()
    assert i3blocks[0].startswith("(demo) ") and i3blocks[1].startswith("(demo) ")


def test_refresh_exit_codes(fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 40})
    write_config(cli.fake_config(fake_server.url))
    ok = cli.run("refresh", "fake")
    assert (ok.returncode, ok.stdout) == (0, "fake: ok\n")
    unknown = cli.run("refresh", "clade")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "unknown provider 'clade'; known: anthropic-api, antigravity, azure-openai, claude, codex" in unknown.stderr
    assert "fake" in unknown.stderr and "general.providers" not in unknown.stderr
    fake_server.reply("/usage/fake", {"error": "no"}, status=401)
    failed = cli.run("refresh", "fake")
    assert failed.returncode == 1 and failed.stdout.startswith("fake: auth:")
    assert fake_server.hits["/usage/fake"] == 2  # the unknown name fetched nothing


def test_a_missing_explicit_config_is_an_error_everywhere(tmp_path):
    typo = str(tmp_path / "typo.toml")
    assert cli.run("--config", typo, "--format", "tmux").stdout == "#[fg=#e06c75,bg=#282c34] • !cfg #[default]\n"
    document = json.loads(cli.run("--config", typo, "--format", "json").stdout)
    assert document["providers"][0]["error"]["message"] == f"{typo}: no such file (named by --config)"
    show = cli.run("--config", typo, "config", "show")
    assert show.returncode == 1 and f"{typo}: no such file (named by --config)" in show.stderr
    doctor = cli.run("--config", typo, "doctor", "--format", "json")
    assert doctor.returncode == 1
    check = next(c for c in json.loads(doctor.stdout)["checks"] if c["area"] == "config")
    assert check["status"] == "error" and "no such file (named by --config)" in check["message"]
    # Without --config a missing file is the normal first run: defaults.
    assert cli.run("config", "show").returncode == 0


def test_on_demand_refreshes_within_the_debounce_reuse_the_record(fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 40})
    write_config(cli.fake_config(fake_server.url).replace("refresh_debounce = 0", "refresh_debounce = 30"))
    first = cli.run("refresh", "fake")
    assert first.stdout == "fake: ok\n"
    for _ in range(3):
        again = cli.run("refresh", "fake")
        assert again.returncode == 0
        assert again.stdout.startswith("fake: ok (fetched ") and "one on-demand refresh per 30 s" in again.stdout
    assert fake_server.hits["/usage/fake"] == 1


def test_the_debounce_never_goes_below_what_the_provider_tolerates():
    from llmeter_bar.config import Config
    from llmeter_bar.fetch import refresh

    config = Config(data={"general": {"refresh_debounce": 0}})
    assert refresh.on_demand_floor(config.settings_for("claude")) == 30.0
    assert refresh.on_demand_floor(config.settings_for("codex")) == 10.0
    assert refresh.on_demand_floor(Config().settings_for("codex")) == 30.0
    assert refresh.on_demand_floor(Config(data={"provider": {"codex": {"refresh_debounce": 90}}})
                                   .settings_for("codex")) == 90.0


def test_json_is_never_replayed_from_the_output_cache(fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 40})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    first = json.loads(cli.run("--format", "json").stdout)
    time.sleep(1.1)
    second = json.loads(cli.run("--format", "json").stdout)
    assert first["generated_at"] != second["generated_at"]
    assert second["providers"][0]["age_seconds"] >= first["providers"][0]["age_seconds"] + 1


def test_a_click_within_the_debounce_starts_no_fetch(tmp_path, fake_server, write_config):
    """Clicks (waybar/i3bar/polybar, the watcher's SIGUSR1) claim through the same floor."""
    from llmeter_bar.config import load
    from llmeter_bar.live import clicks
    from llmeter_bar.store.cache import Store

    fake_server.reply("/usage/fake", {"used": 40})
    write_config(cli.fake_config(fake_server.url).replace("refresh_debounce = 0", "refresh_debounce = 30"))
    assert cli.run("refresh").stdout == "fake: ok\n"
    store = Store(tmp_path / "cache")
    try:
        assert clicks.request_refresh(load(), store, []) == []
        assert not store.locked("fake")
    finally:
        store.close()
    assert fake_server.hits["/usage/fake"] == 1


def test_config_show_prints_the_effective_interval(write_config):
    write_config('[general]\nproviders = ["claude", "codex"]\ninterval = 10\n[provider.codex]\ninterval = 30\n')
    lines = cli.run("config", "show").stdout.splitlines()
    assert "[claude] interval=600s timeout=10s" in lines  # Claude's default: 10 s is below its floor
    assert "[codex] interval=120s timeout=10s" in lines  # an explicit 30 s is raised to Codex's floor


def _claude_server(fake_server, write_config, listed: bool) -> None:
    from datetime import datetime, timedelta, timezone

    in_2h = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    fake_server.reply("/api/oauth/usage", {"five_hour": {"utilization": 42.0, "resets_at": in_2h}})
    general = '[general]\nproviders = ["claude"]\n' if listed else ""
    write_config(f'{general}[provider.claude]\nbase_url = "{fake_server.url}"\n')


def _log_in(home) -> None:
    from test_zero_setup import plant

    plant(home)


@pytest.mark.parametrize("listed", [False, True], ids=["detected", "listed"])
def test_a_login_after_setup_is_fetched_by_the_next_wait(isolated_home, fake_server, write_config, listed):
    _claude_server(fake_server, write_config, listed)
    if listed:
        assert cli.run("refresh").stdout.startswith("claude: config: no Claude Code login found")
    assert "setup" in cli.run("--format", "tmux").stdout
    assert "setup" in cli.run("--format", "tmux").stdout  # remembered: the "no credentials" state
    _log_in(isolated_home)
    document = json.loads(cli.run("--format", "json", "--wait").stdout)
    claude = next(p for p in document["providers"] if p["id"] == "claude")
    assert claude["status"] == "ok" and claude["windows"][0]["used_percent"] == 42
    assert sum(n for p, n in fake_server.hits.items() if p.startswith("/api/oauth/usage")) == 1


def test_a_login_makes_a_setup_provider_due_for_a_plain_render(isolated_home, fake_server, write_config):
    _claude_server(fake_server, write_config, listed=True)
    cli.run("refresh")
    assert "setup" in cli.run("--format", "tmux").stdout
    _log_in(isolated_home)
    time.sleep(engine_recheck())
    cli.run("--format", "tmux")  # due now: starts the background refresher
    cli.wait_until(lambda: "42%" in cli.run("--format", "tmux").stdout)
    assert sum(n for p, n in fake_server.hits.items() if p.startswith("/api/oauth/usage")) == 1


def engine_recheck() -> float:
    from llmeter_bar.fetch import engine

    return engine.LOGIN_RECHECK


def test_openrouter_keeps_its_share_of_the_budget_next_to_the_spend(fake_server, write_config):
    """A monthly key limit: ``$45.46 9% 27d``, the countdown last, not between the two figures."""
    from support.fixtures import load_fixture

    fixture = load_fixture("openrouter", "codexbar_server_remaining_monthly_golden")
    fake_server.reply("/key", fixture["payload"])
    fake_server.reply("/credits", {"data": {"total_credits": 50, "total_usage": 5}})
    write_config(f'[general]\nproviders = ["openrouter"]\n[provider.openrouter]\nbase_url = "{fake_server.url}"\nbudget = 500\n')
    line = cli.run("--wait", OPENROUTER_API_KEY="sk-or-v1-test").stdout.strip()
    import re

    assert re.fullmatch(r"OpenRouter \$45\.46 9% \d+d(\d+h)?", line), line


def test_login_help_lists_every_id_whole():
    from llmeter_bar.cli.commands.auth import LOGIN_IDS

    for command in ("login", "logout"):
        text = cli.run(command, "--help", COLUMNS="80").stdout
        assert f"Usage: llmeter-bar {command} [OPTIONS] PROVIDER\n" in text
        assert [line.strip() for line in text.split("PROVIDER is one of:\n")[1].splitlines()] == list(LOGIN_IDS)


def test_config_init_makes_a_private_directory_doctor_is_happy_with(tmp_path):
    import stat

    folder = tmp_path / "config"
    assert cli.run("config", "init").returncode == 0
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    doctor = json.loads(cli.run("doctor", "--format", "json").stdout)
    assert not [c for c in doctor["checks"] if c["status"] != "ok" and str(folder) in c["message"]]
