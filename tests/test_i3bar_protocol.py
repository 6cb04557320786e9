"""``--format i3bar --watch`` speaks the i3bar/swaybar protocol; i3blocks persist blocks take clicks too."""

from __future__ import annotations

import json
import time

from llmeter_bar.live.clicks import is_click
from support import cli
from support.watcher import Watcher

CLICK = {"name": "llmeter", "instance": "", "button": 1, "modifiers": [], "x": 1800, "y": 10,
         "relative_x": 12, "relative_y": 10, "output_x": 1800, "output_y": 10, "width": 90, "height": 20}


OK_40 = "<span foreground='#98c379'>• 40%</span>"

def _filled(fake_server, write_config, used: float = 40) -> None:
    fake_server.reply("/usage/fake", {"used": used})
    write_config(cli.fake_config(fake_server.url))
    assert "fake: ok" in cli.run("refresh").stdout


def _status_line(line: str, first: bool) -> list[dict]:
    """One element of the infinite array, parsed on its own (the leading comma is framing)."""
    if not first:
        assert line.startswith(","), line
        line = line[1:]
    blocks = json.loads(line)
    assert isinstance(blocks, list) and blocks
    for block in blocks:
        assert block["name"] == "llmeter" and isinstance(block["full_text"], str)
    return blocks


def test_header_and_infinite_array_framing(fake_server, write_config):
    _filled(fake_server, write_config)
    with Watcher("--format", "i3bar", stdin=True) as w:
        header = json.loads(w.next_line())
        assert header == {"version": 1, "click_events": True}
        assert w.next_line() == "["
        first = _status_line(w.next_line(), first=True)
        # Pango: each provider in its level's colour, the block's own colour left to the bar.
        assert first[0]["full_text"] == OK_40 and first[0]["markup"] == "pango" and "color" not in first[0]
        fake_server.reply("/usage/fake", {"used": 93})
        assert "fake: ok" in cli.run("refresh").stdout
        second = _status_line(w.next_line(timeout=5), first=False)
        assert second[0]["full_text"] == "<span foreground='#e06c75'>• 93%</span>"
        # Everything after the header is a prefix of one valid JSON array.
        stream = json.loads("\n".join(w.seen[1:]) + "]")
        assert [line[0]["full_text"] for line in stream] == [OK_40, "<span foreground='#e06c75'>• 93%</span>"]


def test_a_click_fetches_once_and_shows_the_result(fake_server, write_config):
    _filled(fake_server, write_config)
    with Watcher("--format", "i3bar", stdin=True) as w:
        for _ in range(3):
            w.next_line()
        fake_server.reply("/usage/fake", {"used": 71})
        w.send("[\n" + json.dumps(CLICK) + "\n")
        line = w.until(lambda text: "71%" in text, timeout=8)
        assert _status_line(line, first=False)[0]["full_text"] == "<span foreground='#e5c07b'>• 71%</span>"
        assert w.quiet_for(2.5) == []
    assert fake_server.hits["/usage/fake"] == 2


def test_malformed_and_foreign_stdin_is_ignored(fake_server, write_config):
    _filled(fake_server, write_config)
    with Watcher("--format", "i3bar", stdin=True) as w:
        for _ in range(3):
            w.next_line()
        w.send("[\n")
        w.send("garbage\n,{not json\n,[1,2]\n,\"text\"\n")
        w.send("," + json.dumps({**CLICK, "name": "clock"}) + "\n")  # another block's click
        w.send("," + json.dumps({**CLICK, "button": 4}) + "\n")  # a wheel turn
        w.send("{\"name\": \"llmeter\", \"button\": 1" + "x" * 100000 + "\n")  # absurdly long line
        assert w.quiet_for(2.5) == []
        assert fake_server.hits["/usage/fake"] == 1
        assert w.proc.poll() is None
        fake_server.reply("/usage/fake", {"used": 18})
        w.send("," + json.dumps(CLICK) + "\n")  # still listening after all that
        w.until(lambda text: "18%" in text, timeout=8)
    assert fake_server.hits["/usage/fake"] == 2
    assert w.stderr_text() == ""


def test_a_click_never_skips_a_rate_limit_wait(tmp_path, fake_server, write_config):
    from llmeter_bar.store.cache import Store

    _filled(fake_server, write_config)
    store = Store(tmp_path / "cache")
    store.update("fake", not_before=time.time() + 600)
    store.close()
    with Watcher("--format", "i3bar", stdin=True) as w:
        for _ in range(3):
            w.next_line()
        w.send("[\n" + json.dumps(CLICK) + "\n")
        time.sleep(2.5)
    assert fake_server.hits["/usage/fake"] == 1


def test_stdin_closed_by_the_bar_is_not_the_end(fake_server, write_config):
    _filled(fake_server, write_config)
    with Watcher("--format", "i3bar", stdin=True) as w:
        for _ in range(3):
            w.next_line()
        assert w.proc.stdin is not None
        w.proc.stdin.close()  # EOF on stdin: stop reading it, keep printing
        before = w.cpu_seconds()
        time.sleep(3)
        assert w.proc.poll() is None
        assert w.cpu_seconds() - before < 0.3  # not woken by the EOF over and over
        fake_server.reply("/usage/fake", {"used": 44})
        cli.run("refresh")
        assert "44%" in w.next_line(timeout=5)


def test_i3blocks_persist_raw_click_and_single_lines(fake_server, write_config):
    _filled(fake_server, write_config)
    with Watcher("--format", "i3blocks", stdin=True) as w:
        assert w.next_line() == "• 40%"  # full_text only: a persist block reads each line as full_text
        fake_server.reply("/usage/fake", {"used": 66})
        w.send("1\n")  # raw persist blocks get the button number
        assert w.until(lambda text: text != "• 40%", timeout=8) == "• 66%"
    assert fake_server.hits["/usage/fake"] == 2


def test_i3blocks_persist_json_click(fake_server, write_config):
    _filled(fake_server, write_config)
    with Watcher("--format", "i3blocks-json", stdin=True) as w:
        assert json.loads(w.next_line())["full_text"] == "• 40%"
        fake_server.reply("/usage/fake", {"used": 67})
        w.send(json.dumps({"name": "llmeter", "button": "1", "interval": "persist"}) + "\n")
        assert json.loads(w.until(lambda text: "67%" in text, timeout=8))["full_text"] == "• 67%"
    assert fake_server.hits["/usage/fake"] == 2


def test_one_shot_i3bar_is_unchanged(fake_server, write_config):
    _filled(fake_server, write_config)
    run = cli.run("--format", "i3bar")
    assert run.stdout.count("\n") == 1
    assert json.loads(run.stdout)["full_text"] == OK_40


def test_click_lines():
    assert not is_click(b"[")
    assert is_click(b"1") and is_click(b"2") and not is_click(b"4")
    assert not is_click(b"3") and not is_click(b'{"button":3}')  # right: the dashboard, not a refresh
    assert is_click(b',{"name":"llmeter","button":1}', "llmeter")
    assert not is_click(b',{"name":"clock","button":1}', "llmeter")
    assert is_click(b'[{"button":2}')
    assert not is_click(b"{oops") and not is_click(b"") and not is_click(b'"text"')
