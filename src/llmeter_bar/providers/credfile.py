"""Reading a file another program owns (or the config): read-only, non-blocking,
regular files only, size-capped, with errors that say what to do.

Every such read in the code base goes through :func:`read_bounded` (or
:func:`open_regular` for readers with their own byte budget, such as the Codex
logs): a FIFO, a device or a symlink to ``/dev/zero`` at a credential path must
cost a render one ``open`` and one ``fstat``, never a wait or gigabytes.
Imports only errors, models and _parse (no provider module), so config.py, store/ and diagnose/ use it too.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from llmeter_bar.errors import FetchError
from llmeter_bar.models import utcnow
from llmeter_bar.providers._parse import humanize_age

MAX_BYTES = 1024 * 1024  # a real credential file is under 1 KB, a config a few KB; refuse to slurp junk
_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}


class Unreadable(OSError):
    """A file that exists but is refused: not a regular file, or over the size cap.
    An OSError, so ``except OSError`` handlers report it with ``exc.strerror``."""


def open_regular(path: Path | str) -> IO[bytes]:
    """``path`` opened for binary reading without blocking, only if it is a regular
    file; raises FileNotFoundError, Unreadable or another OSError."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
            raise Unreadable(errno.EINVAL, f"{kind}, not a regular file", str(path))
        os.set_blocking(fd, True)  # a regular file never blocks; plain reads from here on
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: Path | str, limit: int = MAX_BYTES) -> bytes | None:
    """The whole of a regular file of at most ``limit`` bytes; None when it does not
    exist. Raises Unreadable (non-regular or too large) or another OSError."""
    try:
        handle = open_regular(path)
    except FileNotFoundError:
        return None
    with handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise Unreadable(errno.EFBIG, f"larger than {_size(limit)}, not read", str(path))
    return raw


def read_text_bounded(path: Path | str, limit: int = MAX_BYTES, errors: str = "strict") -> str | None:
    """:func:`read_bounded` decoded as UTF-8 (a leading BOM dropped); None when missing.
    With ``errors="strict"`` undecodable bytes raise UnicodeDecodeError (a ValueError)."""
    raw = read_bounded(path, limit)
    return None if raw is None else raw.decode("utf-8-sig", errors)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"


def read_json_object(path: Path, renew_hint: str) -> dict[str, Any] | None:
    """The file's JSON object; None when the file does not exist.

    Opened for reading only: these files belong to Claude Code or Codex, whose
    refresh tokens are single-use, so we never write them.
    """
    try:
        raw = read_bounded(path)
    except OSError as exc:
        raise FetchError("auth", f"cannot read {path}: {exc.strerror or exc}") from None
    if raw is None:
        return None
    try:
        data: Any = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise FetchError("auth", f"{path} is empty or not JSON; {renew_hint}")
    return data


def login_detail(expires_at: datetime | None, plan: str | None) -> str:
    """What `providers` and `doctor` say about a found login: expiry and plan."""
    details = []
    if expires_at is not None:
        delta = (expires_at - utcnow()).total_seconds()
        age = humanize_age(delta)
        details.append(f"expires in {age}" if delta > 0 else f"expired {age} ago")
    if plan:
        details.append(f"plan {plan}")
    return ", ".join(details)


def refuse_expired(expires_at: datetime | None, now: datetime, owner: str, renew_hint: str) -> None:
    """An expired token is an auth error, never a refresh: the owner's refresh
    token is single-use, and burning it would log the user out of ``owner``."""
    if expires_at is not None and expires_at <= now:
        age = humanize_age((now - expires_at).total_seconds())
        raise FetchError("auth", f"{owner}'s login expired {age} ago; {renew_hint}")
