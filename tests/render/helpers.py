"""Hand-built results at a fixed moment, and the table of golden cases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from llmeter_bar import render
from llmeter_bar.config import Config
from llmeter_bar.models import Cost, Credits, ErrorInfo, ProviderResult, Window
from llmeter_bar.render.base import Rendered, RenderContext

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc)  # a Wednesday
H = timedelta(hours=1)
M = timedelta(minutes=1)
FETCHED = NOW - 2 * M


def ctx(config: dict[str, Any] | None = None, **kw: Any) -> RenderContext:
    kw.setdefault("extra", {"tz": timezone.utc})
    return RenderContext(now=NOW, config=Config(data=config or {}), **kw)


def run(fmt: str, results: list[ProviderResult], config: dict[str, Any] | None = None, **kw: Any) -> Rendered:
    return render.load(fmt).render(results, ctx(config, **kw))


def claude(five: float = 42.0, seven: float = 17.0, **kw: Any) -> ProviderResult:
    fields: dict[str, Any] = dict(
        id="claude", name="Claude", plan="max", source="oauth", fetched_at=FETCHED,
        windows=[
            Window("five_hour", "5h", five, NOW + 2 * H + 13 * M, 18000),
            Window("seven_day", "7d", seven, NOW + 76 * H, 604800),
        ],
    )
    fields.update(kw)
    return ProviderResult(**fields)


def codex(**kw: Any) -> ProviderResult:
    fields: dict[str, Any] = dict(
        id="codex", name="Codex", plan="plus", source="log", fetched_at=FETCHED,
        windows=[Window("weekly", "7d", 17.0, NOW + 3 * 24 * H + 4 * H, 604800)],
    )
    fields.update(kw)
    return ProviderResult(**fields)


def api(limit: float | None = None, **kw: Any) -> ProviderResult:
    fields: dict[str, Any] = dict(
        id="openrouter", name="OpenRouter", kind="api", source="api", fetched_at=FETCHED,
        cost=Cost(used=12.34, limit=limit, period="month", resets_at=NOW + 27 * 24 * H),
    )
    fields.update(kw)
    return ProviderResult(**fields)


def err(label: str = "auth", message: str = "token expired: run `claude` to log in") -> ErrorInfo:
    return ErrorInfo(kind="auth", label=label, message=message, retry_at=NOW + 5 * M)


CASES: dict[str, list[ProviderResult]] = {
    "ok": [claude()],
    "warn": [claude(five=75.0)],
    "crit": [claude(five=93.4)],
    "stale": [claude(status="stale", fetched_at=NOW - 2 * H)],
    "error": [claude(status="error", windows=[], error=err())],
    "loading": [claude(status="loading", windows=[], fetched_at=None)],
    "unconfigured": [claude(status="unconfigured", windows=[], fetched_at=None)],
    "cost_only": [api()],
    "cost_budget": [api(limit=50.0)],
    "cost_budget_crit": [api(limit=13.0)],
    "several_windows": [claude(five=20.0, seven=64.0)],
    "estimated": [claude(five=0.0, windows=[Window("five_hour", "5h", 0.0, NOW - 5 * M, 18000, estimated=True)])],
    "instance": [claude(instance="work"), claude(instance="home", five=91.0)],
    "two_providers": [claude(), codex()],
    "credits_only": [codex(windows=[], credits=Credits(balance=12.5, currency=None, label="credits"))],
    "empty": [],
}
