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

Since codex-cli 0.15x each snapshot names its limit (``rate_limits.limit_id``):
``codex`` (or none, in older logs) is the account's main limit; others
(``codex_bengalfox``, a Spark model...) are one model's own limit, interleaved,
so the last line of a file may be a side model's. The account's figures come
from the newest *main* snapshot; side limits newer than it are added as side
windows (never the headline). ``plan_type``, ``credits`` and
``rate_limit_reached_type`` are read from the main snapshot too.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from llmeter_bar.models import ProviderResult, Window
from llmeter_bar.providers._parse import as_dict, parse_time, to_str
from llmeter_bar.providers.codex_parse import parse_block
from llmeter_bar.providers.codex_status import blocked_window, credits_of, reached_reason
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


MAIN_LIMIT = "codex"


def _snapshot(line: bytes, fallback_time: datetime) -> tuple[str, ProviderResult] | None:
    """(limit id, snapshot) of one log line, or None when it carries no rate limits."""
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
    limits = as_dict(payload.get("rate_limits"))
    limit_id = to_str(limits.get("limit_id")) or MAIN_LIMIT
    if limit_id != MAIN_LIMIT:
        name = to_str(limits.get("limit_name")) or limit_id
        slug = "".join(c if c.isalnum() or c in "._" else "-" for c in name.lower())
        windows = parse_block(limits, stamp, prefix=f"{slug}:", name=name, side=True)
        return (limit_id, _result(stamp, windows)) if windows else None
    windows = parse_block(limits, stamp)
    reason = reached_reason(limits.get("rate_limit_reached_type"))
    if reason is not None:
        windows.insert(0, blocked_window(reason))
    if not windows:
        return None
    plan = to_str(limits.get("plan_type"))
    return MAIN_LIMIT, _result(stamp, windows).with_(plan=plan.lower() if plan else None,
                                                    credits=credits_of(limits.get("credits")))


def _result(stamp: datetime, windows: list[Window]) -> ProviderResult:
    return ProviderResult(id="codex", name="Codex", kind="subscription", fetched_at=stamp, windows=windows,
                          source="log")


def _is_placeholder(result: ProviderResult) -> bool:
    return all(w.used_percent == 0 for w in result.windows if not w.side)


def _with_sides(main: ProviderResult, sides: dict[str, ProviderResult]) -> ProviderResult:
    extra = [w for side in sides.values() for w in side.windows]
    return main.with_(windows=main.windows + extra) if extra else main


def scan_file(path: Path, max_bytes: int = MAX_BYTES_PER_FILE) -> tuple[ProviderResult | None, bool]:
    """(newest main snapshot of one log with newer side limits, whether it is real
    rather than an all-zero placeholder)."""
    try:
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        placeholder = None
        sides: dict[str, ProviderResult] = {}
        for line in _lines_backwards(path, max_bytes):
            try:
                found = _snapshot(line.strip(), mtime)
            except Exception:
                continue  # e.g. duplicate windows: skip the line, keep looking
            if found is None:
                continue
            limit_id, snapshot = found
            if limit_id != MAIN_LIMIT:
                sides.setdefault(limit_id, snapshot)  # the newest of each side limit
                continue
            if not _is_placeholder(snapshot):
                return _with_sides(snapshot, sides), True
            placeholder = placeholder or _with_sides(snapshot, sides)
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

