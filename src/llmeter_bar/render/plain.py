"""Plain text for terminals and scripts.

The short view is one line like ``Claude 42% 2h13m · Codex 17% 3d4h``;
``--long`` lists every window of every provider with reset times, pace,
spend, plan, data age, source and errors with their actionable message.
ANSI colour only when stdout is a terminal and neither ``NO_COLOR`` nor
``--no-color`` (nor ``[format.plain] color = false``) says otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmeter_bar.render import ansi
from llmeter_bar.render.base import Rendered, RenderContext
from llmeter_bar.render.common import SegmentRenderer, clean

if TYPE_CHECKING:
    from llmeter_bar.format.options import Options
    from llmeter_bar.models import ProviderResult


class PlainRenderer(SegmentRenderer):
    name = "plain"
    bar = False

    def escape(self, text: str) -> str:
        return clean(text)

    def paint(self, text: str, level: str, color: str) -> str:
        return ansi.paint(text, level, color)

    def use_color(self, opts: Options, ctx: RenderContext) -> bool:
        return bool(opts.get("color")) and ansi.wanted(ctx.tty, ctx.no_color)

    def build(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        if not ctx.long:
            return super().build(results, ctx)
        from llmeter_bar.render.long import long_lines

        opts = self.options(ctx)
        color = self.use_color(opts, ctx)
        lines = long_lines(results, ctx, opts, self.escape)
        if not lines:
            return Rendered("no providers configured or detected")
        if ctx.demo:
            lines.insert(0, ("(demo data: sample figures, not your usage)", "stale"))
        out = []
        for text, level in lines:
            # Only headers (unindented) and problem lines are coloured: a wall of colour reads worse.
            paint = color and (not text.startswith(" ") or level in ("warn", "crit", "error", "surplus"))
            out.append(self.paint(text, level, opts.colors.get(level, "")) if paint else text)
        return Rendered("\n".join(out))
