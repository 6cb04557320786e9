from __future__ import annotations

from llmeter_bar import render
from render.helpers import claude, run


def test_reads_stdin_and_ignores_odd_payloads() -> None:
    assert render.load("claude-code").reads_stdin is True
    for payload in (None, {}, {"rate_limits": None}, {"model": {"display_name": "\x1b[2J"}}):
        text = run("claude-code", [claude()], stdin_payload=payload).text
        assert text == "\x1b[38;2;152;195;121m✻ 42% 2h13m\x1b[0m"


def test_never_blank() -> None:
    assert run("claude-code", []).text == "llm –"
    assert run("claude-code", [claude(five=1.0, seven=1.0)], config={"thresholds": {"hidden": 50}}).text == "llm –"
    assert run("claude-code", [claude()], no_color=True).text == "✻ 42% 2h13m"
