"""The rendered line itself, cached: most renders only open the cache and print.

Bars ask for the same segment many times a minute (tmux per client, waybar per
monitor, starship per prompt) and the line changes only when a record changes,
a countdown ticks over a minute, or something becomes due or stale. So a render
stores its output under a key made of its argv, the config file's identity, the
environment that changes output, and a generation number every record write
bumps (read before the records, see ``generation``); it stays valid until the
next minute boundary or the next moment a provider becomes due, stale or reset,
whichever is first. A hit needs neither the config parser, the models, the
renderer nor diskcache itself.
"""

from __future__ import annotations

import os
import sys

from llmeter_bar import paths

TYPE_CHECKING = False  # typing costs a cache hit ~4 ms
if TYPE_CHECKING:
    import sqlite3

GENERATION = "meta:generation"
MAX_VALID = 60.0  # one slice: countdowns show minutes at most
AHEAD = 10  # later minutes rendered in advance (about 0.3 ms each)

# diskcache's own layout (diskcache.core): a str key is stored as is with raw=1;
# a short str or an int value is stored inline with mode MODE_RAW (1). Reading
# it here spares a cache hit diskcache's import and its open, which rewrites
# the settings table each time (a write transaction per render). Anything else
# (another layout, a value kept in a file, an error) is a miss: the slow path
# then opens the cache through diskcache as usual.
_SELECT = ("SELECT value FROM Cache WHERE key = ? AND raw = 1 AND mode = 1"
           " AND (expire_time IS NULL OR expire_time > ?)")
# A line of 32768 characters or more (a bar with a hundred accounts) is kept by
# diskcache in a UTF-8 file of its own (MODE_TEXT, 3) named in the row: read it
# there rather than render every time.
_SELECT_LINE = ("SELECT mode, value, filename FROM Cache WHERE key = ? AND raw = 1 AND mode IN (1, 3)"
                " AND (expire_time IS NULL OR expire_time > ?)")
# The one write: an inline text value replaced by another, as diskcache's own
# set would store it (no file, no size change, same expiry).
_TAKE = "UPDATE Cache SET value = ? WHERE key = ? AND raw = 1 AND mode = 1 AND value = ?"
TURN = 30.0  # after a render took its turn to start a refresh, the next may try
INLINE_LIMIT = 30_000  # characters: diskcache inlines a str shorter than disk_min_file_size (32768)


def key(argv: list[str], generation: int, tty: bool) -> str:
    config = paths.config_file_str()
    try:
        st = os.stat(config)
        identity = f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"
    except OSError:
        identity = "absent"
    # "markup": i3blocks exports the block's markup=pango to its command (render/i3blocks.py).
    env = "|".join(os.environ.get(name, "") for name in ("NO_COLOR", "TZ", "LLMETER_BAR_DEBUG", "markup"))
    return "\x1f".join(["out", str(generation), config, identity, env, str(int(tty)), *argv])


def lookup(argv: list[str]) -> int | None:
    """Print a cached segment and return its exit code; None on a miss."""
    import time

    try:
        # Inside the try: with no HOME and no XDG dir, platformdirs raises here,
        # and a hit path that fails must fall through to the slow path, not crash.
        database = os.path.join(paths.cache_dir_str(), "cache.db")
        if not os.path.isfile(database):
            return None  # connecting would create it
        import sqlite3

        # A short wait: under a lock held elsewhere the slow path shows a marker at once.
        db = sqlite3.connect(database, timeout=0.25, isolation_level=None)
        try:
            now = time.time()
            row = db.execute(_SELECT, (GENERATION, now)).fetchone()
            generation = int(row[0]) if row else 0
            name = key(argv, generation, sys.stdout.isatty())
            row = db.execute(_SELECT_LINE, (name, now)).fetchone()
            in_file = row is not None and row[0] == 3
            if in_file:
                value = _read_file(os.path.dirname(database), row[2])
            else:
                value = row[1] if row is not None and isinstance(row[1], str) else ""
            found = _pick(value, now)
            # Only an inline entry can be taken in turn (see _take_turn): when a
            # long line's provider is due, the slow path decides who refreshes.
            if found is not None and found[0] <= now and (in_file or _take_turn(db, name, value, now)):
                return None  # this render starts the refresh, through the slow path
        finally:
            db.close()
    except Exception:
        return None
    if found is None:
        return None
    _, code, text = found
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass
    return code


