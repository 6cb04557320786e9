"""Cursor session: a cookie from llmeter-bar's store, else the desktop app's token.

The Cursor app keeps its access token (a JWT) in ``state.vscdb``, a SQLite
file under its user data dir, table ``ItemTable``, key ``cursorAuth/accessToken``.
cursor.com accepts it as the ``WorkosCursorSessionToken`` cookie in the form
``<user id>%3A%3A<jwt>``, the user id being the JWT ``sub`` after its ``|``.
The database is opened read-only (``mode=ro`` URI) and never written: Cursor
owns it and refreshes the token itself while it runs.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.models import utcnow
from llmeter_bar.providers._parse import from_epoch, to_float, to_str
from llmeter_bar.providers.base import ProviderSettings

RENEW_HINT = "open Cursor and sign in, or run `llmeter-bar login cursor`"
_KEYS = ("cursorAuth/accessToken", "cursorAuth/cachedEmail", "cursorAuth/stripeMembershipType")


@dataclass(frozen=True, slots=True)
class Session:
    cookie: str
    source: str  # "store", "config" or the state.vscdb path
    user_id: str | None = None  # for /api/usage?user=...
    email: str | None = None
    plan: str | None = None


def state_db_paths() -> list[Path]:
    home = Path.home()
    if sys.platform == "darwin":
        roots = [home / "Library" / "Application Support"]
    elif sys.platform == "win32":
        roots = [Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")]
    else:
        roots = [Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")]
    return [root / "Cursor" / "User" / "globalStorage" / "state.vscdb" for root in roots]


def state_db(settings: ProviderSettings) -> Path | None:
    configured = settings.option("state_db")
    if configured:
        return Path(str(configured)).expanduser()
    return next((p for p in state_db_paths() if p.is_file()), None)


def jwt_claims(token: str) -> dict[str, Any]:
    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def from_store(settings: ProviderSettings) -> Session | None:
    try:
        from llmeter_bar.store import credstore
    except ImportError:
        return None
    try:
        entry = credstore.get("cursor", settings.instance)
    except Exception:  # a broken store must not hide the app's session
        return None
    cookie = to_str(entry.get("cookie")) if isinstance(entry, dict) else None
    if not cookie:
        return None
    if cookie.lower().startswith("cookie:"):
        cookie = cookie[7:].strip()
    email = to_str(entry.get("email"))
    return Session(cookie, "store", email=email)


def read_state_db(path: Path) -> dict[str, str]:
    import sqlite3

    uri = f"file:{quote(str(path))}?mode=ro"
    try:
        with sqlite3.connect(uri, uri=True, timeout=2.0) as db:
            marks = ",".join("?" * len(_KEYS))
            rows = db.execute(f"SELECT key, value FROM ItemTable WHERE key IN ({marks})", _KEYS).fetchall()
    except sqlite3.Error as exc:
        raise FetchError("config", f"cannot read Cursor's state database {path}: {exc}") from None
    values = {}
    for key, value in rows:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        values[key] = text.strip().strip('"')  # some builds store JSON-quoted strings
    return values


def _from_app(path: Path, now: datetime) -> Session:
    values = read_state_db(path)
    token = values.get("cursorAuth/accessToken")
    if not token:
        raise NotConfigured(f"Cursor is not signed in ({path}); {RENEW_HINT}")
    claims = jwt_claims(token)
    sub = to_str(claims.get("sub"))
    if not sub:
        raise FetchError("auth", f"Cursor's saved access token is not readable; {RENEW_HINT}")
    expires = to_float(claims.get("exp"))
    if expires is not None and (when := from_epoch(expires)) is not None and when <= now:
        raise FetchError("auth", f"Cursor's saved session has expired; {RENEW_HINT}")
    user_id = sub.rsplit("|", 1)[-1]
    return Session(f"WorkosCursorSessionToken={user_id}%3A%3A{token}", str(path), user_id=sub,
                   email=to_str(values.get("cursorAuth/cachedEmail")),
                   plan=to_str(values.get("cursorAuth/stripeMembershipType")))


def find_session(settings: ProviderSettings, now: datetime | None = None) -> Session:
    found = from_store(settings)
    if found:
        return found
    configured = to_str(settings.option("cookie"))
    if configured:
        return Session(configured, "config")
    path = state_db(settings)
    if path is None:
        raise NotConfigured(f"no Cursor session found; {RENEW_HINT}")
    return _from_app(path, now or utcnow())
