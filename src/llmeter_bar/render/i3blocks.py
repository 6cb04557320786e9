"""i3blocks: raw lines (full_text, short_text, color) or, as ``i3blocks-json``,
one flat JSON object; plus ``i3bar``, one block of the i3bar/swaybar protocol
for wrappers that splice it into a status line.

With Pango markup on (``markup=pango`` in the i3blocks block, which i3blocks
exports to the command as ``$markup``; always in ``i3bar``'s own block) each
provider is coloured like in the other bars and provider text is escaped for
Pango. Without it a block has one colour: the worst level's. Exit code 33 marks the block urgent
and is used only when ``[format.i3blocks] urgent = true`` and a shown figure
is at the crit level; anything else exits 0 (other codes flash an error).
Provider text is made single-line, so it can never shift the line protocol.
"""

from __future__ import annotations

import json
import os

from llmeter_bar.format.options import Options
from llmeter_bar.models import ProviderResult
from llmeter_bar.render.base import Rendered, RenderContext
from llmeter_bar.render.common import Piece, SegmentRenderer, clean, overall, pieces

URGENT = 33


class I3blocksRenderer(SegmentRenderer):
    name = "i3blocks"
    pango_by_default = False  # only when the block says so (i3blocks exports $markup)
    pango = False  # set per render

    def escape(self, text: str) -> str:
        text = clean(text)
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") if self.pango else text

    def paint(self, text: str, level: str, color: str) -> str:
        # Single quotes: i3blocks 1.4 cuts a raw line at a double quote when it makes JSON of it.
        return f"<span foreground='{color}'>{text}</span>" if color and self.pango else text

    def wants_pango(self, opts: Options) -> bool:
        choice = opts.get("markup")
        if choice == "auto":
            return self.pango_by_default or os.environ.get("markup", "") == "pango"
        return choice == "pango"

    def fields(self, results: list[ProviderResult], ctx: RenderContext) -> tuple[dict[str, str], bool]:
        opts = self.options(ctx)
        self.pango = self.wants_pango(opts)
        items = pieces(results, ctx, opts, self.escape)
        short: list[Piece] = pieces(results, ctx, opts, self.escape, key="short_format")
        had = bool(results)
        color_on = self.use_color(opts, ctx)
        # Pango colours each provider; the block's own colour then stays the bar's.
        color = opts.colors.get(overall(items), "") if items and color_on and not self.pango else ""
        crit = any(p.value_level == "crit" for p in items)
        painted_short = [self.paint(p.text, p.level, opts.colors.get(p.level, "")) if color_on else p.text
                         for p in short if p.text]
        out = {
            "full_text": self.line(items, opts, color_on and self.pango, had),
            "short_text": (self.mark() + " ".join(painted_short) if painted_short
                           else self.line([], opts, False, had)),
            "color": color,
        }
        return out, crit and bool(opts.get("urgent"))

    def build(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        fields, urgent = self.fields(results, ctx)
        # No colour: leave the line out rather than hand i3blocks an empty colour value.
        lines = [fields["full_text"], fields["short_text"]] + ([fields["color"]] if fields["color"] else [])
        text = "\n".join(lines)
        return Rendered(text, URGENT if urgent else 0)


class I3blocksJsonRenderer(I3blocksRenderer):
    name = "i3blocks-json"
    host = "i3blocks"  # one [format.i3blocks] table serves all three variants

    def build(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        fields, urgent = self.fields(results, ctx)
        payload = {k: v for k, v in fields.items() if v or k != "color"}
        if self.pango:
            payload["markup"] = "pango"
        return Rendered(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), URGENT if urgent else 0)

    def fallback(self, marker: str) -> Rendered:
        return Rendered(json.dumps({"full_text": clean(marker)}, ensure_ascii=False))


class I3barRenderer(I3blocksRenderer):
    """One i3bar block; urgency is the block's ``urgent`` key, the exit code stays 0."""

    name = "i3bar"
    host = "i3blocks"
    pango_by_default = True  # the block is ours: it says markup pango itself

    def build(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        fields, urgent = self.fields(results, ctx)
        payload: dict[str, object] = {"name": "llmeter", "markup": "pango" if self.pango else "none"}
        payload.update((k, v) for k, v in fields.items() if v or k != "color")
        if urgent:
            payload["urgent"] = True
        return Rendered(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))

    def fallback(self, marker: str) -> Rendered:
        return Rendered(json.dumps({"name": "llmeter", "full_text": clean(marker)}, ensure_ascii=False))