def _read_file(directory: str, filename: object) -> str:
    if not isinstance(filename, str) or os.path.isabs(filename) or ".." in filename.split(os.sep):
        return ""
    try:
        # newline="": waybar's tooltip separates lines with \r, which must survive.
        with open(os.path.join(directory, filename), encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, ValueError):
        return ""


def _take_turn(db: sqlite3.Connection, name: str, value: str, now: float) -> bool:
    """A provider became due: the line is still right, but one render must
    start the refresh. The one that moves the entry's due time on, atomically
    in diskcache's own row, is that render; every other prints the line."""
    body = value.partition("\n")[2]
    later = f"due {now + TURN!r}\n{body}"
    try:
        db.execute("PRAGMA busy_timeout = 250")
        done = db.execute(_TAKE, (later, name, value))
    except Exception:
        return False  # busy or read-only: print the line; a later render tries again
    return done.rowcount == 1


def _pick(value: str, now: float) -> tuple[float, int, str] | None:
    """The entry's due time, and the line of the slice holding ``now`` (see encode)."""
    try:
        newline = value.index("\n")
        label, due = value[:newline].split(" ")
        pos = newline + 1 if label == "due" else len(value)
        while pos < len(value):
            newline = value.index("\n", pos)
            start, end, code, size = value[pos:newline].split(" ")
            pos = newline + 1 + int(size)
            if float(start) <= now < float(end):
                return float(due), int(code), value[newline + 1:pos]
    except ValueError:
        pass  # not written by this version: a miss
    return None


def slices(now: float, valid_for: float) -> list[tuple[float, float]]:
    """The spans a line rendered now, and one rendered at each later minute
    start, stay right for: countdowns change at most once a minute, so a render
    also writes the next few minutes' lines and the renders of those minutes
    are hits instead of each paying for the full import and render."""
    end = now + valid_for
    spans: list[tuple[float, float]] = []
    start, boundary = now, (now // MAX_VALID + 1) * MAX_VALID
    while start < end and len(spans) <= AHEAD:
        spans.append((start, min(boundary, end)))
        start, boundary = boundary, boundary + MAX_VALID
    return spans


def encode(lines: list[tuple[float, float, int, str]], due: float) -> str:
    """``due TIME\\n``, then for each slice ``start end code length\\n`` and the
    text (which may hold anything)."""
    body = "".join(f"{start!r} {end!r} {code} {len(text)}\n{text}" for start, end, code, text in lines)
    return f"due {due!r}\n{body}"


def generation(store: object) -> int | None:
    """The generation to file a segment under: read before its records are, so
    a write landing mid-render leaves the segment under an outdated generation
    instead of serving old figures as current."""
    try:
        return int(store.cache.get(GENERATION, 0))  # type: ignore[attr-defined]
    except Exception:
        return None


def remember(store: object, argv: list[str], lines: list[tuple[float, float, int, str]], tty: bool,
             generation: int, due: float) -> None:
    """Store freshly rendered lines (from ``slices``) until the last one ends;
    the first render from ``due`` on starts the refresh (see _take_turn)."""
    import time

    # diskcache keeps a str of under 32768 characters in its table; a longer one
    # in a file of its own (lookup reads both). Fewer minutes ahead keeps a
    # long-ish line inline, where a due render can take its turn atomically.
    while len(lines) > 1 and len(encode(lines, due)) >= INLINE_LIMIT and len(encode(lines[:1], due)) < INLINE_LIMIT:
        lines = lines[:-1]
    valid_for = max((end for _, end, _, _ in lines), default=0.0) - time.time()
    if valid_for < 1:
        return
    cache = store.cache  # type: ignore[attr-defined]
    try:
        cache.set(key(argv, generation, tty), encode(lines, due), expire=valid_for)
    except Exception:
        pass  # an output cache that cannot be written only costs speed


def bump(cache: object) -> None:
    """Invalidate every cached segment: called wherever a record changes."""
    cache.incr(GENERATION, default=0)  # type: ignore[attr-defined]
