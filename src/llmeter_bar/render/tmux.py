"""tmux ``#(llmeter-bar --format tmux)``: one line of tmux format text.

tmux re-expands the command's output as a format, so every ``#`` from provider
text is doubled (``##``); colours are ``#[fg=#rrggbb]...#[default]``; ANSI
bytes would show as garbage and never appear. Defaults fit the default
``status-right-length`` of 40 with two providers: ``✻ 42% 2h13m · ◎ 17% 3d4h``.
"""

from __future__ import annotations

from llmeter_bar.render.common import SegmentRenderer, clean


class TmuxRenderer(SegmentRenderer):
    name = "tmux"

    def escape(self, text: str) -> str:
        return clean(text).replace("#", "##")

    def paint(self, text: str, level: str, color: str) -> str:
        if not color:
            return text
        style = f"fg={color},dim" if level in ("stale", "loading", "unconfigured") else f"fg={color}"
        return f"#[{style}]{text}#[default]"
