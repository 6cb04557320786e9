"""i3blocks runs the shipped block headless: it writes the i3bar protocol to stdout
and reads click events on stdin, exactly what i3bar or swaybar would see."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest

from support import cli, hosts
from support.hosts import filled_cache  # noqa: F401 - a fixture

pytestmark = pytest.mark.hosts


class I3blocks:
    def __init__(self, binary: str, config: Path, log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen([binary, "-c", str(config)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log.open("wb"), env=cli.env(), start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append(raw.decode("utf-8"))

    def blocks(self) -> list[dict[str, object]]:
        """Every state of the llmeter block, in order, from the status lines so far."""
        found = []
        for line in self.lines[2:]:  # header, then the opening "[" of the endless array
            for block in json.loads(line.lstrip(",")):
                if block.get("name") == "llmeter":
                    found.append(block)
        return found

    def click(self, button: int) -> None:
        assert self.proc.stdin is not None
        if not getattr(self, "_opened", False):
            self.proc.stdin.write(b"[\n")
            self._opened = True
        self.proc.stdin.write(json.dumps({"name": "llmeter", "instance": "", "button": button,
                                          "x": 5, "y": 5}).encode() + b"\n")
        self.proc.stdin.flush()

    def output(self) -> str:
        return "".join(self.lines) + f"\n--- stderr ---\n{hosts.read(self.log)}"


WARN_75 = "<span foreground='#e5c07b'>• 75%</span>"
WARN_75_SHORT = "<span foreground='#e5c07b'>•75%</span>"
CRIT_95 = "<span foreground='#e06c75'>• 95%</span>"

def test_block_full_short_text_colour_and_a_click_that_refreshes(tmp_path, filled_cache):
    binary = hosts.need("i3blocks", package="i3blocks")["i3blocks"]
    config = tmp_path / "i3blocks.conf"
    config.write_text(hosts.shipped("i3blocks"))
    bar = I3blocks(binary, config, tmp_path / "i3blocks.log")
    try:
        first = hosts.wait_for(lambda: bar.blocks(), 10, "the llmeter block", tmp_path / "i3blocks.log")[0]
        header = json.loads(bar.lines[0])
        assert header["version"] == 1 and header["click_events"] is True
        assert (first["full_text"], first["short_text"], first["markup"]) == (WARN_75, WARN_75_SHORT, "pango"), bar.output()
        assert "color" not in first, bar.output()  # each provider coloured, not the whole block
        assert not first.get("urgent"), bar.output()

        filled_cache.set_used(95)
        bar.click(3)  # a right click only re-renders: no fetch
        hosts.wait_for(lambda: len(bar.blocks()) >= 2, 10, "a re-render after a right click", tmp_path / "i3blocks.log")
        assert filled_cache.hits() == 1 and bar.blocks()[-1]["full_text"] == WARN_75, bar.output()

        bar.click(1)  # left click: llmeter-bar refresh, then the render
        last = hosts.wait_for(lambda: [b for b in bar.blocks() if b["full_text"] == CRIT_95], 15,
                              f"95% after a left click:\n{bar.output()}")[-1]
        assert last["short_text"] == "<span foreground='#e06c75'>•95%</span>", bar.output()
        assert filled_cache.hits() == 2
    finally:
        hosts.stop(bar.proc)


def test_persistent_block_updates_in_place_when_a_refresh_lands(tmp_path, filled_cache):
    """i3blocks 1.4 (Debian 12) hands persist blocks no clicks; 1.5 writes them to stdin."""
    binary = hosts.need("i3blocks", package="i3blocks")["i3blocks"]
    config = tmp_path / "i3blocks.conf"
    config.write_text(hosts.shipped("i3blocks", "i3blocks-watch.conf"))
    log = tmp_path / "i3blocks.log"
    bar = I3blocks(binary, config, log)
    try:
        first = hosts.wait_for(lambda: [b for b in bar.blocks() if b.get("full_text")], 10, "the llmeter block", log)[0]
        assert (first["full_text"], first["short_text"], first["markup"]) == (WARN_75, WARN_75_SHORT, "pango"), bar.output()
        assert "color" not in first, bar.output()  # each provider coloured, not the whole block

        filled_cache.set_used(95)
        assert cli.run("refresh").returncode == 0  # it tells running watchers the cache changed
        last = hosts.wait_for(lambda: [b for b in bar.blocks() if b.get("full_text") == CRIT_95], 15,
                              f"95% after llmeter-bar refresh:\n{bar.output()}")[-1]
        assert last["short_text"] == "<span foreground='#e06c75'>•95%</span>", bar.output()
        assert filled_cache.hits() == 2
    finally:
        hosts.stop(bar.proc)


def test_i3bar_status_command_speaks_the_protocol_and_fetches_on_a_click(tmp_path, filled_cache):
    """What i3bar or swaybar would see from the shipped status_command (run with sh -c)."""
    line = next(l for l in hosts.shipped("i3bar", "bar-watch.conf").splitlines() if "status_command" in l)
    command = line.split("status_command", 1)[1].strip()
    proc = subprocess.Popen(["sh", "-c", command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=cli.env(), start_new_session=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(raw.decode() for raw in proc.stdout), daemon=True).start()  # type: ignore[union-attr]

    def states() -> list[dict[str, object]]:
        return [block for text in lines[2:] for block in json.loads(text.lstrip(","))]

    try:
        hosts.wait_for(lambda: states(), 10, "the first status line")
        assert json.loads(lines[0]) == {"version": 1, "click_events": True} and lines[1].strip() == "[", lines
        first = states()[0]
        assert (first["name"], first["full_text"], first["markup"]) == ("llmeter", WARN_75, "pango"), lines
        filled_cache.set_used(95)
        assert proc.stdin is not None
        proc.stdin.write(b'[\n{"name":"llmeter","button":1,"x":3,"y":3}\n')
        proc.stdin.flush()
        last = hosts.wait_for(lambda: [s for s in states() if s["full_text"] == CRIT_95], 15,
                              f"95% after a click: {lines}")[-1]
        assert filled_cache.hits() == 2
    finally:
        hosts.stop(proc)
    assert proc.stderr is not None and proc.stderr.read() == b""
