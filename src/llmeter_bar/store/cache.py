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


class CacheUnavailable(Exception):
    """The cache directory cannot be opened or written."""


class Store:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or paths.cache_dir()
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.cache = self._open()
        except Exception as exc:  # sqlite3 and OS errors of every flavour
            if not self._set_aside_corrupt_db(exc):
                raise CacheUnavailable(f"cache at {self.directory} unusable: {exc}") from None
            try:
                self.cache = self._open()
            except Exception as again:
                raise CacheUnavailable(f"cache at {self.directory} unusable: {again}") from None

    def _open(self) -> diskcache.Cache:
        # A short SQLite timeout: a bar must never wait on a busy writer for long.
        return diskcache.Cache(str(self.directory), timeout=2, eviction_policy="none")

    def _set_aside_corrupt_db(self, exc: Exception) -> bool:
        """A cache database that is not SQLite is only our cache: move it aside and start anew."""
        import sqlite3

        db = self.directory / diskcache.core.DBNAME
        if not isinstance(exc, sqlite3.DatabaseError) or not db.is_file():
            return False
        try:
            db.rename(db.with_name(f"{db.name}.corrupt-{int(time.time())}"))
        except OSError:
            return False
        return True

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
        with self.cache.transact():
            if self.cache.get(LOCK + key) == token:
                self.cache.delete(LOCK + key)

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
