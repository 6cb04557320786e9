from __future__ import annotations

import json

from render.helpers import claude, codex, err, run


def test_payload_shape() -> None:
    payload = json.loads(run("waybar", [claude(five=75.0), codex()]).text)
    assert payload["class"] == payload["alt"] == "warn"
    assert payload["percentage"] == 75
    assert "\r" in payload["tooltip"] and "\n" not in payload["tooltip"]


def test_markup_escaped_and_utf8_raw() -> None:
    text = run("waybar", [claude(name="<A&B>", status="error", windows=[], error=err("a<b"))]).text
    assert "&lt;A&amp;B&gt; (max)" in text and "<A&B>" not in text  # the tooltip names it
    assert "!a&lt;b" in text and "\\u" not in text and "✻" in text


def test_fallback_is_json() -> None:
    rendered = run("waybar", [claude()], config={"colors": {"ok": "green"}})
    assert json.loads(rendered.text)["class"] == "error"
    assert json.loads(rendered.text)["text"] == "llm !cfg"


def test_no_color_option() -> None:
    payload = json.loads(run("waybar", [claude()], config={"format": {"waybar": {"color": False}}}).text)
    assert payload["text"] == "✻ 42% 2h13m"
