"""The dashboard in real terminals: a tmux pane, tmux's popup from the shipped
plugin, and an xterm opened by ``dashboard --popup`` under Xvfb (the README's
screenshot)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmeter_bar import integrations
from llmeter_bar.demo import demo_results
from support import cli, hosts, png
from support.hosts import filled_cache  # noqa: F401 - a fixture

pytestmark = pytest.mark.hosts

DEMO_NAMES = [r.name for r in demo_results()]
COLOURS = {"ok": "#98c379", "warn": "#e5c07b", "crit": "#e06c75"}


class Tmux:
    def __init__(self, tmux: str, socket: Path, env: dict[str, str]) -> None:
        self.tmux, self.socket, self.env = tmux, socket, env

    def __call__(self, *args: str) -> str:
        done = subprocess.run([self.tmux, "-S", str(self.socket), *args], capture_output=True, text=True,
                              env=self.env, timeout=15)
        assert done.returncode == 0, f"tmux {' '.join(args)}: {done.stderr}"
        return done.stdout

    def show(self, target: str, fmt: str) -> str:
        return self("display-message", "-p", "-t", target, fmt).strip()


@pytest.fixture
def tmux_server() -> Iterator[callable]:  # type: ignore[valid-type]
    tmux = hosts.need("tmux", package="tmux")["tmux"]
    folder = Path(tempfile.mkdtemp(prefix="lmb-dash-"))  # short: unix socket paths are limited
    started: list[Tmux] = []

    def start(name: str, **env: str) -> Tmux:
        server = Tmux(tmux, folder / name, cli.env(TERM="xterm-256color", COLORTERM="truecolor", **env))
        started.append(server)
        return server

    yield start
    for server in started:
        subprocess.run([tmux, "-S", str(server.socket), "kill-server"], capture_output=True, env=server.env)
    shutil.rmtree(folder, ignore_errors=True)


def test_demo_dashboard_in_a_tmux_pane_shows_every_provider_and_q_leaves_the_terminal_clean(tmux_server):
    tmux = tmux_server("pane")
    started = time.monotonic()
    # A shell around it stays after the dashboard quits: its exit status, then the terminal's modes.
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "dash", "-x", "120", "-y", "60",
         f"sh -c '{cli.SCRIPT} dashboard --demo; echo EXIT=$?; exec sleep 120'")

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", "dash")

    shown = hosts.wait_for(lambda: all(n in screen() for n in DEMO_NAMES) and screen(), 20,
                           "every demo provider on the screen")
    first_frame = time.monotonic() - started
    rows = shown.split("\n")
    gauges = 0
    for result in demo_results():
        at = next(i for i, line in enumerate(rows) if result.name in line)
        assert "╭" in rows[at], rows[at]  # each name heads a card
        card = rows[at + 1:at + 1 + 2 * len(result.windows)]
        if result.windows:  # the first window's gauge is on the card's first line
            assert "▰" in card[0] or "▱" in card[0], (result.name, card)
            gauges += 1
    assert gauges == sum(1 for result in demo_results() if result.windows) >= 4
    assert shown.count("▰") >= 9 and "DEMO DATA" in shown
    coloured = tmux("capture-pane", "-p", "-e", "-t", "dash")
    assert "38;2;224;108;117" in coloured and "38;2;229;192;123" in coloured  # crit and warn, the bars' colours
    assert tmux.show("dash", "#{alternate_on}") == "1"
    tmux("send-keys", "-t", "dash", "q")
    hosts.wait_for(lambda: "EXIT=" in screen(), 10, "the dashboard to exit")
    flags = tmux.show("dash", "#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_sgr_flag} #{keypad_flag}")
    assert flags == "0 1 0 0 0", flags  # main screen back, cursor shown, mouse reporting off
    after = screen()
    assert after.strip() == "EXIT=0", after  # nothing of the dashboard left on the main screen
    print(f"first frame within {first_frame:.2f} s (tmux polling included)")


def test_prefix_L_from_the_shipped_plugin_opens_the_dashboard_in_a_popup_and_q_closes_it(tmux_server,
                                                                                       filled_cache):
    inner, outer = tmux_server("inner"), tmux_server("outer")
    plugin = integrations.path("tmux", "llmeter-bar.tmux")
    conf = Path(tempfile.mkdtemp(prefix="lmb-dash-conf-")) / "inner.conf"
    conf.write_text(f"set -g status-right '#{{llmeter}}'\nset -g @llmeter_command '{cli.SCRIPT}'\n"
                    f"run-shell 'bash {plugin}'\n")
    try:
        inner("-f", str(conf), "new-session", "-d", "-s", "in", "-x", "110", "-y", "34")
        keys = inner("list-keys", "-T", "prefix", "L") + inner("list-keys", "-T", "root", "MouseDown3StatusRight")
        assert keys.count(f'display-popup -E -h "90%" -w "90%" "{cli.SCRIPT} dashboard"') == 2, keys
        attach = f"env -u TMUX {inner.tmux} -S {inner.socket} attach -t in"
        outer("-f", "/dev/null", "new-session", "-d", "-s", "out", "-x", "110", "-y", "34", attach)

        def screen() -> str:
            return outer("capture-pane", "-p", "-t", "out")

        hosts.wait_for(lambda: "75%" in screen(), 15, "the inner client with its status line")
        outer("send-keys", "-t", "out", "C-b", "L")
        popup = hosts.wait_for(lambda: "Fake" in screen() and "▰" in screen() and screen(), 20,
                               "the dashboard in the popup")
        assert "llmeter-bar · 1 provider" in popup, popup
        outer("send-keys", "-t", "out", "q")
        hosts.wait_for(lambda: "▰" not in screen(), 10, "the popup to close")
    finally:
        shutil.rmtree(conf.parent, ignore_errors=True)
    assert filled_cache.hits() == 1  # the dashboard read the cache: no fetch of its own


def test_popup_opens_xterm_under_xvfb_with_the_bars_colours(tmp_path):
    need = hosts.need("Xvfb", "import", "xdotool", package="xvfb imagemagick xdotool")
    hosts.need("xterm", package="xterm")
    width, height = 1000, 480
    display = hosts.free_display()
    xvfb_log = tmp_path / "xvfb.log"
    xvfb = subprocess.Popen([need["Xvfb"], f":{display}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp",
                             "-noreset"], stdout=xvfb_log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    shot = tmp_path / "dashboard.png"
    try:
        hosts.wait_for(lambda: Path(f"/tmp/.X11-unix/X{display}").exists() or xvfb.poll() is not None, 15,
                       "Xvfb's socket", xvfb_log)
        terminal = ("xterm -geometry 118x27+0+0 -fa 'DejaVu Sans Mono' -fs 10 -tn xterm-256color "
                    "-xrm 'XTerm*directColor: true' "
                    "-xrm 'XTerm*borderWidth: 0'")
        env = dict(DISPLAY=f":{display}", TERMINAL=terminal, COLORTERM="truecolor")
        done = cli.run("dashboard", "--popup", "--demo", **env)
        assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done
        xdotool = need["xdotool"]
        search = [xdotool, "search", "--class", "llmeter-bar"]

        def window() -> str:
            found = subprocess.run(search, capture_output=True, text=True, env=cli.env(**env))
            return found.stdout.strip()

        hosts.wait_for(window, 15, "the xterm window of the popup", xvfb_log)

        def painted() -> bool:
            grab = subprocess.run([need["import"], "-display", f":{display}", "-window", "root", f"PNG24:{shot}"],
                                  capture_output=True, timeout=15)
            if grab.returncode != 0 or not shot.exists():
                return False
            pixels = png.decode(shot).pixels()
            return all(png.near(pixels, colour, 30) > 40 for colour in COLOURS.values())

        hosts.wait_for(painted, 20, f"the dashboard in all three level colours ({hosts.ARTIFACTS}/dashboard.png)")
        hosts.keep(shot, "dashboard.png")
        hosts.publish(shot, "dashboard.png", margin=0)
        # No window manager: focus the window directly, then type q as a person would.
        subprocess.run([xdotool, "search", "--class", "llmeter-bar", "windowfocus", "--sync", "key", "q"],
                       capture_output=True, env=cli.env(**env), timeout=15)
        hosts.wait_for(lambda: not window(), 15, "the window to close when the dashboard quits")
    finally:
        if shot.exists():
            hosts.keep(shot, "dashboard.png")
        hosts.stop(xvfb)


def test_the_tmux_conf_snippet_binds_prefix_L_and_a_right_click_to_the_dashboard_popup(tmux_server):
    tmux = tmux_server("snippet")
    conf = Path(tempfile.mkdtemp(prefix="lmb-dash-conf-")) / "tmux.conf"
    conf.write_text(hosts.shipped("tmux", "tmux.conf"))
    try:
        tmux("-f", str(conf), "new-session", "-d", "-s", "s", "-x", "80", "-y", "10")
        keys = tmux("list-keys", "-T", "prefix", "L") + tmux("list-keys", "-T", "root", "MouseDown3StatusRight")
    finally:
        shutil.rmtree(conf.parent, ignore_errors=True)
    assert keys.count(f'display-popup -E -h "90%" -w "90%" "{cli.SCRIPT} dashboard"') == 2, keys
