"""Sharing tests: real Mosquitto brokers and several "machines" (each its own
HOME, config, cache and state) logged in to one account of a counting fake vendor."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support import e2e
from support.broker import Broker
from support.share_vendor import write_credentials

ACCOUNT_ID = "acct-7f3e9b21-shared"
# Distinctive fake secrets: none of them may ever be seen on the broker.
TOKEN = "sk-vendor-TOKEN-d41d8cd98f00b204e980"
EMAIL = "someone.secret@example.org"
SHARE_KEY = "share-KEY-9e107d9d372bb6826bd8"
PASSWORD = "broker-PASSWORD-e4d909c290d0fb1ca068"

if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
    if os.environ.get("LLMETER_BAR_REQUIRE_HOSTS"):  # CI installed it: missing is a failure there
        raise RuntimeError("mosquitto is not installed although .ci/apt-packages lists it")
    pytest.skip("mosquitto is not installed (see .ci/apt-packages)", allow_module_level=True)


@dataclass
class Machine:
    name: str
    root: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 30) -> e2e.Run:
        return e2e.run(*args, env=self.env, timeout=timeout)

    def json(self) -> dict[str, Any]:
        run = self.run("--format", "json")
        assert run.returncode == 0 and run.stderr == "", run
        return run.json()["providers"][0]

    def log(self) -> str:
        path = self.root / "state" / "llmeter-bar.log"
        found = list((self.root / "state").rglob("*.log"))
        return "\n".join(p.read_text() for p in found) if found else (path.read_text() if path.exists() else "")


def make_machine(tmp: Path, name: str, broker: Broker, vendor_url: str, *, interval: float = 300,
                 logged_in: bool = True, extra_share: str = "", provider_extra: str = "",
                 **env: str) -> Machine:
    root = tmp / name
    home = root / "home"
    home.mkdir(parents=True)
    if logged_in:
        write_credentials(home, TOKEN, ACCOUNT_ID, EMAIL)
    config = root / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    ca = f'ca_file = "{broker.ca}"\n' if broker.ca else ""
    config.write_text(
        f'[general]\nproviders = ["vendor"]\ninterval = {interval}\ntimeout = 3\nrefresh_debounce = 0\n'
        f'[provider.vendor]\nmodule = "support.share_vendor:Vendor"\nbase_url = "{vendor_url}"\n'
        f"interval = {interval}\n{provider_extra}\n"
        f'[share]\nbroker = "{broker.url}"\n{ca}machine = "{name}"\nkey = "{SHARE_KEY}"\n{extra_share}\n'
    )
    extra = dict(env)
    if broker.password:
        extra.setdefault("LLMETER_BAR_SHARE_PASSWORD", broker.password)
    return Machine(name, root, e2e.isolated_env(root, home, **extra))


@pytest.fixture
def broker(tmp_path: Path):
    folder = tmp_path / "broker"
    folder.mkdir()
    with Broker(folder) as running:
        yield running


@pytest.fixture(scope="session")
def tls_certs(tmp_path_factory: pytest.TempPathFactory):
    from support.broker import make_certs

    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def tls_broker(tmp_path: Path, tls_certs):
    folder = tmp_path / "tls-broker"
    folder.mkdir()
    with Broker(folder, tls=True, user="llmeter", password=PASSWORD, certs=tls_certs) as running:
        yield running


def usage(server: Any, used: float = 42.0) -> None:
    server.reply("/usage/vendor", {"used": used, "plan": "max"})


def records(retained: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    return {t: json.loads(p) for t, p in retained.items() if t.endswith("/vendor")}
