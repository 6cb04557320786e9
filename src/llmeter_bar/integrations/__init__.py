"""The shipped host snippets and how ``init`` fills them in.

There is one copy of the files: the repository's top-level ``integrations/``
(which the README links, one folder per host with a README). The wheel carries
that folder as ``llmeter_bar/integrations/shipped/`` (hatch ``force-include``);
a source checkout or editable install reads the repository folder itself. In the
files, ``@LLMETER_BAR@`` stands for the command: bars often run with a reduced
``PATH``, so ``init`` replaces it with the absolute path of the installed
console script.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

PLACEHOLDER = "@LLMETER_BAR@"
_HERE = Path(__file__).resolve().parent


def _root() -> Path:
    shipped = _HERE / "shipped"
    if shipped.is_dir():
        return shipped
    return _HERE.parents[2] / "integrations"  # src/llmeter_bar/integrations -> repo/


ROOT = _root()


@dataclass(frozen=True, slots=True)
class Host:
    name: str
    main: str  # the file ``init HOST`` prints
    files: tuple[str, ...]
    summary: str


HOSTS: dict[str, Host] = {h.name: h for h in (
    Host("tmux", "tmux.conf", ("tmux.conf", "llmeter-bar.tmux"), "status-right snippet; TPM-style plugin"),
    Host("waybar", "config.jsonc", ("config.jsonc", "style.css", "config-watch.jsonc"), "custom/llmeter module and level classes"),
    Host("polybar", "module.ini", ("module.ini", "module-watch.ini"), "custom/script module"),
    Host("i3blocks", "i3blocks.conf", ("i3blocks.conf", "i3blocks-watch.conf"), "block for i3blocks (i3bar, swaybar)"),
    Host("i3bar", "bar.conf", ("bar.conf", "bar-watch.conf"), "i3/sway bar block: i3blocks, or --watch"),
    Host("starship", "starship.toml", ("starship.toml",), "[custom.llmeter] prompt module"),
    Host("claude-code", "settings.json", ("settings.json",), "Claude Code statusLine setting"),
    Host("zellij", "zjstatus.kdl", ("zjstatus.kdl",), "zjstatus command widget"),
    Host("xmobar", "xmobarrc", ("xmobarrc",), "xmobar Run Com entry"),
)}


def path(host: str, name: str | None = None) -> Path:
    """A shipped file; KeyError for an unknown host or file."""
    entry = HOSTS[host]
    name = name or entry.main
    if name not in entry.files:
        raise KeyError(name)
    return ROOT / host / name


def command_words() -> list[str]:
    """How to start this installation from a bar, most specific first.

    The running console script wins over ``PATH`` (which may hold another
    install); ``python -m`` is the last resort and always works.
    """
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) == "llmeter-bar" and os.path.isfile(argv0):
        return [os.path.abspath(argv0)]
    found = shutil.which("llmeter-bar")
    if found:
        return [os.path.abspath(found)]
    return [sys.executable, "-m", "llmeter_bar"]


def fill(text: str, words: list[str]) -> str:
    """The snippet with every placeholder replaced by the shell-quoted command."""
    return text.replace(PLACEHOLDER, shlex.join(words))


def render(host: str, name: str | None = None, words: list[str] | None = None) -> str:
    return fill(path(host, name).read_text(encoding="utf-8"), words or command_words())
