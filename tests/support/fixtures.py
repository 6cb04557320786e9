"""Recorded provider payloads (tests/fixtures/<provider>/*.json).

Kept out of conftest.py: with several conftest files on sys.path, `import
conftest` finds whichever comes first, so test modules import from here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load_fixture(provider: str, name: str) -> Any:
    """A recorded payload from tests/fixtures/<provider>/<name>(.json)."""
    path = FIXTURES / provider / (name if name.endswith(".json") else name + ".json")
    return json.loads(path.read_text())
