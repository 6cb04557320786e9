from __future__ import annotations

from render.helpers import claude, run


def test_colours_and_percent_before_tag() -> None:
    assert run("polybar", [claude()]).text == "%{F#98c379}✻ 42% 2h13m%{F-}"


def test_tag_in_data_is_broken() -> None:
    text = run("polybar", [claude(name="%{A1:rm -rf ~:}x", plan="{F-}")],
               config={"format": {"polybar": {"format": "{name}%{plan}", "color": False}}}).text
    assert "%{" not in text
    assert text == "%\u200b{A1:rm -rf ~:}x%\u200b{F-}"
