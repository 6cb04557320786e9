"""Clicks a bar hands to a persistent llmeter-bar on stdin, and what a click does.

i3bar/swaybar write an infinite JSON array of click objects (``[`` on the first
line, later objects prefixed with ``,``); i3blocks writes one line per click to
a ``persist`` block: the button number (raw blocks) or the block's variables as
one JSON object (``format=json``). Anything that does not parse is ignored: a
bar must never be able to stop the watcher with a stray byte.

A right click (button 3) opens the dashboard in a terminal window; any other
click asks for a fetch now, exactly like ``llmeter-bar refresh``: the
interval is skipped, a 429 not-before time never is, and a fetch another
process is already running is not started twice.
"""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmeter_bar.store.cache import Store
    from llmeter_bar.config import Config

SCROLL = {4, 5, 6, 7}  # wheel and tilt: too easy to trigger by accident
DASHBOARD = 3  # a right click opens the dashboard instead of refreshing
MAX_LINE = 65536
MAX_BUTTON_DIGITS = 3  # X11 buttons are 1-255


def button(line: bytes, name: str | None = None) -> int | None:
    """The button of one stdin line's click (0 when a click names none); None when
    the line is no click of ours. With ``name``, a JSON click for another block (a
    wrapper passing events on) is not ours. Never raises: 5000 digits (int()
    refuses them) or JSON nested past the recursion limit are just no click."""
    try:
        return _button(line, name)
    except (ValueError, RecursionError, TypeError):
        return None


def _button(line: bytes, name: str | None) -> int | None:
    text = line.strip().lstrip(b"[,").strip()
    if not text or text == b"]":
        return None
    if text.isdigit():
        return int(text) if len(text) <= MAX_BUTTON_DIGITS else None
    try:
        event = json.loads(text)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    if name is not None and event.get("name") not in (None, name):
        return None
    pressed = event.get("button")
    if isinstance(pressed, str) and pressed.isdigit() and len(pressed) <= MAX_BUTTON_DIGITS:
        pressed = int(pressed)  # i3blocks hands its variables over as strings
    if isinstance(pressed, str):
        return None  # a button that is no number of ours: not a click we understand
    return pressed if isinstance(pressed, int) and not isinstance(pressed, bool) else 0


def is_click(line: bytes, name: str | None = None) -> bool:
    """Whether one stdin line is a click that should refresh (not a scroll, not the dashboard's)."""
    pressed = button(line, name)
    return pressed is not None and pressed not in SCROLL and pressed != DASHBOARD


def open_dashboard() -> None:
    """A right click: the dashboard in a terminal window (``dashboard --popup``), detached."""
    import subprocess
    import sys

    try:
        subprocess.Popen([sys.executable, "-m", "llmeter_bar", "dashboard", "--popup"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                         close_fds=True)
    except OSError:
        pass  # a watcher never stops over a click


class ClickReader:
    """Non-blocking line reader on a readable fd; call ``feed`` when poll says so."""

    def __init__(self, fd: int, name: str | None = None) -> None:
        self.fd = fd
        self.name = name
        self.open = True
        self._buffer = b""

    def feed(self) -> int:
        """Read what is there; the number of clicks in the complete lines read."""
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            return 0
        except OSError:
            chunk = b""
        if not chunk:
            self.open = False  # EOF (or /dev/null): stop watching stdin, never spin on it
            return 0
        *lines, self._buffer = (self._buffer + chunk).split(b"\n")
        if len(self._buffer) > MAX_LINE:
            self._buffer = b""
        if any(button(line, self.name) == DASHBOARD for line in lines):
            open_dashboard()
        return sum(1 for line in lines if is_click(line, self.name))


def request_refresh(config: Config, store: Store, wanted: list[str]) -> list[str]:
    """Start one detached fetch of every shown provider that may be fetched on
    demand now; the keys handed to it. The caller's next render shows the
    figures once the refresher has recorded them (it notifies the watchers)."""
    from llmeter_bar.fetch import engine
    from llmeter_bar.fetch import refresh

    now = time.time()
    locked: list[tuple[str, str]] = []
    for settings in engine.select(config, store, wanted):
        # On demand skips the interval, never a 429 not-before time; a fetch
        # already running is not doubled (its result will be shown).
        token = refresh.claim(store, settings, now, on_demand=True)
        if token is not None:
            locked.append((settings.key, token))
    if not refresh.start(store, locked):
        return []
    return [key for key, _ in locked]
