"""Finding this test's own llmeter-bar processes through /proc (other tests and
other users may run theirs at the same time)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def refreshers(cache_dir: Path) -> dict[int, list[str]]:
    """pid -> argv of every background ``_refresh`` process working on ``cache_dir``."""
    found = {}
    marker = f"LLMETER_BAR_CACHE_DIR={cache_dir}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        argv = _read(entry / "cmdline").split(b"\0")
        if b"_refresh" not in argv:
            continue
        if marker not in _read(entry / "environ").split(b"\0"):
            continue
        found[int(entry.name)] = [a.decode("utf-8", "replace") for a in argv if a]
    return found


def niceness(pid: int) -> int:
    """The nice value of a process (0 when it is gone)."""
    stat = _read(Path(f"/proc/{pid}/stat")).decode(errors="replace")
    fields = stat.rpartition(")")[2].split()
    return int(fields[16]) if len(fields) > 16 else 0


def reap(pids: list[int], timeout: float = 5.0) -> None:
    """Kill processes this test started (by pid) and wait until they are gone."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in pids):
        time.sleep(0.05)


def _zombie(pid: int) -> bool:
    stat = _read(Path(f"/proc/{pid}/stat")).decode(errors="replace")
    return ") Z " in stat
