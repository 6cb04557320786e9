"""Which status-bar hosts are installed, and a hint for each setup that looks wrong.

Only files are read, except for tmux: its options are asked from a running
server (``show-options`` never starts one) with a short timeout.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from llmeter_bar.diagnose.checks import Check, Context, guarded
from llmeter_bar.providers.credfile import read_text_bounded
from llmeter_bar.diagnose.host_commands import (
    AREA, command_hints, mentions_us, self_path,
)

TMUX_TIMEOUT = 2.0
_JOB = re.compile(r"#\(([^)]*)\)")
_STYLE = re.compile(r"#\[[^\]]*\]")


def _tmux_option(exe: str, name: str) -> str | None:
    run = subprocess.run([exe, "show-options", "-gv", name], capture_output=True, text=True,
                         timeout=TMUX_TIMEOUT, stdin=subprocess.DEVNULL)
    return run.stdout.rstrip("\n") if run.returncode == 0 else None


def segment_width(ctx: Context) -> int:
    """Columns the tmux segment takes now (sample figures when nothing is cached yet)."""
    from llmeter_bar.store import state
    from llmeter_bar.demo import demo_results
    from llmeter_bar.render.base import RenderContext
    from llmeter_bar.render.tmux import TmuxRenderer

    results = [state.view(s, ctx.store.read(s.key) if ctx.store else None, ctx.now) for s in ctx.instances]
    if not any(r.windows or r.cost for r in results):
        results = demo_results([s.id for s in ctx.instances] or ["claude", "codex"], now=ctx.now)
    text = TmuxRenderer().render(results, RenderContext(now=ctx.now, config=ctx.config)).text
    return len(_STYLE.sub("", text).replace("##", "#"))


def tmux(ctx: Context, exe: str) -> list[Check]:
    try:
        length_right = _tmux_option(exe, "status-right-length")
    except subprocess.TimeoutExpired:
        return [Check(AREA, "tmux", "warn", f"{exe}: the tmux server did not answer within {TMUX_TIMEOUT:g} s")]
    if length_right is None:
        return [Check(AREA, "tmux", "ok", f"{exe} (no tmux server running: its options were not checked)")]
    checks: list[Check] = []
    used = False
    for side in ("right", "left"):
        value = _tmux_option(exe, f"status-{side}") or ""
        jobs = [job for job in _JOB.findall(value) if mentions_us(job)]
        if not jobs:
            continue
        used = True
        for job in jobs:
            checks += command_hints("tmux", f"status-{side}", job, ("tmux",))
        length = int((length_right if side == "right" else _tmux_option(exe, "status-left-length")) or 0)
        width = segment_width(ctx)
        need = width + len(_STYLE.sub("", _JOB.sub("", value)))
        if length < need:
            checks.append(Check(AREA, "tmux", "warn", f"status-{side}-length is {length} but status-{side} needs "
                                f"about {need} columns (the llmeter-bar segment alone is {width}): it gets cut",
                                f"set -g status-{side}-length {math.ceil(need / 10) * 10}"))
    if not used:
        checks.append(Check(AREA, "tmux", "ok", f"{exe} (server running; llmeter-bar is not in status-left/right)",
                            f"set -g status-right '#({self_path()} --format tmux) %H:%M'"))
    elif not checks:
        checks.append(Check(AREA, "tmux", "ok", f"{exe} (llmeter-bar in the status line, length fits)"))
    return checks


def claude(ctx: Context, exe: str) -> list[Check]:
    import json

    base = Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude").expanduser()
    settings = base / "settings.json"
    snippet = json.dumps({"statusLine": {"type": "command", "command": f"{self_path()} --format claude-code"}})
    try:
        text = read_text_bounded(settings)
        data = json.loads(text) if text is not None else {}
    except (OSError, ValueError, RecursionError) as exc:
        return [Check(AREA, "claude", "warn", f"{settings} is unreadable or not JSON: {exc}")]
    line = data.get("statusLine") if isinstance(data, dict) else None
    if line is None:
        return [Check(AREA, "claude", "warn", f"{settings} has no statusLine: Claude Code shows no limits",
                      f"add {snippet} (it also feeds Claude's limits to the cache for free)")]
    if not isinstance(line, dict) or line.get("type") != "command":
        return [Check(AREA, "claude", "warn", f"{settings}: statusLine must be an object with \"type\": \"command\"",
                      f"use {snippet}")]
    command = str(line.get("command") or "")
    if not mentions_us(command):
        return [Check(AREA, "claude", "ok", f"{settings}: statusLine runs another command",
                      "pipe its stdin into `llmeter-bar ingest claude-code` to feed Claude's limits for free")]
    checks = command_hints("claude", f"{settings} statusLine", command, ("claude-code",), path_check=False)
    return checks or [Check(AREA, "claude", "ok", f"{settings}: statusLine runs llmeter-bar")]


def checks(ctx: Context) -> list[Check]:
    from llmeter_bar.diagnose import host_files

    hosts: list[tuple[str, tuple[str, ...], Callable[[Context, str], list[Check]]]] = [
        ("tmux", ("tmux",), tmux),
        ("waybar", ("waybar",), host_files.waybar),
        ("polybar", ("polybar",), host_files.polybar),
        ("i3blocks", ("i3blocks",), host_files.i3blocks),
        ("i3bar/sway", ("swaybar", "i3bar", "sway", "i3"), host_files.i3bar),
        ("starship", ("starship",), host_files.starship),
        ("claude", ("claude",), claude),
    ]
    out: list[Check] = []
    for name, programs, checker in hosts:
        exe = next((found for p in programs if (found := shutil.which(p))), None)
        if exe is None:
            continue
        found = guarded(AREA, name, lambda c=checker, e=exe: c(ctx, e))
        out += found or [Check(AREA, name, "ok", exe)]
    if not out:
        names = ", ".join(name for name, _, _ in hosts)
        out.append(Check(AREA, "PATH", "ok", f"none of {names} found in PATH"))
    return out
