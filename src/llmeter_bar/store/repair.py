"""Telling a malformed cache database from a busy or full one, and setting a
malformed one aside without losing anything.

A lock held by another process, a full disk, a read-only or failing disk are
transient: the database is healthy and holds the figures and the 429 waits, so it
is never touched. Only a file SQLite itself calls malformed (``file is not a
database``, ``database disk image is malformed``, confirmed by ``PRAGMA
quick_check`` on a connection of its own) is moved aside, with its ``-wal`` and
``-shm``, under a name no other copy has, so a second corruption never overwrites
the first one's evidence.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

# SQLite primary result codes that mean the file itself is bad.
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
_MALFORMED_WORDS = ("file is not a database", "database disk image is malformed")
CHECK_TIMEOUT = 0.2


def says_malformed(exc: BaseException) -> bool:
    """Whether SQLite reported the database itself as malformed (never a lock,
    a full disk, a read-only file or an I/O error: those are OperationalError)."""
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return any(word in str(exc) for word in _MALFORMED_WORDS)


def confirmed_malformed(db: Path) -> bool:
    """A second opinion on a connection of our own: quick_check fails or SQLite
    refuses the file as malformed. A lock or any other error means: leave it."""
    try:
        con = sqlite3.connect(f"file:{quote(str(db))}?mode=ro", uri=True, timeout=CHECK_TIMEOUT)
    except sqlite3.Error:
        return False
    try:
        rows = con.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        return says_malformed(exc)
    finally:
        con.close()
    return rows != [("ok",)]


def set_aside(db: Path) -> Path | None:
    """Move ``db`` (and its -wal and -shm) to ``<name>.corrupt-<time>-<pid>[.n]``;
    the new name, or None when it was gone or could not be moved. Linking first
    means an existing copy is never replaced, and a file another process already
    replaced with a fresh database (a different inode) is not taken."""
    try:
        inode = os.stat(db).st_ino
    except OSError:
        return None
    stem = f"{db.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    for attempt in range(100):
        target = db.with_name(stem + (f".{attempt}" if attempt else ""))
        try:
            os.link(db, target)
        except FileExistsError:
            continue
        except OSError:
            return None
        break
    else:
        return None
    if os.stat(target).st_ino != inode:
        os.unlink(target)  # someone else set it aside and started anew in between
        return None
    os.unlink(db)
    for suffix in ("-wal", "-shm"):
        companion = db.with_name(db.name + suffix)
        if companion.exists() and not target.with_name(target.name + suffix).exists():
            try:
                os.rename(companion, target.with_name(target.name + suffix))
            except OSError:
                pass
    return target
