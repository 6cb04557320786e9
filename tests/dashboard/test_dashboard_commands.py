"""``dashboard --popup`` (which terminal, with what argv, detached), a watcher's right
click, ``llmeter-bar accounts``, and the dashboard refusing to start without a terminal."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from llmeter_bar.dashboard import popup
from llmeter_bar.live.clicks import ClickReader
from llmeter_bar.store import credstore
from support import cli

RECORDER = """#!/bin/sh
# A terminal that only writes down how it was called (one argument a line).
for arg in "$0" "$@"; do printf '%s\\n' "$arg"; done > "{out}.tmp"
mv "{out}.tmp" "{out}"
"""


def fake_terminal(folder: Path, name: str, out: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text(RECORDER.format(out=out))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def called(out: Path) -> list[str]:
    cli.wait_until(out.exists, timeout=10)
    return out.read_text().splitlines()


def test_terminal_order_is_TERMINAL_then_x_terminal_emulator_foot_kitty_alacritty_xterm(tmp_path):
    bin_dir = tmp_path / "bin"
    for name in ("xterm", "alacritty", "kitty", "foot"):
        fake_terminal(bin_dir, name, tmp_path / "out")
    env = {"PATH": str(bin_dir)}
    assert popup.terminal_argv(["llmeter-bar", "dashboard"], env).argv == [
        str(bin_dir / "foot"), "--app-id", "llmeter-bar", "llmeter-bar", "dashboard"]
    (bin_dir / "foot").unlink()
    assert popup.terminal_argv(["x"], env).argv == [str(bin_dir / "kitty"), "--class", "llmeter-bar", "x"]
    (bin_dir / "kitty").unlink()
    assert popup.terminal_argv(["x"], env).argv == [str(bin_dir / "alacritty"), "--class", "llmeter-bar", "-e", "x"]
    (bin_dir / "alacritty").unlink()
    assert popup.terminal_argv(["x"], env).argv == [
        str(bin_dir / "xterm"), "-class", "llmeter-bar", "-T", "llmeter-bar", "-e", "x"]
    fake_terminal(bin_dir, "x-terminal-emulator", tmp_path / "out")
    assert popup.terminal_argv(["x"], env).argv == [str(bin_dir / "x-terminal-emulator"), "-e", "x"]
    fake_terminal(bin_dir, "myterm", tmp_path / "out")
    chosen = {**env, "TERMINAL": "myterm --hold -o 'font=Mono 9'"}
    assert popup.terminal_argv(["x"], chosen).argv == [str(bin_dir / "myterm"), "--hold", "-o", "font=Mono 9",
                                                       "-e", "x"]
    assert popup.terminal_argv(["x"], {**env, "TERMINAL": "not-installed"}).terminal == "x-terminal-emulator"
    assert popup.terminal_argv(["x"], {"PATH": str(tmp_path / "empty")}) is None


def test_popup_runs_the_dashboard_in_TERMINAL_detached_and_returns_at_once(tmp_path):
    out = tmp_path / "argv"
    term = fake_terminal(tmp_path / "bin", "myterm", out)
    started = time.monotonic()
    done = cli.run("dashboard", "--popup", "--demo", "-p", "claude", TERMINAL=str(term))
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    assert time.monotonic() - started < 5
    assert called(out) == [str(term), "-e", str(cli.SCRIPT), "dashboard", "--provider=claude", "--demo"]


def test_popup_without_any_terminal_says_how_to_get_one(tmp_path):
    done = cli.run("dashboard", "--popup", PATH=str(tmp_path), TERMINAL="")
    assert done.returncode == 1
    assert "no terminal found: set $TERMINAL (e.g. TERMINAL=foot), or install one of foot, kitty" in done.stderr


def test_dashboard_without_a_terminal_points_at_popup():
    done = cli.run("dashboard", "--demo")
    assert done.returncode == 1
    assert "the dashboard needs a terminal; from a bar, use `llmeter-bar dashboard --popup`" in done.stderr


@pytest.mark.parametrize("line", [b"3\n", b'{"name":"llmeter","button":3}\n', b',{"name":"llmeter","button":3}\n'])
def test_a_right_click_on_a_watchers_stdin_opens_the_dashboard_popup_and_refreshes_nothing(tmp_path, monkeypatch,
                                                                                          line):
    out = tmp_path / "argv"
    term = fake_terminal(tmp_path / "bin", "myterm", out)
    monkeypatch.setenv("TERMINAL", str(term))
    monkeypatch.setenv("PYTHONPATH", cli.env()["PYTHONPATH"])
    read, write = os.pipe()
    try:
        os.write(write, line)
        reader = ClickReader(read, "llmeter")
        assert reader.feed() == 0  # no refresh
    finally:
        os.close(read)
        os.close(write)
    argv = called(out)
    assert argv[0] == str(term) and argv[1] == "-e" and argv[-1] == "dashboard"


def test_accounts_lists_where_each_credential_comes_from_and_never_the_secret(write_config, monkeypatch):
    secret, env_secret = "sk-or-v1-stored-secret-value", "sk-ant-admin01-env-secret-value"
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", env_secret)
    credstore.put("openrouter", "work", {"api_key": secret})
    done = cli.run("accounts")
    assert done.returncode == 0, done.stderr
    store = credstore.path()
    assert done.stdout.splitlines()[:2] == [
        "* anthropic-api    Anthropic API  environment  environment variable ANTHROPIC_ADMIN_KEY",
        f"* openrouter:work  OpenRouter     login        llmeter-bar's credential store ({store})"
        "  [login: removable]",
    ]
    assert secret not in done.stdout + done.stderr and env_secret not in done.stdout + done.stderr


def test_accounts_with_nothing_found_says_how_to_log_in():
    done = cli.run("accounts")
    assert done.returncode == 0
    assert done.stdout.startswith("no accounts found: log in to Claude Code, Codex, Gemini CLI or Cursor")


def _right_click_command(host: str, name: str) -> str:
    """The shell command a bar runs on a right click, from the shipped file."""
    import re

    from support import hosts

    text = hosts.shipped(host, name)
    if host == "waybar":
        return re.search(r'"on-click-right": "([^"]+)"', text).group(1)  # type: ignore[union-attr]
    if host == "polybar":
        return re.search(r"^click-right = (.+)$", text, re.M).group(1)  # type: ignore[union-attr]
    command = re.search(r"^command=(.+)$", text, re.M).group(1)  # type: ignore[union-attr]
    return command.replace("; exec ", "; : ")  # i3blocks: the click part only, not the render


@pytest.mark.parametrize("host,name", [("waybar", "config.jsonc"), ("waybar", "config-watch.jsonc"),
                                       ("polybar", "module.ini"), ("polybar", "module-watch.ini"),
                                       ("i3blocks", "i3blocks.conf")])
def test_the_shipped_right_click_opens_the_dashboard_popup(tmp_path, host, name):
    import subprocess

    out = tmp_path / "argv"
    term = fake_terminal(tmp_path / "bin", "myterm", out)
    command = _right_click_command(host, name)
    done = subprocess.run(["sh", "-c", command], env=cli.env(TERMINAL=str(term), button="3"),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert called(out) == [str(term), "-e", str(cli.SCRIPT), "dashboard"]
