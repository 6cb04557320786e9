"""tmux ``#(llmeter-bar --format tmux)``: one line of tmux format text.

tmux re-expands the command's output as a format, so every ``#`` from provider
text is doubled (``##``); colours are ``#[fg=#rrggbb]...#[default]``; ANSI
bytes would show as garbage and never appear. Defaults fit the default
``status-right-length`` of 40 with two providers: ``✻ 42% 2h13m · ◎ 17% 3d4h``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmeter_bar.render.common import SegmentRenderer, clean

if TYPE_CHECKING:
    from llmeter_bar.models import ProviderResult
    from llmeter_bar.render.base import Rendered, RenderContext


class TmuxRenderer(SegmentRenderer):
    name = "tmux"
    background = ""  # [format.tmux] background, set per render

    def escape(self, text: str) -> str:
        return clean(text).replace("#", "##")

    def paint(self, text: str, level: str, color: str) -> str:
        if not color:
            return text
        if self.background:
            # A dark chip under each provider: tmux's stock status bar is green, where
            # the ok green (and a dim grey) would vanish; on a dark bar it barely shows.
            return f"#[fg={color},bg={self.background}] {text} #[default]"
        style = f"fg={color},dim" if level in ("stale", "loading", "unconfigured") else f"fg={color}"
        return f"#[{style}]{text}#[default]"

    def build(self, results: list[ProviderResult], ctx: RenderContext) -> Rendered:
        background = str(self.options(ctx).get("background"))
        self.background = background if _colour(background) else ""
        return super().build(results, ctx)


def _colour(value: str) -> bool:
    """A colour tmux takes in a style: #rrggbb, colourN or a name; nothing that could end the style."""
    return bool(value) and all(c.isalnum() or c == "#" for c in value)
