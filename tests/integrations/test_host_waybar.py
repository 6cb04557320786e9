"""waybar runs the shipped module config and CSS inside a headless sway; grim
takes a screenshot of the bar and the test looks at the pixels."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

from llmeter_bar import integrations
from support import hosts, png, unprivileged

pytestmark = pytest.mark.hosts

WIDTH, HEIGHT = 1280, 28
COLOURS = {"ok": "#98c379", "warn": "#e5c07b", "crit": "#e06c75"}  # the demo has all three
LOG_ERRORS = ("[error]", "[warning]", "Gtk-WARNING", "Gtk-CRITICAL", "JSON", "markup", "is it endless")

# A bar of its own around the shipped module rules, the way a user's style.css would be.
BAR_CSS = """@import url("{shipped}");
* {{ font-family: "DejaVu Sans"; font-size: 13px; border: none; border-radius: 0; min-height: 0; }}
window#waybar {{ background-color: #282c34; color: #abb2bf; }}
"""


def _complaints(log: str) -> list[str]:
    return [line for line in log.splitlines() if any(word in line for word in LOG_ERRORS)]


def _grab(acct: unprivileged.Account, env: dict[str, str], shot: Path) -> png.Image | None:
    done = subprocess.run([*acct.prefix, "grim", "-g", f"0,0 {WIDTH}x{HEIGHT}", str(shot)], env=env,
                          capture_output=True, timeout=15)
    return png.decode(shot) if done.returncode == 0 and shot.exists() else None


def _module_painted(image: png.Image | None) -> bool:
    if image is None:
        return False
    pixels = image.pixels((WIDTH // 2, 0, WIDTH, HEIGHT))
    return all(png.near(pixels, colour, 30) > 10 for colour in COLOURS.values())


CHIP = "#282c34"  # the shipped style.css's module background


# config.jsonc with the shipped style.css alone (GTK's default light theme around
# it: the README's screenshot); the watching config inside a dark bar's own CSS.
@pytest.mark.parametrize(("shipped", "css"), [("config.jsonc", "alone"), ("config-watch.jsonc", "in a dark bar")])
def test_waybar_in_headless_sway_renders_the_module_with_level_colours(shipped: str, css: str):
    hosts.need("sway", "waybar", "grim", package="sway waybar grim")
    acct = unprivileged.account()
    if isinstance(acct, str):
        hosts.unavailable(acct)
    sway = None
    try:
        home = acct.home
        runtime = acct.mkdir("run", mode=0o700)
        for folder in ("cache", "config", "state", "data"):
            acct.mkdir("xdg", folder)
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": str(runtime), "XDG_CACHE_HOME": str(home / "xdg/cache"),
            "XDG_CONFIG_HOME": str(home / "xdg/config"), "XDG_STATE_HOME": str(home / "xdg/state"),
            "XDG_DATA_HOME": str(home / "xdg/data"),
            "WLR_BACKENDS": "headless", "WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1",
        }
        words = unprivileged.command(acct, env)
        if isinstance(words, str):
            hosts.unavailable(words)
        files = acct.mkdir("files")
        config = files / "config.jsonc"
        config.write_text(hosts.shipped("waybar", shipped, shlex.join([*words, "--demo"])))
        style = files / "style.css"
        shipped_css = integrations.path("waybar", "style.css")
        style.write_text(shipped_css.read_text() if css == "alone" else BAR_CSS.format(shipped=shipped_css))
        log, pidfile = files / "waybar.log", files / "waybar.pid"
        for path in (config, style):
            path.chmod(0o644)
        acct.give(files)
        (files / "sway.conf").write_text(
            f"output HEADLESS-1 resolution {WIDTH}x400\n"
            f"exec sh -c 'echo $$ > {pidfile}; exec waybar -c {config} -s {style} > {log} 2>&1'\n"
        )
        sway_log = files / "sway.log"
        sway = subprocess.Popen([*acct.prefix, "sway", "-c", str(files / "sway.conf")], env=env,
                                stdout=sway_log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        hosts.wait_for(lambda: (runtime / "wayland-1").exists() or sway.poll() is not None, 20,
                       "sway's wayland socket", sway_log)
        assert sway.poll() is None, f"sway exited:\n{hosts.read(sway_log)}"
        env["WAYLAND_DISPLAY"] = "wayland-1"
        shot = files / "waybar.png"
        painted = False

        def settled() -> bool:
            nonlocal painted
            painted = _module_painted(_grab(acct, env, shot))
            return painted or bool(_complaints(hosts.read(log)))

        hosts.wait_for(settled, 20, f"the module in all three level colours ({hosts.ARTIFACTS}/waybar-{shipped}.png)", log)
        time.sleep(0.5)  # let a late warning about the module reach the log
        text = hosts.read(log)
        assert not _complaints(text), f"waybar complained:\n{text}"
        kept = hosts.keep(shot, f"waybar-{shipped}.png")
        if shipped == "config.jsonc":
            hosts.publish(shot, "waybar.png")
        assert painted, f"module not painted in the level colours: {kept}"
        assert "Bar configured" in text, text

        image = png.decode(shot)
        box = image.ink_box()
        assert box is not None and box[0] > WIDTH // 3 and box[2] > WIDTH - 40, (box, kept)
        module = image.pixels(box)
        background = image.background()
        ink = sum(1 for px in module if png.distance(px, background) > 24)
        assert ink > 400, f"only {ink} painted pixels in {box}: {kept}"
        assert png.near(module, COLOURS["crit"], 10) > 0.4 * (box[2] - box[0]), (
            f"no crit underline from style.css across the module: {kept}")
        if css == "alone":
            # Readable on GTK's light default: the figures sit on the module's dark chip.
            assert png.distance(background, (0x28, 0x2C, 0x34)) > 100, (background, kept)
            assert png.near(module, CHIP, 6) > 0.5 * len(module), f"no dark chip behind the figures: {kept}"
    finally:
        files = acct.home / "files"
        if (files / "waybar.png").exists():
            hosts.keep(files / "waybar.png", f"waybar-{shipped}.png")
        hosts.stop(sway)
        if (files / "waybar.pid").exists():  # sway started it in a session of its own
            try:
                os.kill(int((files / "waybar.pid").read_text()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass
        acct.cleanup()


def test_swaybar_shows_each_provider_in_its_own_colour():
    """swaybar itself (no waybar): the shipped bar-watch.conf status_command in a headless
    sway, Pango markup on, so Gemini at 8% stays green beside Copilot's red 91%. The
    screenshot is integrations/i3bar/README.md's."""
    hosts.need("sway", "grim", package="sway grim")
    acct = unprivileged.account()
    if isinstance(acct, str):
        hosts.unavailable(acct)
    sway = None
    try:
        home = acct.home
        runtime = acct.mkdir("run", mode=0o700)
        for folder in ("cache", "config", "state", "data"):
            acct.mkdir("xdg", folder)
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": str(runtime), "XDG_CACHE_HOME": str(home / "xdg/cache"),
            "XDG_CONFIG_HOME": str(home / "xdg/config"), "XDG_STATE_HOME": str(home / "xdg/state"),
            "XDG_DATA_HOME": str(home / "xdg/data"),
            "WLR_BACKENDS": "headless", "WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1",
        }
        words = unprivileged.command(acct, env)
        if isinstance(words, str):
            hosts.unavailable(words)
        files = acct.mkdir("files")
        bar = hosts.shipped("i3bar", "bar-watch.conf", shlex.join([*words, "--demo", "-p", DEMO_FEW]))
        (files / "sway.conf").write_text(f"output HEADLESS-1 resolution {WIDTH}x400\n{bar}\n")
        acct.give(files)
        sway_log = files / "sway.log"
        sway = subprocess.Popen([*acct.prefix, "sway", "-c", str(files / "sway.conf")], env=env,
                                stdout=sway_log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        hosts.wait_for(lambda: (runtime / "wayland-1").exists() or sway.poll() is not None, 20,
                       "sway's wayland socket", sway_log)
        assert sway.poll() is None, f"sway exited:\n{hosts.read(sway_log)}"
        env["WAYLAND_DISPLAY"] = "wayland-1"
        shot = files / "swaybar.png"

        def painted() -> png.Image | None:
            done = subprocess.run([*acct.prefix, "grim", "-g", f"0,{400 - BAR_H} {WIDTH}x{BAR_H}", str(shot)],
                                  env=env, capture_output=True, timeout=15)
            if done.returncode != 0 or not shot.exists():
                return None
            image = png.decode(shot)
            pixels = image.pixels((WIDTH // 2, 0, WIDTH, BAR_H))
            return image if all(png.near(pixels, c, 30) > 10 for c in COLOURS.values()) else None

        image = hosts.wait_for(painted, 20, f"the block in all three level colours ({hosts.ARTIFACTS}/swaybar.png)",
                               sway_log)
        kept = hosts.keep(shot, "swaybar.png")
        hosts.publish(shot, "swaybar.png")
        # Per provider: the ok green (Claude 42%, Gemini 8%) is as present as the crit red of
        # one provider; with one colour per block everything would be red.
        pixels = image.pixels((WIDTH // 2, 0, WIDTH, BAR_H))
        assert png.near(pixels, COLOURS["ok"], 30) > png.near(pixels, COLOURS["crit"], 30) / 2, kept
    finally:
        hosts.stop(sway)
        acct.cleanup()


BAR_H = 22
DEMO_FEW = "claude,codex,copilot,gemini"
