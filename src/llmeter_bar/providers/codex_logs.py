"""Codex rate limits from Codex CLI's own session logs: zero network, zero tokens.

Codex appends ``event_msg`` lines of type ``token_count`` to
``$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl``; since late 2025 they carry
a ``rate_limits`` snapshot (``primary``/``secondary`` with ``used_percent``,
``window_minutes`` and either ``resets_at`` epoch seconds or, in older builds,
``resets_in_seconds`` relative to the line's own ``timestamp``).

Logs grow to tens of megabytes, and this runs on a status bar's schedule, so
only the newest few files (by mtime) are read, each backwards from its end in
blocks, up to a byte budget. All-zero snapshots (written before the first
answer of a session) are kept only as a last resort: a real snapshot found
within the budget wins over them.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from llmeter_bar.models import ProviderResult
from llmeter_bar.providers._parse import as_dict, parse_time
from llmeter_bar.providers.codex_parse import parse_block
from llmeter_bar.providers.credfile import open_regular

BLOCK = 64 * 1024
MAX_BYTES_PER_FILE = 4 * 1024 * 1024
MAX_FILES = 3
# Counted by tests to prove big logs are read from the end, not whole.
bytes_read = 0


def _lines_backwards(path: Path, max_bytes: int) -> Iterator[bytes]:
    """Complete lines of ``path``, last first, reading at most ``max_bytes``."""
    global bytes_read
    with open_regular(path) as handle:  # a FIFO named rollout-*.jsonl must not block a render
        position = handle.seek(0, os.SEEK_END)
        budget = max_bytes
        tail = b""
        while position > 0 and budget > 0:
            size = min(BLOCK, position, budget)
            position -= size
            handle.seek(position)
            chunk = handle.read(size)
            bytes_read += len(chunk)
            budget -= len(chunk)
            parts = (chunk + tail).split(b"\n")
            # The first part may be a line cut by the block boundary: keep it.
            tail = parts[0]
            yield from reversed(parts[1:])
        if position == 0 and tail:
            yield tail


def _snapshot(line: bytes, fallback_time: datetime) -> ProviderResult | None:
    # Cheap filter first: most lines are messages, not rate-limit events.
    if b"token_count" not in line or b"rate_limits" not in line:
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None  # a line still being written, or a truncated one
    payload = as_dict(as_dict(record).get("payload"))
    if payload.get("type") != "token_count":
        return None
    stamp = parse_time(record.get("timestamp")) or fallback_time
    windows = parse_block(payload.get("rate_limits"), stamp)
    if not windows:
        return None
    return ProviderResult(
        id="codex", name="Codex", kind="subscription", fetched_at=stamp, windows=windows, source="log"
    )


def _is_placeholder(result: ProviderResult) -> bool:
    return all(w.used_percent == 0 for w in result.windows)


def scan_file(path: Path, max_bytes: int = MAX_BYTES_PER_FILE) -> tuple[ProviderResult | None, bool]:
    """(newest snapshot of one log, whether it is real rather than an all-zero placeholder)."""
    try:
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        placeholder = None
        for line in _lines_backwards(path, max_bytes):
            try:
                found = _snapshot(line.strip(), mtime)
            except Exception:
                continue  # e.g. duplicate windows: skip the line, keep looking
            if found is None:
                continue
            if not _is_placeholder(found):
                return found, True
            placeholder = placeholder or found
        return placeholder, False
    except OSError:
        return None, False


def _log_files(codex_home: Path) -> list[Path]:
    files: list[tuple[float, Path]] = []
    for path in (codex_home / "sessions").rglob("*.jsonl"):
        try:
            files.append((path.stat().st_mtime, path))
        except OSError:
            continue
    files.sort(reverse=True)
    return [path for _, path in files[:MAX_FILES]]


def newest_snapshot(codex_home: Path | str, now: datetime | None = None) -> ProviderResult | None:
    """The newest rate-limit snapshot in Codex's session logs, or None.

    ``fetched_at`` is the snapshot line's timestamp (so callers can judge its
    age against ``now``), ``source`` is ``"log"``. Snapshots dated in the
    future relative to ``now`` (clock skew) are clamped to ``now``.
    """
    fallback: ProviderResult | None = None
    for path in _log_files(Path(codex_home)):
        found, real = scan_file(path)
        if found is None:
            continue
        if now is not None and found.fetched_at is not None and found.fetched_at > now:
            found = found.with_(fetched_at=now)
        if real:
            return found
        fallback = fallback or found
    return fallback


def snapshot_age(result: ProviderResult, now: datetime) -> float:
    age = result.age_seconds(now)
    return float("inf") if age is None else age

