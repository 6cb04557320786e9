"""waybar ``custom/<name>`` with ``"return-type": "json"``: one line of JSON.

``text`` and ``tooltip`` are Pango markup: provider text has ``& < >``
escaped, colours are ``<span color="#rrggbb">``. The tooltip is the long view
with lines separated by ``\\r`` as waybar's man page asks (a raw newline would
break the one-line JSON). ``class`` and ``alt`` carry the worst level so CSS
(``#custom-llmeter.crit``) and ``format-icons`` can use it; ``percentage`` is
the highest used percent shown. UTF-8 is written as is, never as ``\\u`` escapes.
"""

from __future__ import annotations

import json

from llmeter_bar.format.options import Options
from llmeter_bar.render.base import Rendered, RenderContext
from llmeter_bar.render.common import SegmentRenderer, clean, overall, pieces
from llmeter_bar.render.long import long_lines
from llmeter_bar.models import ProviderResult


def _dump(payload: dict[str, object]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


class WaybarRenderer(SegmentRenderer):
    name = "waybar"

    def escape(self, text: str) -> str:
        return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def paint(self, text: str, level: str, color: str) -> str:
        return f'<span color="{color}">{text}</span>' if color else text

    def build(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        opts: Options = self.options(ctx)
        items = pieces(results, ctx, opts, self.escape)
        level = overall(items) if items else ("ok" if results else "unconfigured")
        percents = [p.percent for p in items if p.percent is not None]
        lines = [text for text, _ in long_lines(results, ctx, opts, self.escape)]
        if ctx.demo and lines:
            lines.insert(0, self.escape("(demo data: sample figures, not your usage)"))
        lines += [self.escape(f"config: {problem}") for problem in ctx.config.problems]
        tooltip = "\r".join(lines)
        return Rendered(_dump({
            "text": self.line(items, opts, self.use_color(opts, ctx), bool(results)),
            "tooltip": tooltip or self.escape("llmeter-bar: no providers"),
            "class": level,
            "percentage": int(max(percents) + 0.5) if percents else 0,
            "alt": level,
        }))

    def render(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        rendered = super().render(results, ctx)
        if ctx.config.problems and rendered.text == self.fallback("llm !cfg").text:
            # The bar cannot be drawn: the tooltip says why, with file and line.
            text = self.escape("llm !cfg")
            tooltip = "\r".join(self.escape(problem) for problem in ctx.config.problems)
            return Rendered(_dump({"text": text, "tooltip": tooltip, "class": "error", "percentage": 0, "alt": "error"}))
        return rendered

    def fallback(self, marker: str) -> Rendered:
        text = self.escape(marker)
        return Rendered(_dump({"text": text, "tooltip": text, "class": "error", "percentage": 0, "alt": "error"}))
