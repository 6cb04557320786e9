from __future__ import annotations

from render.helpers import claude, codex, err, run


def test_short_line() -> None:
    assert run("plain", [claude(), codex()]).text == "Claude 42% 2h13m · Codex 17% 3d4h"


def test_colour_rules(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert "\x1b" not in run("plain", [claude()]).text  # not a TTY
    assert "\x1b" in run("plain", [claude()], tty=True).text
    assert "\x1b" not in run("plain", [claude()], tty=True, no_color=True).text
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b" not in run("plain", [claude()], tty=True).text


def test_long_lists_errors_and_account_only_on_request() -> None:
    result = claude(status="stale", error=err(), account="me@example.com")
    text = run("plain", [result], long=True).text
    assert "! auth: token expired" in text and "me@example.com" not in text
    assert "me@example.com" in run("plain", [result], long=True, show_account=True).text


def test_twelve_hour_clock_in_long_view() -> None:
    text = run("plain", [claude()], long=True, config={"format": {"clock": "12h"}}).text
    assert "(2:13pm)" in text and "(Sat 4:00pm)" in text
