"""The two ends of a watcher: the lines it writes (with the i3bar protocol's
framing) and the things that wake it (signals, clicks, the bar going away).

Everything that can wake a watcher becomes readable on one poll(2) set:
signals through ``signal.set_wakeup_fd`` (a handler alone would not end the
sleep), clicks on stdin, and stdout, registered for no event at all so that
poll reports only its error states: POLLERR when the bar closed the pipe,
POLLHUP when a socket's peer or a terminal went away. A watcher therefore
leaves within moments of its bar, not at its next write.
"""

from __future__ import annotations

import json
import os
import select
import signal
from typing import IO, TYPE_CHECKING, Any

from llmeter_bar.live.clicks import ClickReader

if TYPE_CHECKING:
    from llmeter_bar.render.base import Rendered

I3BAR_HEADER = {"version": 1, "click_events": True}
URGENT = 33
GONE = select.POLLERR | select.POLLHUP | select.POLLNVAL


# Signals that came before the watcher's own handlers (see hold_signals).
EARLY: list[int] = []


def hold_signals() -> None:
    """Remember SIGUSR1/SIGUSR2 from the moment a watcher starts. The real
    handlers come after the imports and the first config read, and the default
    action of both is to end the process: a click or a writer's notice in that
    gap would kill the watcher."""
    for sig in (signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, lambda signum, frame: EARLY.append(signum))


class Output:
    """Writes a line only when it differs from the last (or when forced)."""

    def __init__(self, fmt: str, stream: IO[str]) -> None:
        self.fmt = fmt
        self.stream = stream
        self.closed = False
        self.last: str | None = None
        self.count = 0
        try:
            self.fd = stream.fileno()
            self.tty = stream.isatty()
        except (OSError, ValueError, AttributeError):
            self.fd, self.tty, self.closed = -1, False, True

    def start(self) -> None:
        if self.fmt == "i3bar":
            # The protocol header, then the opening of the infinite array of status lines.
            self._write(json.dumps(I3BAR_HEADER, separators=(",", ":")))
            self._write("[")

    def line(self, rendered: Rendered, *, force: bool = False) -> None:
        text = rendered.text
        if self.fmt == "i3blocks":
            text = text.split("\n", 1)[0]  # a persist block takes every line as full_text
        elif self.fmt == "i3blocks-json" and rendered.exit_code == URGENT:
            text = _with_urgent(text)  # no exit code in persist mode: say it in the block
        if text == self.last and not force:
            return
        self.last = text
        if self.fmt == "i3bar":
            text = ("," if self.count else "") + "[" + text + "]"
        self.count += 1
        self._write(text)

    def _write(self, text: str) -> None:
        if self.closed:
            return
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            self.closed = True

    def finish(self) -> None:
        """After the reader left, point stdout at /dev/null: Python's own flush at
        exit would otherwise print a BrokenPipeError on stderr."""
        if not self.closed or self.fd < 0:
            return
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.fd)
            os.close(devnull)
        except OSError:
            pass


def _with_urgent(text: str) -> str:
    try:
        block = json.loads(text)
        block["urgent"] = True
        return json.dumps(block, ensure_ascii=False, separators=(",", ":"))
    except (ValueError, TypeError):
        return text


class Waker:
    """poll(2) over the signal pipe, stdout's error state and (for bars that send
    clicks) stdin. ``wait`` returns "stop", "forced" (print even if unchanged),
    "changed" (re-read) or "" (timeout, or nothing the caller must act on)."""

    HANDLED = (signal.SIGUSR1, signal.SIGUSR2, signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

    def __init__(self, out_fd: int, stdin: IO[Any] | None, click_name: str | None) -> None:
        self.out_fd = out_fd
        self.poller = select.poll()
        self.reader: ClickReader | None = None
        if stdin is not None:
            try:
                self.reader = ClickReader(stdin.fileno(), click_name)
            except (OSError, ValueError, AttributeError):
                self.reader = None
        self.stop = False
        self.forced = False
        self.changed = False
        self.clicked = False
        self._pipe: tuple[int, int] | None = None
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        os.set_blocking(write_end, False)
        self._pipe = (read_end, write_end)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        for sig in self.HANDLED:
            self._previous[sig] = signal.signal(sig, self._on_signal)
            signal.siginterrupt(sig, False)  # restart the cache's system calls; poll is woken by the pipe
        while EARLY:
            self._on_signal(EARLY.pop(0), None)
            os.write(write_end, b"\0")  # so the first wait acts on it instead of sleeping
        self.poller.register(read_end, select.POLLIN)
        if self.out_fd >= 0:
            self.poller.register(self.out_fd, 0)
        if self.reader is not None:
            self.poller.register(self.reader.fd, select.POLLIN)

    def uninstall(self) -> None:
        if self._pipe is None:
            return
        signal.set_wakeup_fd(-1)
        for sig, previous in self._previous.items():
            signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
        for fd in self._pipe:
            os.close(fd)
        self._pipe = None

    def _on_signal(self, signum: int, frame: object) -> None:
        if signum == signal.SIGUSR1:
            # The user's "refresh now" (polybar: kill -USR1 %pid%): a click.
            self.clicked = self.forced = True
        elif signum == signal.SIGUSR2:
            self.changed = True  # a writer's notice (watchers.py): re-read, print if different
        elif signum != signal.SIGCHLD:
            self.stop = True  # SIGCHLD only needs to wake the loop, which then reaps

    def wait(self, timeout: float) -> str:
        try:
            events = self.poller.poll(timeout * 1000)
        except InterruptedError:
            events = []
        for fd, mask in events:
            if self._pipe is not None and fd == self._pipe[0]:
                self._drain(fd)
            elif fd == self.out_fd and mask & GONE:
                return "stop"
            elif self.reader is not None and fd == self.reader.fd:
                self._read_clicks(mask)
        if self.stop:
            return "stop"
        if self.forced:
            self.forced = False
            return "forced"
        if self.changed:
            self.changed = False
            return "changed"
        return ""

    def _read_clicks(self, mask: int) -> None:
        assert self.reader is not None
        if mask & select.POLLIN and self.reader.feed():
            self.clicked = True
        if not self.reader.open or (mask & GONE and not mask & select.POLLIN):
            # stdin ended or was never a pipe (/dev/null, a closed socket): stop
            # polling it rather than wake on its EOF forever. Clicks end, the bar does not.
            self.poller.unregister(self.reader.fd)
            self.reader = None

    @staticmethod
    def _drain(fd: int) -> None:
        try:
            while os.read(fd, 512):
                pass
        except OSError:
            pass
