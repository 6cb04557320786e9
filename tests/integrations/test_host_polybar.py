"""polybar runs the shipped module under Xvfb; ImageMagick's import takes a
screenshot and the test looks at the pixels and at polybar's log."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import cli, hosts, png
from support.hosts import filled_cache  # noqa: F401 - a fixture

pytestmark = pytest.mark.hosts

WIDTH, HEIGHT = 1280, 28
# The six providers the screenshot has always shown: all of the demo no longer fits the right half.
DEMO_SIX = "claude,codex,copilot,gemini,openrouter,anthropic-api"
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
    shot = tmp_path / "polybar.png"

    def painted() -> bool:
        image = _grab(display, shot)
        pixels = image.pixels((WIDTH // 2, 0, WIDTH, HEIGHT)) if image else []
        return bool(pixels) and all(png.near(pixels, colour, 30) > 10 for colour in COLOURS.values())

    try:
        with _polybar(tmp_path, hosts.shipped("polybar", shipped, shlex.join([str(cli.SCRIPT), "--demo", "-p", DEMO_SIX]))) as (
                display, bar_log):
            hosts.wait_for(painted, 20, f"the module in all three level colours ({hosts.ARTIFACTS}/polybar-{shipped}.png)",
                           bar_log)
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


@contextmanager
def _polybar(tmp_path: Path, module_text: str) -> Iterator[tuple[int, Path]]:
    """polybar with one module under a fresh Xvfb: (display number, polybar's log)."""
    module = tmp_path / "module.ini"
    module.write_text(module_text)
    config = tmp_path / "config.ini"
    config.write_text(BAR.format(width=WIDTH, height=HEIGHT, module=module))
    display = hosts.free_display()
    xvfb_log, bar_log = tmp_path / "xvfb.log", tmp_path / "polybar.log"
    xvfb = bar = None
    try:
        # -noreset: by default the server resets when its last client leaves, and
        # a screenshot taken before polybar connected made polybar's connection fail.
        xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", f"{WIDTH}x200x24", "-nolisten", "tcp",
                                 "-noreset"],
                                stdout=xvfb_log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        hosts.wait_for(lambda: Path(f"/tmp/.X11-unix/X{display}").exists() or xvfb.poll() is not None, 15,
                       "Xvfb's socket", xvfb_log)
        assert xvfb.poll() is None, hosts.read(xvfb_log)
        bar = subprocess.Popen(["polybar", "-c", str(config), "llmeter-test"], env=cli.env(DISPLAY=f":{display}"),
                               stdout=bar_log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        yield display, bar_log
    finally:
        hosts.stop(bar)
        hosts.stop(xvfb)


def _grab(display: int, shot: Path) -> png.Image | None:
    grab = subprocess.run(["import", "-display", f":{display}", "-window", "root",
                           "-crop", f"{WIDTH}x{HEIGHT}+0+0", f"PNG24:{shot}"], capture_output=True, timeout=15)
    return png.decode(shot) if grab.returncode == 0 and shot.exists() else None


def _shows(display: int, shot: Path, colour: str) -> png.Image | None:
    image = _grab(display, shot)
    if image is None or png.near(image.pixels((WIDTH // 2, 0, WIDTH, HEIGHT)), colour, 30) <= 10:
        return None
    return image


@pytest.mark.parametrize("shipped", ["module-watch.ini", "module.ini"])
def test_a_click_on_the_module_fetches_now(tmp_path: Path, filled_cache, shipped: str) -> None:  # noqa: F811
    """The shipped click recipes, clicked for real (xdotool): the watcher gets
    SIGUSR1 through polybar's %pid%, the plain module runs `refresh`."""
    hosts.need("polybar", "Xvfb", "import", "xdotool", package="polybar xvfb imagemagick xdotool")
    shot = tmp_path / "polybar.png"
    with _polybar(tmp_path, hosts.shipped("polybar", shipped, str(cli.SCRIPT))) as (display, bar_log):
        image = hosts.wait_for(lambda: _shows(display, shot, COLOURS["warn"]), 20, "75 % in the warn colour",
                               bar_log)
        box = image.ink_box()
        assert box is not None, hosts.keep(shot, f"polybar-click-{shipped}.png")
        filled_cache.set_used(95)
        assert filled_cache.hits() == 1
        x, y = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], env=cli.env(DISPLAY=f":{display}"),
                       check=True, capture_output=True, timeout=10)
        hosts.wait_for(lambda: filled_cache.hits() == 2, 15, "the fetch a click starts", bar_log)
        if shipped == "module-watch.ini":  # the watcher prints at once; module.ini shows it at its next interval
            hosts.wait_for(lambda: _shows(display, shot, COLOURS["crit"]), 15, "95 % in the crit colour", bar_log)
        hosts.keep(shot, f"polybar-click-{shipped}.png")
        assert filled_cache.hits() == 2
