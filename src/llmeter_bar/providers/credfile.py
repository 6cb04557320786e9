"""Reading another tool's credential file: read-only, bounded, with errors that say what to do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmeter_bar.errors import FetchError

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
