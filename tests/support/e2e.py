"""End-to-end helpers: an isolated environment built by hand (for fixtures wider
than one test), timed runs of the installed command, and what each host accepts.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from llmeter_bar import render
from support import allproviders, cli

BAR_FORMATS = sorted(name for name in render.FORMATS if render.load(name).bar) + ["plain"]
JSON_HOSTS = ("waybar", "i3blocks-json", "i3bar")
# Variables that would point the command at the real user's tools or change its output.
_SCRUB = ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_CLI_HOME", "NO_COLOR", "TMUX", "GITHUB_TOKEN", "GH_TOKEN",
          "CLAUDE_CODE_OAUTH_TOKEN", "GOOGLE_CLOUD_PROJECT", "OPENCODE_AUTH_COOKIE", *allproviders.ENV)


def isolated_env(root: Path, home: Path | None = None, **extra: str) -> dict[str, str]:
    """HOME (``root/home`` unless given), XDG and every llmeter-bar dir under ``root``,
    plus every provider's fake secret."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith("LLMETER_BAR_")}
    home = home or root / "home"
    env.update(
        HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local" / "state"), XDG_DATA_HOME=str(home / ".local" / "share"),
        LLMETER_BAR_CONFIG_DIR=str(root / "config"), LLMETER_BAR_CONFIG=str(root / "config" / "config.toml"),
        LLMETER_BAR_CACHE_DIR=str(root / "cache"), LLMETER_BAR_STATE_DIR=str(root / "state"),
        PYTHONPATH=str(cli.TESTS),
    )
    env.update(allproviders.ENV)
    env.update(extra)
    return env


@dataclass
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    elapsed: float
    peak_kb: int = 0  # peak resident set of the run itself

    def json(self) -> Any:
        return strict_json(self.stdout)


def run(*args: str, env: dict[str, str], timeout: float = 30, stdin: str | BinaryIO = "") -> Run:
    """Run the installed command; ``peak_kb`` is its own peak RSS, VmHWM sampled every
    5 ms until it exits. Neither RUSAGE_CHILDREN nor wait4 can tell it: a child forked
    from pytest starts its ru_maxrss at pytest's own high-water mark, kept across exec."""
    started = time.monotonic()
    # ``stdin`` is text to write, or an open binary file handed over as it is (/dev/zero).
    given = not isinstance(stdin, str)
    proc = subprocess.Popen([str(cli.SCRIPT), *args], stdin=stdin if given else subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    captured: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda n=n, s=s: captured.__setitem__(n, s.read()), daemon=True)
               for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    try:
        if isinstance(stdin, str):
            assert proc.stdin is not None
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
    except BrokenPipeError:
        pass
    peak = 0
    while True:
        pid, status = os.waitpid(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _high_water_kb(proc.pid))
        if time.monotonic() - started > timeout:
            proc.kill()
            proc.wait()
            raise subprocess.TimeoutExpired([str(cli.SCRIPT), *args], timeout)
        time.sleep(0.005)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    return Run(args, proc.returncode, captured.get("out", b"").decode(errors="replace"),
               captured.get("err", b"").decode(errors="replace"), time.monotonic() - started, peak)


def _high_water_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass  # gone, or a zombie without memory lines
    return 0


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str) -> Any:
    """Parse as a strict consumer would: NaN and Infinity are not JSON."""
    return json.loads(text, parse_constant=_no_constant)


_OWN_MARKUP = {
    # A chip ([format.tmux] background) pads its provider with a space on each side.
    "tmux": re.compile(r"#\[fg=#[0-9a-fA-F]{6},bg=#[0-9a-fA-F]{6}\] | #\[default\]|#\[fg=#[0-9a-fA-F]{6}(,dim)?\]"
                       r"|#\[default\]"),
    "polybar": re.compile(r"%\{F#[0-9a-fA-F]{6}\}|%\{F-\}"),
    "waybar": re.compile(r'<span color="#[0-9a-fA-F]{6}">|</span>'),
    "i3bar": re.compile(r"<span foreground='#[0-9a-fA-F]{6}'>|</span>"),  # Pango: one colour per provider
    "claude-code": re.compile(r"\x1b\[[0-9;]*m"),
}
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def host_text(fmt: str, run: Run) -> str:
    """Check ``run`` is exactly what host ``fmt`` accepts and return its visible text,
    with the renderer's own markup removed (so what is left came from the data)."""
    assert run.stderr == "", f"{fmt}: stderr {run.stderr!r}"
    assert run.returncode == 0, f"{fmt}: exit {run.returncode} {run.stdout!r}"
    assert run.stdout.endswith("\n"), f"{fmt}: {run.stdout!r}"
    lines = run.stdout[:-1].split("\n")
    if fmt == "i3blocks":
        assert 2 <= len(lines) <= 3, f"i3blocks wants full_text, short_text[, color]: {run.stdout!r}"
        text = lines[0] + " " + lines[1]
    else:
        assert len(lines) == 1, f"{fmt}: {len(lines)} lines: {run.stdout!r}"
        text = lines[0]
    if fmt in JSON_HOSTS:
        payload = strict_json(text)
        if fmt == "waybar":
            assert set(payload) >= {"text", "tooltip", "class"}
            # The tooltip's lines are separated by \r, as waybar asks; nothing else may hide there.
            tooltip = _OWN_MARKUP["waybar"].sub("", payload["tooltip"]).replace("\r", " ")
            assert not _CONTROLS.search(tooltip), f"waybar tooltip: control character in {tooltip!r}"
            assert "<" not in tooltip and ">" not in tooltip, f"waybar tooltip: Pango markup in {tooltip!r}"
            text = payload["text"]
        else:
            text = payload["full_text"] + " " + payload.get("short_text", "")
    assert text.strip(), f"{fmt}: an empty segment"
    bare = _OWN_MARKUP[fmt].sub("", text) if fmt in _OWN_MARKUP else text
    assert not _CONTROLS.search(bare), f"{fmt}: control character in {bare!r}"
    if fmt == "tmux":  # every '#' of provider text is doubled: no run of odd length
        assert all(len(m) % 2 == 0 for m in re.findall(r"#+", bare)), f"tmux: lone '#' in {bare!r}"
    if fmt == "polybar":
        assert "%{" not in bare, f"polybar: '%{{' in {bare!r}"
    if fmt in ("waybar", "i3bar"):
        assert "<" not in bare and ">" not in bare, f"{fmt}: Pango markup in {bare!r}"
    return bare


_PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)%")


def nonsense(text: str) -> list[str]:
    """Figures no bar should ever show: NaN, infinities, negative or >100 percent, negative money."""
    found = re.findall(r"(?i)\b(?:nan|inf|infinity)\b", text)
    found += [m for m in _PERCENT.findall(text) if float(m) < 0 or float(m) > 100]
    found += re.findall(r"-[$€£¥]\d", text)
    return found


def figures_sane(document: dict[str, Any]) -> list[str]:
    """Out-of-range numbers in a --format json document."""
    bad = []
    for provider in document["providers"]:
        for window in provider.get("windows") or []:
            pct = window["used_percent"]
            if not (isinstance(pct, (int, float)) and math.isfinite(pct) and 0 <= pct <= 100):
                bad.append(f"{provider['id']} {window['id']} used_percent {pct!r}")
        cost = provider.get("cost")
        if cost and not (math.isfinite(cost["used"]) and cost["used"] >= 0):
            bad.append(f"{provider['id']} cost.used {cost['used']!r}")
    return bad
