"""The disk cache: one record per provider instance, plus cross-process locks.

A record (stored as JSON text, so no pickled code is ever loaded) holds:
``result`` (last good result), ``error`` (last failure), ``attempt_at``,
``next_at`` (no fetch before this, from the interval), ``not_before`` (no fetch
before this even on demand: 429 backoff), ``strikes`` (consecutive 429s),
``stale_after`` and ``interval`` (seconds, the effective fetch interval) and
``unconfigured``. Only results and error summaries
are stored: never a token, key or cookie.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import diskcache

from llmeter_bar import paths

RECORD = "state:"
LOCK = "lock:"


# How long any statement waits for another process's lock, opening included: a
# bar must never wait on a busy writer for long (diskcache's own open retries a
# locked statement for 60 s, which once held a render for 99.6 s).
BUSY_TIMEOUT = 0.5


class CacheUnavailable(Exception):
    """The cache directory cannot be opened or written. ``transient``: the database
    is healthy but busy (locked by another process) or the disk is full; it is left
    exactly as it is."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class _Cache(diskcache.Cache):
    @property
    def _sql_retry(self) -> Any:
        """diskcache retries a locked statement while opening for 60 s; here for
        BUSY_TIMEOUT, then the lock is reported like any other."""
        import sqlite3

        sql = self._sql

        def execute(statement: str, *args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            while True:
                try:
                    return sql(statement, *args, **kwargs)
                except sqlite3.OperationalError as exc:
                    if str(exc) != "database is locked" or time.monotonic() - started > BUSY_TIMEOUT:
                        raise
                    time.sleep(0.01)

        return execute


class Store:
    def __init__(self, directory: Path | None = None) -> None:
        from llmeter_bar.store import repair

        self.directory = directory or paths.cache_dir()
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.cache = self._open()
        except Exception as exc:  # sqlite3 and OS errors of every flavour
            db = self.directory / diskcache.core.DBNAME
            if not (repair.says_malformed(exc) and repair.confirmed_malformed(db)):
                raise CacheUnavailable(f"cache at {self.directory} unusable: {exc}",
                                       transient=_transient(exc)) from None
            from llmeter_bar import logs

            logs.warning("cache database %s is malformed (%s): set aside as %s", db, exc, repair.set_aside(db))
            try:
                self.cache = self._open()
            except Exception as again:
                raise CacheUnavailable(f"cache at {self.directory} unusable: {again}",
                                       transient=_transient(again)) from None

    def _open(self) -> diskcache.Cache:
        db = self.directory / diskcache.core.DBNAME
        if db.exists():
            # diskcache's open also loops 60 s on a locked PRAGMA (Cache.reset): a
            # read of our own, bounded by the busy timeout, finds the lock first.
            # Read-only: a read-write open of a file that is no database deletes
            # its -wal and -shm, which are kept with it when it is set aside.
            import sqlite3

            from urllib.parse import quote

            probe = sqlite3.connect(f"file:{quote(str(db))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT,
                                    isolation_level=None)
            try:
                probe.execute("PRAGMA schema_version").fetchall()
            finally:
                probe.close()
        return _Cache(str(self.directory), timeout=BUSY_TIMEOUT, eviction_policy="none")

    def close(self) -> None:
        self.cache.close()

    # -- records -------------------------------------------------------------
    def read(self, key: str) -> dict[str, Any] | None:
        try:
            raw = self.cache.get(RECORD + key)
        except Exception:
            return None
        if not isinstance(raw, str):
            return None
        try:
            record = json.loads(raw)
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    def write(self, key: str, record: dict[str, Any]) -> None:
        self.cache.set(RECORD + key, json.dumps(record, separators=(",", ":")))

    def update(self, key: str, **changes: Any) -> dict[str, Any]:
        """Read-modify-write one record inside a transaction (writers serialise)."""
        with self.cache.transact():
            record = self.read(key) or {}
            record.update(changes)
            self.write(key, record)
        return record

    def keys(self) -> list[str]:
        return [k[len(RECORD) :] for k in self.cache.iterkeys() if isinstance(k, str) and k.startswith(RECORD)]

    def get_value(self, name: str) -> Any:
        try:
            raw = self.cache.get("meta:" + name)
            return json.loads(raw) if isinstance(raw, str) else None
        except Exception:
            return None

    def set_value(self, name: str, value: Any, expire: float | None = None) -> None:
        self.cache.set("meta:" + name, json.dumps(value), expire=expire)

    def forget_value(self, name: str) -> None:
        self.cache.delete("meta:" + name)

    def clear(self) -> None:
        self.cache.clear()

    # -- single flight -------------------------------------------------------
    def try_lock(self, key: str, ttl: float) -> str | None:
        """Take the fetch lock of one instance; None when another process holds it.

        ``add`` is atomic across processes, and the expiry bounds how long a
        crashed or hung refresher can block the next one.
        """
        token = f"{os.getpid()}-{time.time_ns()}"
        try:
            added = self.cache.add(LOCK + key, token, expire=ttl)
        except Exception:
            return None
        return token if added else None

    def unlock(self, key: str, token: str) -> None:
        """Release our lock; on a full disk or a busy database it is left to expire
        (its ttl is short), which must not cost the render its output."""
        import sqlite3

        try:
            with self.cache.transact():
                if self.cache.get(LOCK + key) == token:
                    self.cache.delete(LOCK + key)
        except (sqlite3.OperationalError, diskcache.Timeout):
            pass

    def lock_left(self, key: str) -> float:
        """Seconds until the fetch lock of one instance expires; 0 when nobody holds it."""
        try:
            token, expires = self.cache.get(LOCK + key, expire_time=True)
        except Exception:
            return 0.0
        if token is None or expires is None:
            return 0.0
        return max(0.0, float(expires) - time.time())

    def locked(self, key: str) -> bool:
        try:
            return self.cache.get(LOCK + key) is not None
        except Exception:
            return False


def _transient(exc: BaseException) -> bool:
    """A lock, a full disk or an I/O error: the database itself is fine."""
    import sqlite3

    return isinstance(exc, sqlite3.OperationalError)
