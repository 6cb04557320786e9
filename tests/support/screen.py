"""What a Textual app shows, as plain text: its SVG screenshot holds every glyph."""

from __future__ import annotations

import html
import re
from typing import Any


def text_of(app: Any) -> str:
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")
