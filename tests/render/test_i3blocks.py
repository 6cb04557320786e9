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
    assert block["name"] == "llmeter" and block["markup"] == "none"


def test_newline_in_data_keeps_protocol() -> None:
    lines = run("i3blocks", [claude(name="a\nb", plan="x")], config={"format": {"format": "{name}"}}).text.split("\n")
    assert lines[0] == "a b" and len(lines) == 3
