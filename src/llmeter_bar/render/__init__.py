"""The renderer registry: one line per output format (host).

Targets are imported lazily so that a render imports only its own renderer.
Renderers turn normalized results (models.py) into one host's line through
format/; they never import providers/, fetch/ or aiohttp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmeter_bar.render.base import Renderer

FORMATS: dict[str, str] = {
    "json": "llmeter_bar.render.json:JsonRenderer",
    "plain": "llmeter_bar.render.plain:PlainRenderer",
    "tmux": "llmeter_bar.render.tmux:TmuxRenderer",
    "waybar": "llmeter_bar.render.waybar:WaybarRenderer",
    "polybar": "llmeter_bar.render.polybar:PolybarRenderer",
    "i3blocks": "llmeter_bar.render.i3blocks:I3blocksRenderer",
    "i3blocks-json": "llmeter_bar.render.i3blocks:I3blocksJsonRenderer",
    "i3bar": "llmeter_bar.render.i3blocks:I3barRenderer",
    "starship": "llmeter_bar.render.starship:StarshipRenderer",
    "claude-code": "llmeter_bar.render.claude_code:ClaudeCodeRenderer",
    "prometheus": "llmeter_bar.render.prometheus:PrometheusRenderer",
}


def load(name: str) -> Renderer:
    """Instantiate the renderer for a format name; KeyError when unknown."""
    module_name, _, attr = FORMATS[name].partition(":")
    return getattr(importlib.import_module(module_name), attr)()
