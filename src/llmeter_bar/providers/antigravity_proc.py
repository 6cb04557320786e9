"""Finding the running Antigravity language server through /proc (Linux).

The server is started by the Antigravity app (or the ``agy`` CLI) with
``--csrf_token <token>`` and ``--extension_server_port <port>`` in its command
line and listens on a few loopback ports of its own. The token is a secret: it
is registered for redaction the moment it is read, never logged, never
returned in anything but :class:`Server`, and never cached.

Only processes of the current user are considered, and among them only those
whose HOME is ours (a test's fake server, or another user session's app, is
not this user's Antigravity). Reads are bounded; nothing is ever written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from llmeter_bar import logs

PROC = Path("/proc")
MAX_CMDLINE = 64 * 1024
MAX_ENVIRON = 256 * 1024
MAX_NET = 4 * 1024 * 1024
MAX_FDS = 4096  # a language server holds a few hundred descriptors


@dataclass(frozen=True)
class Server:
    pid: int
    token: str = field(repr=False)
    ports: tuple[int, ...]  # loopback ports the process listens on (TCP, v4 or v6)
    extension_port: int | None


def _read(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as handle:  # procfs files: regular, never blocking
            return handle.read(limit)
    except OSError:
        return b""


def _flag(argv: list[str], name: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(name + "="):
            return arg[len(name) + 1 :]
    return None


def is_antigravity(argv: list[str]) -> bool:
    """The Codeium language server as Antigravity runs it (Windsurf runs the same binary)."""
    head = [os.path.basename(a).replace("-", "_") for a in argv[:2]]
    if not any(h.startswith("language_server") for h in head) or not _flag(argv, "--csrf_token"):
        return False
    marked = "antigravity" in (_flag(argv, "--app_data_dir"), _flag(argv, "--override_ide_name"))
    return marked or any("antigravity" in a.lower() for a in argv[:2])


def _home_matches(pid: str) -> bool:
    mine = os.environ.get("HOME")
    raw = _read(PROC / pid / "environ", MAX_ENVIRON)
    for entry in raw.split(b"\0"):
        if entry.startswith(b"HOME="):
            return mine is None or entry[5:].decode("utf-8", "replace") == mine
    return True  # unreadable or no HOME: nothing says it is someone else's


def _listening_inodes() -> dict[str, int]:
    """socket inode -> port, for every TCP socket in LISTEN state on this host."""
    found: dict[str, int] = {}
    for name in ("tcp", "tcp6"):
        for line in _read(PROC / "net" / name, MAX_NET).decode("ascii", "replace").splitlines()[1:]:
            parts = line.split()
            if len(parts) > 9 and parts[3] == "0A":
                found[parts[9]] = int(parts[1].rsplit(":", 1)[1], 16)
    return found


def _ports(pid: str) -> tuple[int, ...]:
    listening = _listening_inodes()
    ports: set[int] = set()
    try:
        with os.scandir(PROC / pid / "fd") as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_FDS:
                    break
                try:
                    target = os.readlink(entry.path)
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in listening:
                    ports.add(listening[target[8:-1]])
    except OSError:
        return ()
    return tuple(sorted(ports))


def find() -> Server | None:
    """The newest matching language server of this user, or None when none runs."""
    if not PROC.is_dir():
        return None
    uid = os.getuid()
    best: tuple[float, str, list[str]] | None = None
    try:
        pids = [e.name for e in os.scandir(PROC) if e.name.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            info = os.stat(PROC / pid)
        except OSError:
            continue
        if info.st_uid != uid:
            continue
        argv = [a.decode("utf-8", "replace") for a in _read(PROC / pid / "cmdline", MAX_CMDLINE).split(b"\0") if a]
        if not is_antigravity(argv) or not _home_matches(pid):
            continue
        if best is None or info.st_mtime > best[0]:
            best = (info.st_mtime, pid, argv)
    if best is None:
        return None
    _, pid, argv = best
    token = _flag(argv, "--csrf_token") or ""
    if token:
        logs.register_secret(token)
    port = _flag(argv, "--extension_server_port")
    return Server(int(pid), token, _ports(pid), int(port) if port and port.isdigit() else None)
