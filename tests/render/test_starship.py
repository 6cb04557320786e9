from __future__ import annotations

from render.helpers import claude, codex, run


def test_plain_text_unescaped() -> None:
    text = run("starship", [claude(plan="$HOME `x` %d \\")], config={"format": {"format": "{plan}"}}).text
    assert text == "$HOME `x` %d \\"


def test_ansi_only_when_asked() -> None:
    assert "\x1b" not in run("starship", [claude(), codex()]).text
    config = {"format": {"starship": {"color": True}}}
    assert run("starship", [claude()], config=config).text == "\x1b[38;2;152;195;121m✻ 42% 2h13m\x1b[0m"
    assert "\x1b" not in run("starship", [claude()], config=config, no_color=True).text
