"""The template language used by every ``format`` string.

Syntax
------
``{name}``
    A placeholder. Unknown names are a ConfigError that names the placeholder,
    so a typo is reported instead of printing an empty hole.
``[ ... ]``
    An optional group, nestable. A group is shown only when every placeholder
    directly inside it has a value and it has something to show: at least one
    placeholder of its own or one nested group that is shown. A group holding
    only literal text therefore never shows. ``"{icon}{used}[ {reset_in}]"``
    drops the space together with an empty reset time.
``\\[ \\] \\{ \\} \\\\``
    Literal brackets, braces and backslash. A backslash before any other
    character is kept as is.

Literal text is trusted (it comes from the user's config and may hold host
markup such as tmux ``#[bold]``); placeholder values are passed through the
renderer's escape function because they come from providers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from llmeter_bar.errors import ConfigError, did_you_mean

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")

# Plain slotted classes, not dataclasses: these are built on every bar redraw and
# a dataclass decorator costs ~0.7 ms of import time each.


class Field:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


class Group:
    __slots__ = ("parts",)

    def __init__(self, parts: tuple[str | Field | Group, ...]) -> None:
        self.parts = parts

    def __repr__(self) -> str:
        return f"Group({self.parts!r})"


def _identity(text: str) -> str:
    return text


class Template:
    """A compiled format string."""

    __slots__ = ("source", "parts")

    def __init__(self, source: str, parts: tuple[str | Field | Group, ...]) -> None:
        self.source = source
        self.parts = parts

    def render(self, values: Mapping[str, str | None], escape: Callable[[str], str] = _identity) -> str:
        """Fill the template; a missing or None value counts as empty."""
        text, _ = _render(self.parts, values, escape, top=True)
        return text

    def fields(self) -> set[str]:
        found: set[str] = set()
        _collect(self.parts, found)
        return found


def _collect(parts: Iterable[str | Field | Group], found: set[str]) -> None:
    for part in parts:
        if isinstance(part, Field):
            found.add(part.name)
        elif isinstance(part, Group):
            _collect(part.parts, found)


def _render(
    parts: tuple[str | Field | Group, ...],
    values: Mapping[str, str | None],
    escape: Callable[[str], str],
    top: bool = False,
) -> tuple[str, bool]:
    out: list[str] = []
    complete = True  # every direct placeholder has a value
    has_content = False  # a direct placeholder or a shown nested group
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Field):
            value = values.get(part.name) or ""
            has_content = True
            if not value:
                complete = False
                if not top:
                    return "", False  # no need to render the rest of a dead group
            out.append(escape(value))
        else:
            text, shown = _render(part.parts, values, escape)
            if shown:
                has_content = True
                out.append(text)
    shown = top or (complete and has_content)
    return ("".join(out), True) if shown else ("", False)


def parse(source: str, known: Iterable[str] | None = None, where: str = "format") -> Template:
    """Compile a format string; ``known`` limits the placeholder names allowed."""
    allowed = frozenset(known) if known is not None else None
    stack: list[list[str | Field | Group]] = [[]]
    literal: list[str] = []

    def flush() -> None:
        if literal:
            stack[-1].append("".join(literal))
            literal.clear()

    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char == "\\" and i + 1 < n:
            nxt = source[i + 1]
            literal.append(nxt if nxt in "[]{}\\" else char + nxt)
            i += 2
            continue
        if char == "{":
            end = source.find("}", i + 1)
            if end < 0:
                raise ConfigError(f"{where}: '{{' at position {i} is never closed (write \\{{ for a literal brace)")
            name = source[i + 1 : end].strip()
            if not name or not set(name) <= _NAME_CHARS:
                raise ConfigError(f"{where}: invalid placeholder {{{name}}} (use lower-case names like {{used}})")
            if allowed is not None and name not in allowed:
                hint = did_you_mean(name, allowed).replace("'", "")
                raise ConfigError(f"{where}: unknown placeholder {{{name}}}{hint}; known: {', '.join(sorted(allowed))}")
            flush()
            stack[-1].append(Field(name))
            i = end + 1
            continue
        if char == "}":
            raise ConfigError(f"{where}: unmatched '}}' at position {i} (write \\}} for a literal brace)")
        if char == "[":
            flush()
            stack.append([])
        elif char == "]":
            if len(stack) == 1:
                raise ConfigError(f"{where}: unmatched ']' at position {i} (write \\] for a literal bracket)")
            flush()
            group = Group(tuple(stack.pop()))
            stack[-1].append(group)
        else:
            literal.append(char)
        i += 1
    if len(stack) > 1:
        raise ConfigError(f"{where}: '[' is never closed (write \\[ for a literal bracket)")
    flush()
    return Template(source, tuple(stack[0]))
