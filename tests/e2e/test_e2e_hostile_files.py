"""Files other programs own (and the config) that are not what they should be: a
FIFO, a symlink to /dev/zero, a huge file. A render opens each without blocking,
refuses what is not a regular file or is over 1 MB, and says why; it never waits
and never grows (issue 13, item 2)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from support import allproviders, cli, e2e, procs

TIMEOUT = 2.0


@pytest.fixture
def world(faults, tmp_path, isolated_home):
    allproviders.plant(isolated_home)
    env = e2e.isolated_env(tmp_path, home=isolated_home)
    yield env, tmp_path, isolated_home
    procs.reap(list(procs.refreshers(tmp_path / "cache")))


def _config(root: Path, faults, providers: tuple[str, ...]) -> None:
    config = root / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(allproviders.config(lambda p: faults.base_url("good", p), timeout=TIMEOUT,
                                          providers=providers))


def _bounded_run(*args: str, env: dict[str, str]) -> tuple[e2e.Run, int]:
    """A run that must end within timeout + 1 s, with its own peak RSS in KB."""
    run = e2e.run(*args, env=env, timeout=TIMEOUT + 5)
    peak = run.peak_kb
    assert run.elapsed < TIMEOUT + 1, f"{args}: {run.elapsed:.1f} s"
    return run, peak


def _error(env: dict[str, str], provider: str) -> dict:
    run, peak = _bounded_run("--format", "json", "--wait", env=env)
    assert run.returncode == 0 and run.stderr == ""
    assert peak < 100 * 1024, f"peak RSS {peak} KB"
    shown = {p["id"]: p for p in run.json()["providers"]}
    return shown[provider]["error"] or {}


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "huge"])
@pytest.mark.parametrize("provider,relative,marker", [
    ("claude", ".claude/.credentials.json", "!auth"),
    ("codex", ".codex/auth.json", "!auth"),
    ("gemini", ".gemini/oauth_creds.json", "!cfg"),
    ("copilot", ".config/github-copilot/hosts.json", "!cfg"),
])
def test_credential_file_that_is_not_a_regular_file(world, faults, provider, relative, marker, kind):
    env, root, home = world
    env.pop("COPILOT_TOKEN", None)
    _config(root, faults, (provider,))
    path = home / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
        why = "a FIFO, not a regular file"
    elif kind == "dev_zero":
        path.symlink_to("/dev/zero")
        why = "a character device, not a regular file"
    else:
        with open(path, "wb") as handle:
            handle.truncate(50 * 1024 * 1024)
        why = "larger than 1 MB, not read"
    error = _error(env, provider)
    assert str(path) in error["message"] and why in error["message"], error
    for fmt in ("tmux", "plain", "waybar"):
        run, _ = _bounded_run("--format", fmt, env=env)
        assert marker in e2e.host_text(fmt, run)
    doctor, _ = _bounded_run("doctor", "--format", "json", env=env)
    assert why in doctor.stdout


def test_config_fifo_is_a_cfg_marker_not_a_wait(world, faults):
    env, root, _ = world
    config = root / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(config)
    for fmt in e2e.BAR_FORMATS:
        run, _ = _bounded_run("--format", fmt, env=env)
        assert "!cfg" in e2e.host_text(fmt, run)
    run, _ = _bounded_run("--format", "json", env=env)
    assert "a FIFO, not a regular file" in run.stdout
    doctor, _ = _bounded_run("doctor", "--format", "json", env=env)
    assert "a FIFO, not a regular file" in doctor.stdout


def test_codex_log_fifo_is_skipped(world, faults):
    env, root, home = world
    (home / ".codex" / "auth.json").unlink()  # the logs are then the only source
    _config(root, faults, ("codex",))
    day = home / ".codex" / "sessions" / "2026" / "01" / "02"
    day.mkdir(parents=True)
    os.mkfifo(day / "rollout-2026-01-02T10-00-00-x.jsonl")
    error = _error(env, "codex")  # the fetch scans the logs, then finds no login
    assert error.get("kind") in (None, "auth", "config"), error
    run, _ = _bounded_run("--format", "tmux", env=env)
    assert e2e.host_text("tmux", run).strip() == "◎ setup"


def test_refresher_stuck_outside_the_event_loop_dies_at_its_deadline_and_is_never_doubled(world, faults):
    """A refresher stuck in a blocking call (a read that never returns) is simulated by
    a provider that sleeps in its fetch, where no asyncio timeout can reach it. It must be
    gone by timeout + 8 s, and renders meanwhile start no second one for the provider."""
    env, root, _ = world
    config = root / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(cli.fake_config(faults.base_url("good", "fake"), interval=1,
                                      extra='block = 600\n').replace("timeout = 3", "timeout = 1"))
    started = time.monotonic()
    first: dict[int, float] = {}
    while time.monotonic() - started < 11:
        assert e2e.run("--format", "tmux", env=env).returncode == 0
        live = procs.refreshers(root / "cache")
        assert len(live) <= 1, live
        for pid in live:
            first.setdefault(pid, time.monotonic())
        time.sleep(0.4)
    assert first, "no refresher was started"
    pid, seen_at = min(first.items(), key=lambda item: item[1])
    cli.wait_until(lambda: pid not in procs.refreshers(root / "cache"), timeout=max(0.1, seen_at + 10.5 - time.monotonic()))
