"""What doctor says about one llmeter-bar command line found in a host's config:
the format it runs, whether its path resolves where the host looks, and whether a
one-shot command sits in a slot that expects a stream (or the reverse). Shared by
the host checks that ask a program (hosts.py) and those that read files (host_files.py).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from llmeter_bar.diagnose.checks import Check

AREA = "hosts"
MINIMAL_PATH = "/usr/local/bin:/usr/bin:/bin"  # what a bar started by the session or systemd may have
SUBCOMMANDS = {"ingest", "refresh", "doctor", "providers", "cache", "config", "login", "logout", "history"}


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def self_path() -> str:
    """The absolute path of this llmeter-bar, for the snippets doctor suggests."""
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.isabs(argv0) and os.path.basename(argv0) == "llmeter-bar":
        return argv0
    return shutil.which("llmeter-bar") or "/path/to/llmeter-bar"


def mentions_us(text: object) -> bool:
    return isinstance(text, str) and ("llmeter-bar" in text or "llmeter_bar" in text)


def _tokens(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def format_of(args: list[str]) -> str:
    for i, arg in enumerate(args):
        if arg in ("--format", "-f") and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--format="):
            return arg.partition("=")[2]
        if arg.startswith("-f") and len(arg) > 2:
            return arg[2:]
    return "plain"


def command_hints(host: str, where: str, command: str, wanted: tuple[str, ...], *,
                  path_check: bool = True) -> list[Check]:
    """Hints about one llmeter-bar command line found in a host's config."""
    args = _tokens(command)
    at = next((i for i, a in enumerate(args) if mentions_us(os.path.basename(a))), None)
    if at is None:
        return []
    rest = args[at + 1:]
    checks: list[Check] = []
    fmt = format_of(rest)
    if not (set(rest) & SUBCOMMANDS) and fmt not in wanted:
        checks.append(Check(AREA, host, "warn", f"{where}: runs --format {fmt}",
                            f"{host} wants --format {wanted[0]}: other formats show markup as text or lose colours"))
    if path_check and args[at] == "llmeter-bar" and shutil.which("llmeter-bar", path=MINIMAL_PATH) is None:
        checks.append(Check(AREA, host, "warn", f"{where}: a bare `llmeter-bar` is looked up in the PATH "
                            f"{host} runs with, "
                            "which may not be your shell's", f"use the absolute path {self_path()}"))
    return checks


def watch_hints(host: str, where: str, command: str, persistent: bool, setting: str) -> list[Check]:
    """A one-shot command in a slot that expects a stream spins; a stream in a one-shot slot never shows."""
    watching = "--watch" in _tokens(command)
    if persistent and not watching:
        return [Check(AREA, host, "warn", f"{where}: {setting} expects a long-running command, but llmeter-bar "
                      "prints once and exits", f"add --watch, or drop {setting}")]
    if watching and not persistent:
        return [Check(AREA, host, "warn", f"{where}: --watch never exits, but the command is run as a one-shot",
                      f"use {setting}, or drop --watch")]
    return []
