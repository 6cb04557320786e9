from __future__ import annotations

import pytest

from llmeter_bar.errors import ConfigError
from llmeter_bar.format.icons import icon_for
from llmeter_bar.format.options import load
from render.helpers import claude, run


def test_lookup_order() -> None:
    data = {"format": {
        "separator": "a", "provider": {"claude": {"separator": "b"}},
        "tmux": {"separator": "c", "provider": {"claude": {"separator": "d"}, "claude:work": {"separator": "e"}}},
    }}
    opts = load(data, "tmux")
    assert opts.get("separator") == "c"
    assert opts.get("separator", "claude") == "d"
    assert opts.get("separator", "claude:work") == "e"
    assert opts.get("separator", "codex") == "c"
    assert load(data, "waybar").get("separator", "claude") == "b"
    assert load(data, "waybar").get("separator") == "a"
    assert load({}, "plain").get("format").startswith("{name}")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": {"fromat": "x"}}, "format: unknown key 'fromat'"),
        ({"format": {"tmux": {"gauge_width": "5"}}}, "format.tmux.gauge_width must be a int"),
        ({"format": {"reset": "soon"}}, "format.reset must be one of countdown, clock"),
        ({"format": {"polybar": {"color": 1}}}, "format.polybar.color must be a boolean"),
        ({"colors": {"warn": "yellow"}}, "colors.warn must be a string"),
        ({"colors": {"meh": "#000000"}}, "unknown level 'meh'"),
    ],
)
def test_errors(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(data, "tmux")


def test_icon_sets_and_override() -> None:
    assert icon_for({}, "claude", None, "Claude") == "✻"
    assert icon_for({"set": "ascii"}, "newthing", None, "newThing") == "N"
    assert icon_for({"set": "none"}, "claude", None, "Claude") == ""
    assert icon_for({"set": "nerd", "provider": {"claude:work": "W"}}, "claude", "work", "Claude") == "W"
    config = {"icons": {"set": "none"}, "format": {"tmux": {"color": False}}}
    assert run("tmux", [claude(instance="work")], config=config).text == "Claude:work 42% 2h13m"
    with pytest.raises(ConfigError, match="icons.set must be one of"):
        run_icons = {"icons": {"set": "emoji"}}
        load(run_icons, "tmux") and icon_for(run_icons["icons"], "claude", None, "Claude")
