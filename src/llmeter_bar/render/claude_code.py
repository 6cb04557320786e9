"""Claude Code ``statusLine``: one short ANSI-coloured line.

Claude Code pipes a session JSON on stdin; the CLI reads it with a timeout
(some versions never close stdin) and hands it over as ``ctx.stdin_payload``,
or None. Its ``rate_limits`` are a data source for the Claude provider, not
this renderer's business, so a missing or odd payload changes nothing here.
The line is never blank: Claude Code blanks the row on empty output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmeter_bar.render import ansi
from llmeter_bar.render.common import SegmentRenderer, clean

if TYPE_CHECKING:
    from llmeter_bar.format.options import Options
    from llmeter_bar.render.base import RenderContext


class ClaudeCodeRenderer(SegmentRenderer):
    name = "claude-code"
    reads_stdin = True
    blank_when_hidden = False

    def escape(self, text: str) -> str:
        return clean(text)

    def paint(self, text: str, level: str, color: str) -> str:
        return ansi.paint(text, level, color)

    def use_color(self, opts: Options, ctx: RenderContext) -> bool:
        # stdout is a pipe here, yet Claude Code renders ANSI: no TTY test.
        return bool(opts.get("color")) and ansi.wanted(True, ctx.no_color)
