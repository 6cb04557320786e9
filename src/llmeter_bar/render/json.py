"""``--format json``: one stable, documented object for scripts (schema version 1)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from llmeter_bar.render.base import Rendered, RenderContext, Renderer
from llmeter_bar.render.common import projected

if TYPE_CHECKING:
    from llmeter_bar.models import ProviderResult

SCHEMA_VERSION = 1


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def provider_dict(result: ProviderResult, ctx: RenderContext) -> dict[str, Any]:
    data = result.to_dict()
    for window, shown in zip(result.windows, data["windows"]):
        found = projected(window, ctx, result.key)
        shown["projected_percent"] = found[0] if found else None
        shown["projected_at"] = _iso(found[1]) if found else None
    data["last_success_at"] = data["fetched_at"] if result.status in ("ok", "stale") else None
    data["interval_seconds"] = result.interval
    data["cycles"] = [c.to_dict() for c in result.cycles]
    age = result.age_seconds(ctx.now)
    data["age_seconds"] = None if age is None else round(age, 1)
    if not ctx.show_account:
        data["account"] = None
    return data


class JsonRenderer(Renderer):
    name = "json"
    bar = False
    # Scripts read generated_at and age_seconds: a replayed document would carry
    # times up to a minute old, so every call renders afresh.
    cacheable = False

    def render(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        document = {
            "version": SCHEMA_VERSION,
            "generated_at": ctx.now.isoformat().replace("+00:00", "Z"),
            "demo": ctx.demo,
            # Every problem in the config file, with file and line (empty when none).
            "config_errors": list(ctx.config.problems),
            "providers": [provider_dict(r, ctx) for r in results],
        }
        return Rendered(json.dumps(document, ensure_ascii=False, allow_nan=False))

    def fallback(self, marker: str) -> Rendered:
        return Rendered(json.dumps({"version": SCHEMA_VERSION, "providers": [], "error": marker}))
