"""Run a host as an unprivileged user when the tests run as root (sway refuses root).

The user is a dedicated system account, created when missing (``nobody`` if
that fails). Its files live in a fresh 0755 directory outside pytest's 0700
tmp_path. When it cannot run the test venv's console script (a venv whose
Python sits under a 0700 /root), the package and its pure-Python runtime
dependencies are copied into that directory for a system Python 3.11+.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from support import cli

USER = "llmeter-bar-test"


@dataclass
class Account:
    uid: int
    gid: int
    home: Path  # the work dir: readable by the account, removed by cleanup()

    @property
    def prefix(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups", "--"]

    def run(self, shell: str, env: dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.prefix, "sh", "-c", shell], capture_output=True, text=True, env=env,
                              timeout=timeout, cwd=self.home)

    def mkdir(self, *parts: str, mode: int = 0o755) -> Path:
        path = self.home.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(mode)
        if os.geteuid() == 0:
            os.chown(path, self.uid, self.gid)
        return path

    def give(self, path: Path) -> Path:
        if os.geteuid() == 0:
            os.chown(path, self.uid, self.gid)
        return path

    def cleanup(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


def account() -> Account | str:
    """The account to run as, or why there is none."""
    home = Path(tempfile.mkdtemp(prefix="lmb-host-"))
    home.chmod(0o755)
    if os.geteuid() != 0:
        return Account(os.getuid(), os.getgid(), home)
    if shutil.which("setpriv") is None:
        return "setpriv not installed (util-linux)"
    try:
        entry = pwd.getpwnam(USER)
    except KeyError:
        made = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
                              capture_output=True, text=True)
        entry = pwd.getpwnam(USER if made.returncode == 0 else "nobody")
    acct = Account(entry.pw_uid, entry.pw_gid, home)
    acct.give(home)
    return acct


def command(acct: Account, env: dict[str, str]) -> list[str] | str:
    """Words that start llmeter-bar as ``acct``, or why nothing works."""
    direct = [str(cli.SCRIPT)]
    if acct.run(shlex.join([*direct, "--version"]), env).returncode == 0:
        return direct
    lib = acct.mkdir("lib")
    _copy_runtime(lib)
    for python in (f"python{sys.version_info[0]}.{sys.version_info[1]}", "python3"):
        for folder in ("/usr/bin", "/usr/local/bin", "/bin"):
            candidate = [os.path.join(folder, python), "-m", "llmeter_bar"]
            probe = f"PYTHONPATH={shlex.quote(str(lib))} {shlex.join([*candidate, '--version'])}"
            if os.path.exists(candidate[0]) and acct.run(probe, env).returncode == 0:
                return ["env", f"PYTHONPATH={lib}", *candidate]
    return f"uid {acct.uid} can run neither {cli.SCRIPT} nor a system Python 3.11+ with a copy of the package"


def _requirements(name: str, found: dict[str, metadata.Distribution]) -> None:
    dist = metadata.distribution(name)
    key = dist.metadata["Name"].lower()
    if key in found:
        return
    found[key] = dist
    for text in dist.requires or []:
        requirement = Requirement(text)  # pytest's own dependency, so always there
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            _requirements(requirement.name, found)


def _copy_runtime(lib: Path) -> None:
    """The package and everything it needs at run time (aiohttp's compiled parts
    included: the system Python is the same 3.11 ABI), readable by anyone."""
    source = Path(__import__("llmeter_bar").__file__).parent
    shutil.copytree(source, lib / "llmeter_bar", ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    found: dict[str, metadata.Distribution] = {}
    _requirements("llmeter-bar", found)
    for key, dist in found.items():
        if key == "llmeter-bar":
            continue
        for file in dist.files or []:
            if file.parts[0] == ".." or "__pycache__" in file.parts:
                continue  # console scripts outside site-packages; bytecode is rebuilt
            target = lib / file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(dist.locate_file(file), target)
    for dirpath, dirnames, filenames in os.walk(lib):
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644 if not name.endswith(".so") else 0o755)
