"""tmux runs the shipped snippet and plugin; an outer tmux shows what the inner
client's status line really displays, colours included (capture-pane -e)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from llmeter_bar import integrations
from support import cli, hosts
from support.hosts import filled_cache  # noqa: F401 - a fixture

pytestmark = pytest.mark.hosts

WARN_RGB = "38;2;229;192;123"  # #e5c07b, the default warn colour
CRIT_RGB = "38;2;224;108;117"  # #e06c75, crit


@dataclass
class Nested:
    """An inner tmux server (the one under test) attached inside an outer one."""

    tmux: str
    inner: Path
    outer: Path
    env: dict[str, str]

    def inner_cmd(self, *args: str) -> str:
        return self.run(self.inner, *args)

    def run(self, socket: Path, *args: str) -> str:
        done = subprocess.run([self.tmux, "-S", str(socket), *args], capture_output=True, text=True,
                              env=self.env, timeout=15)
        assert done.returncode == 0, f"tmux {' '.join(args)}: {done.stderr}"
        return done.stdout

    def status_line(self) -> str:
        """The inner client's status line as the outer pane holds it, with SGR escapes."""
        lines = self.run(self.outer, "capture-pane", "-p", "-e", "-t", "out").rstrip("\n").split("\n")
        return lines[-1]

    def screen(self) -> str:
        return self.run(self.outer, "capture-pane", "-p", "-t", "out")


@pytest.fixture
def nested(tmp_path: Path) -> Iterator[callable]:  # type: ignore[valid-type]
    tmux = hosts.need("tmux", package="tmux")["tmux"]
    sockets = Path(tempfile.mkdtemp(prefix="lmb-tmux-"))  # short: unix socket paths are limited
    started: list[Nested] = []

    def start(config: str, **env: str) -> Nested:
        conf = tmp_path / "inner.conf"
        conf.write_text(config)
        outer_conf = tmp_path / "outer.conf"
        outer_conf.write_text("set -g default-terminal tmux-256color\nset -g status off\n")
        nest = Nested(tmux, sockets / "inner", sockets / "outer", cli.env(**env))
        started.append(nest)
        nest.run(nest.inner, "-f", str(conf), "new-session", "-d", "-s", "in", "-x", "150", "-y", "6")
        # -T RGB: the inner client draws #rrggbb as 24-bit colour, so the exact colour is checkable.
        attach = f"env -u TMUX {tmux} -S {nest.inner} -T RGB attach -t in"
        nest.run(nest.outer, "-f", str(outer_conf), "new-session", "-d", "-s", "out", "-x", "150", "-y", "6", attach)
        return nest

    yield start
    for nest in started:
        for socket in (nest.outer, nest.inner):
            subprocess.run([tmux, "-S", str(socket), "kill-server"], capture_output=True, env=nest.env)
    shutil.rmtree(sockets, ignore_errors=True)


def test_status_right_snippet_shows_the_segment_in_its_colour_and_prefix_u_refreshes(nested, filled_cache):
    nest = nested(hosts.shipped("tmux", "tmux.conf"))
    line = hosts.wait_for(lambda: "75%" in nest.status_line() and nest.status_line(), 10,
                          "the segment in the inner status line")
    assert WARN_RGB in line and "• 75%" in line, repr(line)
    assert "#[" not in line and "not ready" not in line, repr(line)
    assert nest.inner_cmd("show-option", "-gv", "status-right-length").strip() == "100"

    filled_cache.set_used(95)
    nest.run(nest.outer, "send-keys", "-t", "out", "C-b", "U")  # prefix + U, typed into the inner client
    line = hosts.wait_for(lambda: "95%" in nest.status_line() and nest.status_line(), 10,
                          f"95% after prefix + U (screen: {nest.screen()!r})")
    assert CRIT_RGB in line, repr(line)
    assert filled_cache.hits() == 2


REPO = Path(__file__).resolve().parents[2]
PLUGINS = {
    "shipped file": lambda: integrations.path("tmux", "llmeter-bar.tmux"),
    # What TPM runs after `set -g @plugin`: the *.tmux files at the clone's top level.
    "TPM entry at the repository root": lambda: REPO / "llmeter-bar.tmux",
}


@pytest.mark.parametrize("which", PLUGINS)
def test_plugin_interpolates_placeholder_from_path_and_binds_the_refresh_key(nested, filled_cache, which):
    plugin = PLUGINS[which]()
    assert plugin.stat().st_mode & 0o111, "the plugin must be executable (TPM runs it directly)"
    config = (
        "set -g status-right-length 80\n"
        "set -g status-left '[#S] '\n"
        "set -g status-right '#{llmeter} | %%H'\n"
        "set -g @llmeter_refresh_key R\n"
        f"run-shell {plugin}\n"
    )
    path = f"{cli.SCRIPT.parent}:/usr/bin:/bin"  # the plugin finds llmeter-bar on PATH
    nest = nested(config, PATH=path)
    assert nest.inner_cmd("show-option", "-gv", "status-right") == f"#({cli.SCRIPT} --format tmux) | %%H\n"
    assert nest.inner_cmd("show-option", "-gv", "status-left") == "[#S] \n"
    keys = nest.inner_cmd("list-keys", "-T", "prefix", "R")
    assert f"{cli.SCRIPT} refresh" in keys and "refresh-client -S" in keys, keys
    line = hosts.wait_for(lambda: "75%" in nest.status_line() and nest.status_line(), 10,
                          "the interpolated segment")
    assert WARN_RGB in line and "| %H" in line, repr(line)


