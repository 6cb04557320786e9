"""Helpers for the real-host tests: find a host program, fill the shipped files,
keep artifacts, stop what was started.

A missing host program skips its test with the reason, unless
LLMETER_BAR_REQUIRE_HOSTS=1 (CI), where it fails instead.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from llmeter_bar import integrations
from support import cli
from support.server import FakeServer

_artifacts: Path | None = None


def artifacts() -> Path:
    """Where screenshots and logs are kept past a test: $LLMETER_BAR_ARTIFACTS, else a
    directory of this run's own under $TMPDIR (never a fixed path two runs share),
    made when first asked for."""
    global _artifacts
    if _artifacts is None:
        _artifacts = Path(os.environ.get("LLMETER_BAR_ARTIFACTS") or tempfile.mkdtemp(prefix="llmeter-bar-artifacts-"))
    return _artifacts


def __getattr__(name: str) -> Path:  # hosts.ARTIFACTS, as the tests' messages name it
    if name == "ARTIFACTS":
        return artifacts()
    raise AttributeError(name)
kept: list[Path] = []  # listed at the end of the run by tests/conftest.py


def required() -> bool:
    return os.environ.get("LLMETER_BAR_REQUIRE_HOSTS", "") not in ("", "0")


def unavailable(reason: str) -> None:
    """Skip, or fail when the hosts are required."""
    if required():
        pytest.fail(f"{reason} (LLMETER_BAR_REQUIRE_HOSTS=1: install the packages in .ci/apt-packages)")
    pytest.skip(reason)


def need(*programs: str, package: str) -> dict[str, str]:
    found = {p: shutil.which(p) for p in programs}
    missing = [p for p, where in found.items() if not where]
    if missing:
        unavailable(f"{', '.join(missing)} not installed (Debian package {package})")
    return {p: str(where) for p, where in found.items()}


def command(*extra: str) -> str:
    """The test venv's console script as the snippets' command, shell-quoted."""
    return shlex.join([str(cli.SCRIPT), *extra])


def shipped(host: str, name: str | None = None, cmd: str | None = None) -> str:
    """A shipped file with the placeholder replaced by ``cmd`` (default: the test's command)."""
    text = integrations.path(host, name).read_text(encoding="utf-8")
    assert integrations.PLACEHOLDER in text, f"{host}/{name} lost its {integrations.PLACEHOLDER}"
    return text.replace(integrations.PLACEHOLDER, cmd or command())


def keep(path: Path, name: str) -> Path:
    """Copy a screenshot or log where it survives the run; the path is printed at the end."""
    folder = artifacts()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(path, target)
    if target not in kept:
        kept.append(target)
    return target


def publish(path: Path, name: str, margin: int = 14) -> None:
    """With LLMETER_BAR_SCREENSHOTS=DIR, write the screenshot cropped to what was drawn
    (plus a margin of bar background) to DIR/NAME: how docs/screenshots/ is made."""
    target = os.environ.get("LLMETER_BAR_SCREENSHOTS")
    if not target:
        return
    from support import png

    image = png.decode(path)
    box = image.ink_box()
    if box is None:
        return
    x0, _, x1, _ = box
    crop = (max(0, x0 - margin), 0, min(image.width, x1 + margin), image.height)
    Path(target).mkdir(parents=True, exist_ok=True)
    png.encode(image, Path(target) / name, crop)
    kept.append(Path(target) / name)


def free_display() -> int:
    for number in range(90, 190):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str] | None) -> None:
    """Terminate a started process and its process group (it was started with start_new_session)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def wait_for(predicate, timeout: float, what: str, log: Path | None = None):  # type: ignore[no-untyped-def]
    """Poll until ``predicate()`` is truthy; the failure names what and shows the log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    detail = f"\n--- {log} ---\n{read(log)}" if log else ""
    raise AssertionError(f"{what} not seen within {timeout} s{detail}")


def read(path: Path | None) -> str:
    try:
        return path.read_text(errors="replace") if path else ""
    except OSError as exc:
        return f"<{exc}>"


@dataclass
class Filled:
    server: FakeServer

    def hits(self) -> int:
        return self.server.hits["/usage/fake"]

    def set_used(self, used: float) -> None:
        self.server.reply("/usage/fake", {"used": used, "plan": "pro"})


@pytest.fixture
def filled_cache(fake_server: FakeServer, write_config) -> Filled:  # type: ignore[no-untyped-def]
    """One fake provider at 75 % (warn), fetched once: renders come from the cache.
    Test modules import it by name (a conftest.py here would shadow tests/conftest.py)."""
    filled = Filled(fake_server)
    filled.set_used(75)
    write_config(cli.fake_config(fake_server.url))
    run = cli.run("refresh")
    assert run.returncode == 0 and filled.hits() == 1, run.stdout + run.stderr
    return filled
