"""polybar ``custom/script``: one line with ``%{F#rrggbb}...%{F-}`` colours.

Polybar has no escape for a literal ``%{`` in script output, so provider text
gets a zero-width space between ``%`` and ``{`` (also before a leading ``{``,
which could meet a ``%`` from the neighbouring text). stderr is merged into the
bar text by polybar: nothing here ever writes to it.
"""

from __future__ import annotations

from llmeter_bar.render.common import SegmentRenderer, clean

_ZWSP = "\u200b"


class PolybarRenderer(SegmentRenderer):
    name = "polybar"

    def escape(self, text: str) -> str:
        text = clean(text).replace("%{", "%" + _ZWSP + "{")
        return _ZWSP + text if text.startswith("{") else text

    def paint(self, text: str, level: str, color: str) -> str:
        return f"%{{F{color}}}{text}%{{F-}}" if color else text
