"""Plain text for terminals and scripts (minimal; the full renderer replaces it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmeter_bar.render.base import Rendered, RenderContext, Renderer

if TYPE_CHECKING:
    from llmeter_bar.models import ProviderResult


def _segment(result: ProviderResult) -> str:
    if result.status == "loading":
        return f"{result.name} …"
    if result.error and not result.windows and not result.cost:
        return f"{result.name} !{result.error.label}"
    parts = [result.name]
    if result.windows:
        top = max(result.windows, key=lambda w: w.used_percent)
        parts.append(f"{top.used_percent:.0f}%")
    elif result.cost:
        parts.append(f"${result.cost.used:.2f}")
    text = " ".join(parts)
    return f"~{text}" if result.status == "stale" else text


class PlainRenderer(Renderer):
    name = "plain"
    bar = False

    def render(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        return Rendered(" · ".join(_segment(r) for r in results) or "llm -")
