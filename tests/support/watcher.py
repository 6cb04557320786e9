"""A running ``llmeter-bar --watch`` process, read line by line with timeouts."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from typing import Any

from support import cli

CLK_TCK = os.sysconf("SC_CLK_TCK")


class Watcher:
    def __init__(self, *args: str, stdin: bool = False, **env: str) -> None:
        self.proc = subprocess.Popen(
            [str(cli.SCRIPT), *args, "--watch"],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=cli.env(**env),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._stderr: str | None = None
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8").rstrip("\n"))
        self.lines.put(None)

    def next_line(self, timeout: float = 10.0) -> str:
        line = self.lines.get(timeout=timeout)
        if line is None:
            raise AssertionError(f"watcher ended: {self.stderr_text()}")
        self.seen.append(line)
        return line

    def until(self, predicate: Any, timeout: float = 10.0) -> str:
        """The first line (from now) that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching line within {timeout} s; saw {self.seen[-5:]}")
            try:
                line = self.next_line(left)
            except queue.Empty:
                continue
            if predicate(line):
                return line

    def quiet_for(self, seconds: float) -> list[str]:
        """Lines printed during the next ``seconds`` (expected: none)."""
        got: list[str] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            got.append(line)
        return got

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def signal(self, sig: int = signal.SIGUSR1) -> None:
        self.proc.send_signal(sig)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the watcher itself (not its children)."""
        return cpu_seconds(self.pid)

    def stderr_text(self) -> str:
        """Everything the watcher wrote on stderr (once it has ended)."""
        if self.proc.poll() is None:
            return "(still running)"
        if self._stderr is None:
            assert self.proc.stderr is not None
            self._stderr = self.proc.stderr.read().decode("utf-8", "replace")
        return self._stderr

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr_text()
        for stream in (self.proc.stdin, self.proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def stat_fields(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat", "rb") as handle:
        raw = handle.read()
    # Fields from 3 (state) on; the command name may hold spaces.
    return raw[raw.rfind(b")") + 2 :].decode().split()


def cpu_seconds(pid: int) -> float:
    fields = stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime: fields 14 and 15


def zombie_children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = stat_fields(int(entry))
        except OSError:
            continue
        if fields[1] == str(pid) and fields[0] == "Z":
            found.append(int(entry))
    return found
