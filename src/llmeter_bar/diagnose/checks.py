"""The values doctor's checks share: a check line, the context they read, the
report, and the guard that turns a crashing check into an error line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from llmeter_bar import logs

if TYPE_CHECKING:
    from llmeter_bar.config import Config
    from llmeter_bar.providers.base import ProviderSettings
    from llmeter_bar.store.cache import Store

STATUSES = ("ok", "warn", "error")
REPORT_VERSION = 1


@dataclass(slots=True)
class Check:
    area: str  # config, cache, logs, credentials, providers, hosts
    name: str
    status: str  # ok | warn | error
    message: str
    hint: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"area": self.area, "name": self.name, "status": self.status,
                "message": self.message, "hint": self.hint}


@dataclass(slots=True)
class Context:
    """What the checks share: the config (defaults when it is broken), the cache, now."""

    config: Config
    now: datetime
    store: Store | None = None
    instances: list[ProviderSettings] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    checks: list[Check] = field(default_factory=list)
    providers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(c.status == "error" for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"version": REPORT_VERSION, "ok": self.ok,
                "checks": [c.to_dict() for c in self.checks], "providers": self.providers}


def guarded(area: str, name: str, check: Callable[[], list[Check]]) -> list[Check]:
    """Run one check; a crash in it becomes an error line instead of ending doctor."""
    try:
        return check()
    except Exception as exc:
        logs.exception("doctor: the %s/%s check failed", area, name)
        return [Check(area, name, "error", f"this check crashed: {type(exc).__name__}: {logs.redact(str(exc))}",
                      "please report it; the traceback is in the log file")]
