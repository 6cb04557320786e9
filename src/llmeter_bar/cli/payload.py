"""Claude Code's status-line stdin, read on the output-cache hit path.

Claude Code runs the status-line command after every message with a session
JSON whose cost, duration and transcript fields change each time; the line we
print depends only on its ``rate_limits`` (stored as the claude record) and the
records. So the output cache is keyed by the raw text of that one member, found
by a small scanner rather than the ``json`` module (whose import alone costs a
render served from the cache more than the rest of it). Parsing proper happens
on a miss, in segment.py.
"""

from __future__ import annotations

import os

MAX_BYTES = 1 << 20  # a status-line payload is a few KB; more is not one
TIMEOUT = 0.3  # some Claude Code versions never close the status line's stdin
_KEY = b'"rate_limits"'


def read(fd: int, timeout: float = TIMEOUT, cap: int = MAX_BYTES) -> bytes | None:
    """All of stdin within ``timeout`` seconds in total and ``cap`` bytes; None for
    a terminal, an unreadable fd or an oversized payload."""
    import select
    import time

    try:
        if os.isatty(fd):
            return None
        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        size = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                return None
            chunks.append(chunk)
    except (OSError, ValueError):
        return None
    return b"".join(chunks)


def _string_end(data: bytes, start: int) -> int:
    """Index just past the JSON string opening at ``start``; -1 when unterminated."""
    i = start + 1
    while True:
        i = data.find(b'"', i)
        if i < 0:
            return -1
        slashes = 0
        while data[i - 1 - slashes] == 0x5C:  # backslash
            slashes += 1
        if slashes % 2 == 0:
            return i + 1
        i += 1


def rate_limits(data: bytes | None) -> bytes:
    """The raw text of the top-level ``rate_limits`` value (b"" when absent): the
    output cache key's part that comes from stdin. Scans strings correctly, so a
    path or message that happens to contain the word never counts."""
    if not data:
        return b""
    depth = 0
    i, n = 0, len(data)
    key_here = False
    while i < n:
        c = data[i]
        if c == 0x22:  # "
            end = _string_end(data, i)
            if end < 0:
                return b""
            key_here = depth == 1 and data[i:end] == _KEY
            i = end
            continue
        if c in (0x7B, 0x5B):  # { [
            depth += 1
        elif c in (0x7D, 0x5D):  # } ]
            depth -= 1
        elif c == 0x3A and key_here:  # the value of top-level "rate_limits"
            return _value(data, i + 1)
        elif c == 0x2C:  # ,
            key_here = False
        i += 1
    return b""


def _value(data: bytes, i: int) -> bytes:
    n = len(data)
    while i < n and data[i] in b" \t\r\n":
        i += 1
    start, depth = i, 0
    while i < n:
        c = data[i]
        if c == 0x22:
            end = _string_end(data, i)
            if end < 0:
                return b""
            i = end
            if depth == 0:
                return data[start:i]
            continue
        if c in (0x7B, 0x5B):
            depth += 1
        elif c in (0x7D, 0x5D):
            if depth == 0:
                return data[start:i].rstrip()
            depth -= 1
            if depth == 0:
                return data[start:i + 1]
        elif c == 0x2C and depth == 0:
            return data[start:i].rstrip()
        i += 1
    return b""
