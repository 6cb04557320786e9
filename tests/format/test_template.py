from __future__ import annotations

import pytest

from llmeter_bar.errors import ConfigError
from llmeter_bar.format.template import parse

KNOWN = {"icon", "used", "reset_in", "cost", "limit", "name", "plan"}


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("{icon}{used}[ {reset_in}]", {"icon": "✻", "used": "42%", "reset_in": "2h"}, "✻42% 2h"),
        ("{icon}{used}[ {reset_in}]", {"icon": "✻", "used": "42%"}, "✻42%"),
        ("{icon}{used}[ {reset_in}]", {"icon": "✻", "used": "42%", "reset_in": ""}, "✻42%"),
        ("{icon}{used}[ {reset_in}]", {"icon": "✻", "used": "42%", "reset_in": None}, "✻42%"),
        ("{name} {used}", {"name": "Claude"}, "Claude "),  # top level: missing is just empty
        ("[{cost}[ of {limit}]]", {"cost": "$1", "limit": "$5"}, "$1 of $5"),
        ("[{cost}[ of {limit}]]", {"cost": "$1"}, "$1"),
        ("[{cost}[ of {limit}]]", {"limit": "$5"}, ""),  # outer needs cost
        ("[[{used}]]", {"used": "1%"}, "1%"),  # a group shown through its nested group
        ("[[{used}]!]", {}, ""),
        ("[literal only]", {}, ""),
        ("[{used} {plan}]", {"used": "1%"}, ""),  # every direct placeholder must be set
        (r"\[{used}\]", {"used": "1%"}, "[1%]"),
        (r"\{used\}", {}, "{used}"),
        (r"a\\b", {}, "a\\b"),
        (r"a\nb", {}, r"a\nb"),  # unknown escapes stay as written
        ("", {}, ""),
        ("plain", {}, "plain"),
    ],
)
def test_render(source: str, values: dict[str, str | None], expected: str) -> None:
    assert parse(source, KNOWN).render(values) == expected


def test_escape_applies_to_values_only() -> None:
    tpl = parse(r"#\[bold\]{name}", KNOWN)  # host markup in a format: escape its brackets
    assert tpl.render({"name": "a#b"}, lambda s: s.replace("#", "##")) == "#[bold]a##b"


def test_fields() -> None:
    assert parse("{icon}[{used}[{cost}]]", KNOWN).fields() == {"icon", "used", "cost"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{nope}", "unknown placeholder {nope}"),
        ("[{used} {typo}]", "unknown placeholder {typo}"),
        ("{used", "never closed"),
        ("used}", "unmatched '}'"),
        ("[{used}", "'[' is never closed"),
        ("{used}]", "unmatched ']'"),
        ("{}", "invalid placeholder"),
        ("{Used}", "invalid placeholder"),
    ],
)
def test_errors_name_the_problem(source: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("[", r"\[").replace("]", r"\]")
                       .replace("}", r"\}")):
        parse(source, KNOWN, where="format.tmux.format")


def test_error_names_where() -> None:
    with pytest.raises(ConfigError, match=r"^format\.tmux\.format: unknown placeholder"):
        parse("{x}", KNOWN, where="format.tmux.format")


def test_no_known_set_accepts_any_name() -> None:
    assert parse("{anything}").render({"anything": "ok"}) == "ok"
