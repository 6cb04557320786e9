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

GENERATION = "meta:generation"
MAX_VALID = 60.0

# diskcache's own layout (diskcache.core): a str key is stored as is with raw=1;
# a short str or an int value is stored inline with mode MODE_RAW (1). Reading
# it here spares a cache hit diskcache's import and its open, which rewrites
# the settings table each time (a write transaction per render). Anything else
# (another layout, a value kept in a file, an error) is a miss: the slow path
# then opens the cache through diskcache as usual.
_SELECT = ("SELECT value FROM Cache WHERE key = ? AND raw = 1 AND mode = 1"
           " AND (expire_time IS NULL OR expire_time > ?)")


def key(argv: list[str], generation: int, tty: bool) -> str:
    config = paths.config_file_str()
    try:
        st = os.stat(config)
        identity = f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"
    except OSError:
        identity = "absent"
    env = "|".join(os.environ.get(name, "") for name in ("NO_COLOR", "TZ", "LLMETER_BAR_DEBUG"))
    return "\x1f".join(["out", str(generation), config, identity, env, str(int(tty)), *argv])


def lookup(argv: list[str]) -> int | None:
    """Print a cached segment and return its exit code; None on a miss."""
    import time

    database = os.path.join(paths.cache_dir_str(), "cache.db")
    if not os.path.isfile(database):
        return None  # connecting would create it
    import sqlite3

    try:
        db = sqlite3.connect(database, timeout=2, isolation_level=None)
        try:
            now = time.time()
            row = db.execute(_SELECT, (GENERATION, now)).fetchone()
            generation = int(row[0]) if row else 0
            row = db.execute(_SELECT, (key(argv, generation, sys.stdout.isatty()), now)).fetchone()
        finally:
            db.close()
    except Exception:
        return None
    if row is None or not isinstance(row[0], str):
        return None
    code, _, text = row[0].partition("\t")
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass
    return int(code)


def generation(store: object) -> int | None:
    """The generation to file a segment under: read before its records are, so
    a write landing mid-render leaves the segment under an outdated generation
    instead of serving old figures as current."""
    try:
        return int(store.cache.get(GENERATION, 0))  # type: ignore[attr-defined]
    except Exception:
        return None


def remember(store: object, argv: list[str], text: str, code: int, valid_for: float, tty: bool,
             generation: int) -> None:
    """Store a freshly rendered segment for at most ``valid_for`` seconds."""
    import time

    valid_for = min(valid_for, MAX_VALID - time.time() % MAX_VALID)
    if valid_for < 1:
        return
    cache = store.cache  # type: ignore[attr-defined]
    try:
        cache.set(key(argv, generation, tty), f"{code}\t{text}", expire=valid_for)
    except Exception:
        pass  # an output cache that cannot be written only costs speed


def bump(cache: object) -> None:
    """Invalidate every cached segment: called wherever a record changes."""
    cache.incr(GENERATION, default=0)  # type: ignore[attr-defined]
