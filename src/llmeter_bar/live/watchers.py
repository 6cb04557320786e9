"""Running ``--watch`` processes, and how a writer tells them to re-read the cache.

Why pid files plus a signal: a signal wakes a sleeping watcher at once with no
socket, no server and no extra process; the pid file is the only registry it
needs. SIGUSR2 means "the cache changed, re-read it"; SIGUSR1 is kept for the
user's "refresh now" (polybar's ``kill -USR1 %pid%``), which starts a fetch, so
a writer's notice can never start another fetch. Both signals' default action
kills a process, so a pid that the kernel has
since given to some other program must never be signalled: each file holds the
pid *and* the process start time from /proc/PID/stat, and ``notify`` signals
only when both still match. Where /proc does not exist (macOS), nothing is
signalled and watchers notice a change through the cache's generation counter,
which they check every few seconds anyway.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from llmeter_bar import paths
from llmeter_bar.providers.credfile import read_text_bounded

SIGNAL = signal.SIGUSR2


def directory() -> Path:
    return paths.state_dir() / "watchers"


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot; None when unknown or gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = raw[raw.rfind(b")") + 2 :].split()
    try:
        return fields[19].decode()  # field 22 of the whole line
    except IndexError:
        return None


def register() -> Path | None:
    """Announce this process as a watcher; the file to remove on exit, or None."""
    pid = os.getpid()
    started = start_time(pid)
    if started is None:
        return None  # no /proc: the generation counter is the only channel
    folder = directory()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / str(pid)
        tmp = folder / f".{pid}.tmp"
        tmp.write_text(f"{pid} {started}\n")
        os.replace(tmp, path)  # a notifier never reads a half-written file
    except OSError:
        return None
    return path


def unregister(path: Path | None) -> None:
    if path is not None:
        try:
            path.unlink()
        except OSError:
            pass


def notify() -> int:
    """Ask every live watcher to re-read the cache now; the number signalled.

    Called after a record was written and committed (never inside the cache
    transaction: a woken watcher would read the old state). Never raises.
    """
    try:
        entries = list(directory().iterdir())
    except OSError:
        return 0
    me = os.getpid()
    sent = 0
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            pid_text, started = (read_text_bounded(entry, 256) or "").split()
            pid = int(pid_text)
        except (OSError, ValueError):
            continue
        if pid == me:
            continue
        if start_time(pid) != started:
            _forget(entry)  # the watcher is gone (or its pid now belongs to someone else)
            continue
        try:
            os.kill(pid, SIGNAL)
            sent += 1
        except ProcessLookupError:
            _forget(entry)
        except OSError:
            pass
    return sent


def _forget(entry: Path) -> None:
    try:
        entry.unlink()
    except OSError:
        pass
