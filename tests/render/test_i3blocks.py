from __future__ import annotations

import json

from render.helpers import claude, codex, run


def test_lines() -> None:
    assert run("i3blocks", [claude(), codex()]).text == "✻ 42% 2h13m · ◎ 17% 3d4h\n✻42% ◎17%\n#98c379"


def test_urgent_only_when_opted_in() -> None:
    assert run("i3blocks", [claude(five=95.0)]).exit_code == 0
    config = {"format": {"i3blocks": {"urgent": True}}}
    assert run("i3blocks", [claude(five=95.0)], config=config).exit_code == 33
    assert run("i3blocks", [claude(five=50.0)], config=config).exit_code == 0
    assert run("i3blocks-json", [claude(five=95.0)], config=config).exit_code == 33
    bar = run("i3bar", [claude(five=95.0)], config=config)
    assert bar.exit_code == 0 and json.loads(bar.text)["urgent"] is True


def test_json_variants() -> None:
    payload = json.loads(run("i3blocks-json", [claude()]).text)
    assert payload == {"full_text": "✻ 42% 2h13m", "short_text": "✻42%", "color": "#98c379"}
    block = json.loads(run("i3bar", [claude()]).text)
    assert block == {"name": "llmeter", "markup": "pango", "full_text": "<span foreground='#98c379'>✻ 42% 2h13m</span>",
                     "short_text": "<span foreground='#98c379'>✻42%</span>"}
    plain = json.loads(run("i3bar", [claude()], config={"format": {"i3blocks": {"markup": "none"}}}).text)
    assert plain == {"name": "llmeter", "markup": "none", "full_text": "✻ 42% 2h13m", "short_text": "✻42%",
                     "color": "#98c379"}


def test_pango_colours_each_provider_when_the_block_asks(monkeypatch) -> None:
    """i3blocks exports the block's markup=pango as $markup: Gemini at 8% stays green."""
    from helpers import codex

    results = [claude(five=95.0, seven=10.0), codex()]
    whole = run("i3blocks", results).text.split("\n")
    assert whole[2] == "#e06c75"  # one colour: the worst level's
    monkeypatch.setenv("markup", "pango")
    lines = run("i3blocks", results + [claude(name="<b>&", id="x")], config={"format": {"format": "{name}"}}).text
    first = lines.split("\n")[0]
    assert first.startswith("<span foreground='#e06c75'>Claude</span> · <span foreground=")
    assert "&lt;b&gt;&amp;" in first and len(lines.split("\n")) == 2  # escaped; no block colour line
    payload = json.loads(run("i3blocks-json", results).text)
    assert payload["markup"] == "pango" and "color" not in payload


def test_newline_in_data_keeps_protocol() -> None:
    lines = run("i3blocks", [claude(name="a\nb", plan="x")], config={"format": {"format": "{name}"}}).text.split("\n")
    assert lines[0] == "a b" and len(lines) == 3
