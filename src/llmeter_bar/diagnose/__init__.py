"""``doctor``'s checks: what is set up, what is broken, and what to do about it.

Every check returns :class:`Check` lines (area, name, ok/warn/error, message,
hint). A check that raises becomes an error line of its own, so one broken
corner never hides the others. Nothing here touches the network; ``fetch=True``
does one foreground refresh (honouring 429 waits) before looking.
May import every package below cli/; only cli/commands/doctor_cmd.py imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from llmeter_bar import logs

if TYPE_CHECKING:
    from llmeter_bar.store.cache import Store
    from llmeter_bar.config import Config
    from llmeter_bar.providers.base import ProviderSettings

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


def run(*, fetch: bool = False) -> Report:
    from llmeter_bar.diagnose import files, hosts, providers
    from llmeter_bar.models import utcnow

    report = Report()
    holder: dict[str, Any] = {}
    report.checks += guarded("config", "file", lambda: files.config_checks(holder))
    report.checks += guarded("cache", "directory", lambda: files.cache_checks(holder))
    report.checks += guarded("logs", "log file", files.log_checks)
    report.checks += guarded("credentials", "store", files.store_checks)
    ctx = Context(config=holder.get("config") or _defaults(), now=utcnow(), store=holder.get("store"))
    try:
        report.checks += guarded("providers", "instances", lambda: providers.select(ctx))
        if fetch:
            report.checks += guarded("providers", "fetch", lambda: providers.fetch(ctx))
            ctx.now = utcnow()
        for settings in ctx.instances:
            report.checks += guarded("providers", settings.key, lambda s=settings: providers.check(ctx, s, report))
        report.checks += guarded("hosts", "PATH", lambda: hosts.checks(ctx))
    finally:
        if ctx.store is not None:
            ctx.store.close()
    return report


def _defaults() -> Config:
    from llmeter_bar.config import Config

    return Config()
