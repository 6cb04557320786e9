"""starship ``[custom.llmeter]``: plain text, never escaped.

Starship escapes ``%``, ``$``, backslash and backticks for the shell itself
(since 1.20), so pre-escaping would double them. Colour comes from the
module's ``style``; ``[format.starship] color = true`` adds ANSI per level
(Starship wraps SGR sequences in the shell's zero-width markers).
"""

from __future__ import annotations

from llmeter_bar.format.options import Options
from llmeter_bar.render.ansi import paint
from llmeter_bar.render.base import RenderContext
from llmeter_bar.render.common import SegmentRenderer, clean


class StarshipRenderer(SegmentRenderer):
    name = "starship"

    def escape(self, text: str) -> str:
        return clean(text)

    def paint(self, text: str, level: str, color: str) -> str:
        return paint(text, level, color)

    def use_color(self, opts: Options, ctx: RenderContext) -> bool:
        return bool(opts.get("color")) and not ctx.no_color
