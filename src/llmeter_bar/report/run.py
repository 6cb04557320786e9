"""One fetch for a bug report: honour a 429 wait, capture the raw replies,
record the outcome like any refresh, and write the redacted file."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmeter_bar import __version__, logs
from llmeter_bar.errors import FetchError
from llmeter_bar.report import redact

if TYPE_CHECKING:
    from llmeter_bar.models import ProviderResult
    from llmeter_bar.providers.base import ProviderSettings
    from llmeter_bar.store.cache import Store


class ReportRefused(Exception):
    """No fetch was made (a 429 wait, another fetch running, an unknown provider)."""


def _fetch(settings: ProviderSettings) -> tuple[ProviderResult | FetchError, list[dict[str, Any]], Any]:
    import asyncio

    from llmeter_bar.fetch import refresh
    from llmeter_bar.providers.http import CAPTURE

    provider = refresh._load(settings)  # noqa: SLF001 - the engine's own loader, errors logged there
    if provider is None:
        raise ReportRefused(f"unknown provider '{settings.id}': `llmeter-bar providers` lists the known ones")
    sink: list[dict[str, Any]] = []

    async def once() -> ProviderResult | FetchError:
        import aiohttp

        CAPTURE.set(sink)  # this task's context only
        async with aiohttp.ClientSession() as session:
            return await refresh._fetch_one(session, settings, provider)  # noqa: SLF001

    return asyncio.run(once()), sink, provider


def _read(outcome: ProviderResult | FetchError) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    if isinstance(outcome, FetchError):
        return None, {"kind": outcome.kind, "message": redact.text(outcome.message)}
    data = outcome.to_dict()
    if data.get("account"):
        data["account"] = redact.EMAIL_MARK if "@" in str(data["account"]) else redact.ID
    return data, None


def _scrub(document: str) -> str:
    """Last pass over the whole file: no registered secret and no e-mail survives."""
    for secret in sorted(logs._secrets, key=len, reverse=True):  # noqa: SLF001
        document = document.replace(secret, redact.SECRET)
    return redact._EMAIL.sub(redact.EMAIL_MARK, document)  # noqa: SLF001


def run(store: Store, settings: ProviderSettings, output: Path | None) -> tuple[Path, str]:
    """Fetch once and write the report; returns (path, one-line outcome)."""
    from llmeter_bar.fetch import refresh

    now = time.time()
    record = store.read(settings.key) or {}
    not_before = float(record.get("not_before") or 0)
    if not_before > now:
        when = datetime.fromtimestamp(not_before).strftime("%H:%M:%S")
        raise ReportRefused(f"{settings.key} is rate limited (HTTP 429) until {when}; no request was sent. "
                            "Run `llmeter-bar report` again after that time")
    token = store.try_lock(settings.key, refresh.lock_ttl(settings))
    if token is None:
        raise ReportRefused(f"another process is fetching {settings.key} right now; try again in a moment")
    try:
        outcome, replies, provider = _fetch(settings)
        outcome = refresh.record_outcome(store, settings, outcome, time.time(),
                                         refresh.effective_interval(provider, settings))
    finally:
        store.unlock(settings.key, token)
    read, error = _read(outcome)
    document = {
        "llmeter_bar": __version__,
        "provider": settings.id,
        "instance": settings.instance,
        "generated_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        "note": "values that could identify or authorise someone are replaced by <secret>, <email>, <id> "
                "or <token>; keys, numbers and dates are kept",
        "replies": [{"method": r["method"], "url": redact.url(r["url"]), "status": r["status"],
                     "content_type": r["content_type"], "body": redact.body(r["body"], r["content_type"])}
                    for r in replies],
        "read": read,
        "error": error,
    }
    text = _scrub(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = output or Path.cwd() / f"llmeter-bar-report-{settings.key.replace(':', '-')}-{stamp}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    summary = f"{error['kind']}: {error['message']}" if error else "ok"
    return path, f"{len(replies)} repl{'y' if len(replies) == 1 else 'ies'} saved; fetch {summary}"