def _status_right_after(plugin: Path, tmp_path: Path, env: dict[str, str]) -> str:
    """status-right once a server started with ``#{llmeter}`` has run the plugin."""
    tmux = hosts.need("tmux", package="tmux")["tmux"]
    socket = Path(tempfile.mkdtemp(prefix="lmb-tmux-")) / "s"
    conf = tmp_path / "tmux.conf"
    conf.write_text(f"set -g status-right '#{{llmeter}}'\nrun-shell 'bash {plugin}'\n")
    try:
        subprocess.run([tmux, "-S", str(socket), "-f", str(conf), "new-session", "-d"], env=env, check=True)
        return subprocess.run([tmux, "-S", str(socket), "show-option", "-gv", "status-right"], env=env,
                              capture_output=True, text=True).stdout
    finally:
        subprocess.run([tmux, "-S", str(socket), "kill-server"], capture_output=True, env=env)
        shutil.rmtree(socket.parent, ignore_errors=True)


def test_plugin_saved_by_init_carries_the_command_path(tmp_path):
    saved = tmp_path / "llmeter-bar.tmux"
    saved.write_text(cli.run("init", "tmux", "--file", "llmeter-bar.tmux").stdout)
    env = cli.env(PATH="/usr/bin:/bin")  # no llmeter-bar on this PATH
    assert _status_right_after(saved, tmp_path, env) == f"#({cli.SCRIPT} --format tmux)\n"


def test_plugin_from_the_repository_finds_a_pipx_install_off_the_servers_path(tmp_path, isolated_home):
    local_bin = isolated_home / ".local" / "bin"
    local_bin.mkdir(parents=True)
    (local_bin / "llmeter-bar").symlink_to(cli.SCRIPT)
    env = cli.env(PATH="/usr/bin:/bin", HOME=str(isolated_home))  # a display manager's PATH
    shown = _status_right_after(PLUGINS["TPM entry at the repository root"](), tmp_path, env)
    assert shown == f"#({local_bin / 'llmeter-bar'} --format tmux)\n"


STOCK_GREEN = "#00cd00"  # xterm's green: tmux's default status-style is bg=green
CHIP = "#282c34"  # [format.tmux] background by default
LEVELS = {"ok": "#98c379", "warn": "#e5c07b", "crit": "#e06c75"}


def test_the_shipped_snippet_is_readable_on_tmux_stock_green_theme(tmp_path):
    """A real xterm under Xvfb runs tmux with nothing but the shipped snippet (so tmux's
    own green status bar); the screenshot is integrations/tmux/README.md's."""
    from support import png

    need = hosts.need("Xvfb", "import", "xterm", package="xvfb imagemagick xterm")
    tmux = hosts.need("tmux", package="tmux")["tmux"]
    display = hosts.free_display()
    width, height, rows = 1400, 120, 6
    xvfb_log = tmp_path / "xvfb.log"
    xvfb = subprocess.Popen([need["Xvfb"], f":{display}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp",
                             "-noreset"], stdout=xvfb_log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    sockets = Path(tempfile.mkdtemp(prefix="lmb-xt-"))
    conf = tmp_path / "tmux.conf"
    conf.write_text(hosts.shipped("tmux", "tmux.conf", hosts.command("--demo", "-p", "claude,codex,copilot,gemini")))
    shot = tmp_path / "tmux.png"
    term = None
    try:
        hosts.wait_for(lambda: Path(f"/tmp/.X11-unix/X{display}").exists() or xvfb.poll() is not None, 15,
                       "Xvfb's socket", xvfb_log)
        env = cli.env(DISPLAY=f":{display}", TERM="xterm-256color")
        env.pop("TMUX", None)
        term = subprocess.Popen([need["xterm"], "-geometry", f"150x{rows}+0+0", "-fa", "DejaVu Sans Mono", "-fs", "10",
                                 "-xrm", "XTerm*borderWidth: 0", "-e", tmux, "-S", str(sockets / "s"), "-f", str(conf),
                                 "new-session"], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def status_row() -> list[tuple[int, int, int]] | None:
            grab = subprocess.run([need["import"], "-display", f":{display}", "-window", "root", f"PNG24:{shot}"],
                                  capture_output=True, timeout=15, env=env)
            if grab.returncode != 0 or not shot.exists():
                return None
            image = png.decode(shot)
            # The status line: the lowest rows holding tmux's green.
            greens = [y for y, row in enumerate(image.rows) if png.near(row, STOCK_GREEN, 30) > width // 4]
            if not greens:
                return None
            pixels = image.pixels((0, min(greens), width, max(greens) + 1))
            return pixels if all(png.near(pixels, c, 30) > 15 for c in LEVELS.values()) else None

        pixels = hosts.wait_for(status_row, 20, f"the segment on the green status line ({hosts.ARTIFACTS}/tmux.png)")
        # Every provider sits on a dark chip: its colour never touches the green.
        assert png.near(pixels, CHIP, 8) > 10 * png.near(pixels, LEVELS["ok"], 30)
        image = png.decode(shot)
        greens = [y for y, row in enumerate(image.rows) if png.near(row, STOCK_GREEN, 30) > width // 4]
        status = tmp_path / "tmux-status.png"
        png.encode(image, status, (0, min(greens) - 4, width, max(greens) + 1))
        hosts.keep(status, "tmux.png")
        hosts.publish(status, "tmux.png", margin=0)
    finally:
        if term is not None:
            hosts.stop(term)
        subprocess.run([tmux, "-S", str(sockets / "s"), "kill-server"], capture_output=True)
        shutil.rmtree(sockets, ignore_errors=True)
        hosts.stop(xvfb)
