"""polybar runs the shipped module under Xvfb; ImageMagick's import takes a
screenshot and the test looks at the pixels and at polybar's log."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from support import cli, hosts, png

pytestmark = pytest.mark.hosts

WIDTH, HEIGHT = 1280, 28
COLOURS = {"ok": "#98c379", "warn": "#e5c07b", "crit": "#e06c75"}  # the demo has all three
BAR = """[bar/llmeter-test]
width = {width}
height = {height}
background = #282c34
foreground = #abb2bf
font-0 = DejaVu Sans:size=11;2
padding-right = 1
modules-right = llmeter

include-file = {module}
"""


@pytest.mark.parametrize("shipped", ["module.ini", "module-watch.ini"])
def test_polybar_under_xvfb_renders_the_module_with_level_colours(tmp_path: Path, shipped: str) -> None:
    hosts.need("polybar", "Xvfb", "import", package="polybar xvfb imagemagick")
    module = tmp_path / "module.ini"
    module.write_text(hosts.shipped("polybar", shipped, shlex.join([str(cli.SCRIPT), "--demo"])))
    config = tmp_path / "config.ini"
    config.write_text(BAR.format(width=WIDTH, height=HEIGHT, module=module))
    display = hosts.free_display()
    xvfb_log, bar_log, shot = tmp_path / "xvfb.log", tmp_path / "polybar.log", tmp_path / "polybar.png"
    env = cli.env(DISPLAY=f":{display}")
    xvfb = bar = None
    try:
        xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", f"{WIDTH}x200x24", "-nolisten", "tcp"],
                                stdout=xvfb_log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        hosts.wait_for(lambda: Path(f"/tmp/.X11-unix/X{display}").exists() or xvfb.poll() is not None, 15,
                       "Xvfb's socket", xvfb_log)
        assert xvfb.poll() is None, hosts.read(xvfb_log)
        bar = subprocess.Popen(["polybar", "-c", str(config), "llmeter-test"], env=env,
                               stdout=bar_log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)

        def painted() -> bool:
            grab = subprocess.run(["import", "-display", f":{display}", "-window", "root",
                                   "-crop", f"{WIDTH}x{HEIGHT}+0+0", f"PNG24:{shot}"], capture_output=True, timeout=15)
            if grab.returncode != 0 or not shot.exists():
                return False
            pixels = png.decode(shot).pixels((WIDTH // 2, 0, WIDTH, HEIGHT))
            return all(png.near(pixels, colour, 30) > 10 for colour in COLOURS.values())

        hosts.wait_for(painted, 20, f"the module in all three level colours ({hosts.ARTIFACTS}/polybar-{shipped}.png)", bar_log)
        kept = hosts.keep(shot, f"polybar-{shipped}.png")
        if shipped == "module.ini":
            hosts.publish(shot, "polybar.png")
        log = hosts.read(bar_log)
        assert "Loaded 1 modules" in log, log
        errors = [line for line in log.splitlines() if "error" in line.lower() or "invalid" in line.lower()]
        assert not errors, f"polybar complained:\n{log}"

        image = png.decode(shot)
        box = image.ink_box()
        assert box is not None and box[0] > WIDTH // 3 and box[2] > WIDTH - 40, (box, kept)
        background = image.background()
        ink = sum(1 for px in image.pixels(box) if png.distance(px, background) > 24)
        assert ink > 400, f"only {ink} painted pixels in {box}: {kept}"
    finally:
        if shot.exists():
            hosts.keep(shot, f"polybar-{shipped}.png")
        hosts.stop(bar)
        hosts.stop(xvfb)
