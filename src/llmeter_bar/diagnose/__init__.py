"""``doctor``'s checks: what is set up, what is broken, and what to do about it.

Every check returns :class:`Check` lines (area, name, ok/warn/error, message,
hint). A check that raises becomes an error line of its own, so one broken
corner never hides the others. Nothing here touches the network (but share.py's
probe of a configured MQTT broker); ``fetch=True``
does one foreground refresh (honouring 429 waits) before looking.
May import every package below cli/; only cli/commands/doctor_cmd.py imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmeter_bar.diagnose.checks import Check, Context, Report, guarded

if TYPE_CHECKING:
    from llmeter_bar.config import Config

__all__ = ["Check", "Context", "Report", "guarded", "run"]


def run(*, fetch: bool = False) -> Report:
    from llmeter_bar.diagnose import files, hosts, providers, share
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
        report.checks += guarded("share", "broker", lambda: share.checks(ctx))
        report.checks += guarded("hosts", "PATH", lambda: hosts.checks(ctx))
    finally:
        if ctx.store is not None:
            ctx.store.close()
    return report


def _defaults() -> Config:
    from llmeter_bar.config import Config

    return Config()
