"""Every form of every secret stays out of every output (issue 13, item 16).

The Cursor session cookie once leaked whole: only ``Name=value`` was registered,
and a 400 echoing the bare value went to refresh, json, --long, doctor, --debug,
cache.db and the log. Here every provider of the REGISTRY is pointed at an upstream
that echoes its credential headers in one derived form per round (the header, the
bare cookie or bearer value, URL-decoded, URL-encoded, the JWT inside), with a
Cursor cookie from ``login cursor --key-stdin`` among them.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from support import allproviders, e2e, procs
from support.fault_server import ECHO_FORMS

_CLAIMS = base64.urlsafe_b64encode(json.dumps({"sub": "user_01SCRUBME", "exp": int(time.time()) + 86400}).encode())
CURSOR_JWT = "eyJhbGciOiJIUzI1NiJ9." + _CLAIMS.decode().rstrip("=") + ".SCRUBMEcursorCookieSignature0000"
CURSOR_VALUE = "user_01SCRUBMECOOKIE%3A%3A" + CURSOR_JWT
CURSOR_COOKIE = "WorkosCursorSessionToken=" + CURSOR_VALUE


@pytest.fixture
def world(faults, tmp_path, isolated_home):
    secrets = allproviders.plant(isolated_home)
    (tmp_path / "userconf").mkdir()
    env = e2e.isolated_env(tmp_path, home=isolated_home, LLMETER_BAR_CONFIG=str(tmp_path / "userconf" / "config.toml"))
    yield env, tmp_path, secrets
    procs.reap(list(procs.refreshers(tmp_path / "cache")))


def _config(root: Path, mode: str, faults) -> None:
    (root / "userconf" / "config.toml").write_text(
        allproviders.config(lambda p: faults.base_url(mode, p), timeout=5))


def _files(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def _forms(secret: str) -> list[str]:
    decoded = unquote(secret)
    found = {secret, decoded, quote(secret, safe=""), quote(decoded, safe="")}
    return sorted(f for f in found if len(f) >= 12)


def test_every_derived_form_of_every_secret_is_redacted_everywhere(world, faults):
    env, root, secrets = world
    _config(root, "good", faults)
    login = e2e.run("login", "cursor", "--key-stdin", env=env, stdin=CURSOR_COOKIE + "\n")
    assert login.returncode == 0, login
    outputs = [login]
    from llmeter_bar.store.cache import Store

    for form in range(ECHO_FORMS):
        _config(root, f"echoform{form}", faults)
        store = Store(root / "cache")
        for key in store.keys():
            store.update(key, next_at=0, not_before=0)
        store.close()
        outputs += [e2e.run("refresh", env=env), e2e.run("--format", "json", "--wait", env=env),
                    e2e.run("--format", "plain", "--long", env=env), e2e.run("doctor", "--format", "json", env=env),
                    e2e.run("--debug", "--format", "tmux", "--wait", env=env)]
    assert faults.count("echoform4") >= len(allproviders.PROVIDERS), "the providers never called"
    assert any("HTTP 400" in o.stdout for o in outputs)
    texts = [o.stdout + o.stderr for o in outputs]
    store_file = root / "config" / "credentials.json"
    ours = [p for p in _files(root / "cache", root / "state", root / "config") if p != store_file]
    assert any(p.name.startswith("cache.db") for p in ours) and any(p.suffix == ".log" for p in ours)
    texts += [p.read_bytes().decode("latin-1") for p in ours]
    wanted = [f for secret in [*secrets, CURSOR_VALUE, CURSOR_JWT, CURSOR_JWT.rsplit(".", 1)[1]]
              for f in _forms(secret)]
    # Cut secrets too: 24 characters of any form (beyond the 4 a redaction shows) is a leak.
    wanted += [f[4:28] for f in wanted if len(f) >= 28]
    assert allproviders.scan(texts, wanted) == []
