"""Reading another tool's credential file: read-only, bounded, with errors that say what to do."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from llmeter_bar.errors import FetchError
from llmeter_bar.models import utcnow
from llmeter_bar.providers._parse import humanize_age

MAX_BYTES = 1024 * 1024  # a real file is under 1 KB; refuse to slurp junk


def read_json_object(path: Path, renew_hint: str) -> dict[str, Any] | None:
    """The file's JSON object; None when the file does not exist.

    Opened for reading only: these files belong to Claude Code or Codex, whose
    refresh tokens are single-use, so we never write them.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FetchError("auth", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data: Any = json.loads(raw) if len(raw) <= MAX_BYTES else None
    except ValueError:
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
