"""ANSI SGR colouring shared by the terminal-facing renderers."""

from __future__ import annotations

import os

RESET = "\x1b[0m"
_DIM_LEVELS = ("stale", "loading", "unconfigured")


def paint(text: str, level: str, color: str) -> str:
    """Truecolor foreground from ``#rrggbb``; dim for levels without fresh data."""
    codes = []
    if level in _DIM_LEVELS:
        codes.append("2")
    if color:
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        codes.append(f"38;2;{r};{g};{b}")
    if level in ("crit", "error"):
        codes.append("1")
    return f"\x1b[{';'.join(codes)}m{text}{RESET}" if codes else text


def wanted(tty: bool, no_color: bool) -> bool:
    """Colour only on a terminal, and never against NO_COLOR or --no-color."""
    return tty and not no_color and not os.environ.get("NO_COLOR")
