"""``dashboard --popup``: open the dashboard in a terminal window, from a bar's click.

A bar runs click commands without a terminal, so the dashboard needs one of
its own: ``$TERMINAL`` (the convention of i3-sensible-terminal and most
launchers; it may hold arguments), then Debian's ``x-terminal-emulator``, then
foot, kitty, alacritty and xterm. The terminal is started detached (its own
session, no inherited pipes), so the bar's click handler returns at once and
never waits on the window; the window closes when the dashboard quits.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass

FALLBACKS = ("x-terminal-emulator", "foot", "kitty", "alacritty", "xterm")
# How each terminal takes a command line: after these words. Most use -e.
RUN_WORDS: dict[str, tuple[str, ...]] = {
    "foot": (), "kitty": (), "gnome-terminal": ("--",), "kgx": ("--",), "wezterm": ("start", "--"),
    "ghostty": ("-e",),
}
TITLE = "llmeter-bar"


@dataclass(frozen=True, slots=True)
class Launch:
    argv: list[str]
    terminal: str  # the program found, for messages


def _title_words(name: str) -> tuple[str, ...]:
    """A window title or class, so a tiling window manager can float the popup by rule."""
    return {"foot": ("--app-id", TITLE), "kitty": ("--class", TITLE), "alacritty": ("--class", TITLE),
            "xterm": ("-class", TITLE, "-T", TITLE)}.get(name, ())


def terminal_argv(command: list[str], env: dict[str, str] | None = None) -> Launch | None:
    """The argv that opens ``command`` in the user's terminal; None when none is found."""
    env = os.environ if env is None else env
    path = env.get("PATH")
    candidates: list[list[str]] = []
    chosen = env.get("TERMINAL", "").strip()
    if chosen:
        try:
            candidates.append(shlex.split(chosen))
        except ValueError:
            pass
    candidates += [[name] for name in FALLBACKS]
    for words in candidates:
        if not words:
            continue
        found = shutil.which(words[0], path=path)
        if found is None:
            continue
        name = os.path.basename(os.path.realpath(found)) if words[0] == "x-terminal-emulator" else \
            os.path.basename(words[0])
        extra = _title_words(name)
        run = RUN_WORDS.get(name, ("-e",))
        return Launch([found, *words[1:], *extra, *run, *command], name)
    return None


def open_popup(command: list[str]) -> tuple[bool, str]:
    """Start the terminal detached; (started, message for stderr)."""
    launch = terminal_argv(command)
    if launch is None:
        return False, ("no terminal found: set $TERMINAL (e.g. TERMINAL=foot), or install one of "
                       + ", ".join(FALLBACKS[1:]))
    try:
        subprocess.Popen(launch.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    except OSError as exc:
        return False, f"could not start {launch.terminal}: {exc.strerror or exc}"
    return True, f"opened in {launch.terminal}"
