from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import sys
import types
from pathlib import Path

import pytest

from llmeter_bar import logs
from llmeter_bar.store import credstore
from llmeter_bar.errors import LlmeterError

SECRET = "sk-or-v1-0123456789abcdef-fake"


def test_empty_store_reads_as_nothing() -> None:
    assert credstore.get("openrouter") is None
    assert credstore.accounts("openrouter") == []
    assert credstore.delete("openrouter") is False
    assert not credstore.path().exists()


def test_put_get_delete_roundtrip() -> None:
    credstore.put("openrouter", None, {"api_key": SECRET})
    credstore.put("openrouter", "work", {"api_key": SECRET + "-work"})
    assert credstore.get("openrouter") == {"api_key": SECRET}
    assert credstore.get("openrouter", "work") == {"api_key": SECRET + "-work"}
    assert credstore.get("openrouter", "home") is None
    assert credstore.accounts("openrouter") == [None, "work"]
    assert credstore.delete("openrouter", "work") is True
    assert credstore.delete("openrouter", "work") is False
    assert credstore.accounts("openrouter") == [None]
    assert credstore.delete("openrouter") is True
    assert credstore.accounts("openrouter") == []


def test_file_and_dir_modes() -> None:
    credstore.put("copilot", None, {"token": "gho_faketoken1234"})
    file = credstore.path()
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    # Replacing keeps the mode: the temp file is created private, not chmod-ed after.
    credstore.put("copilot", "b", {"token": "gho_other12345678"})
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert not [p for p in file.parent.iterdir() if p.name.endswith(".tmp")]


def test_mode_is_private_even_with_permissive_umask() -> None:
    old = os.umask(0)
    try:
        credstore.put("copilot", None, {"token": "gho_faketoken1234"})
    finally:
        os.umask(old)
    assert stat.S_IMODE(credstore.path().stat().st_mode) == 0o600


def test_returned_secrets_are_registered_for_redaction() -> None:
    credstore.put("azure-openai", None, {"api_key": "azure-fake-key-000111", "resource": "myresource99"})
    logs._secrets.clear()
    credstore.get("azure-openai")
    assert "azure-fake-key-000111" in logs._secrets
    assert "myresource99" not in logs._secrets  # a resource name is not a secret
    assert "azur…" in logs.redact("key azure-fake-key-000111")


@pytest.mark.parametrize("content", ["{not json", "[]", '{"providers": []}', ""])
def test_corrupt_file_raises_and_is_not_overwritten(content: str) -> None:
    file = credstore.path()
    file.parent.mkdir(parents=True)
    file.write_text(content)
    with pytest.raises(credstore.CredentialStoreError) as info:
        credstore.get("openrouter")
    assert isinstance(info.value, LlmeterError)
    assert "corrupt" in str(info.value) and str(file) in str(info.value)
    with pytest.raises(credstore.CredentialStoreError):
        credstore.put("openrouter", None, {"api_key": SECRET})
    with pytest.raises(credstore.CredentialStoreError):
        credstore.delete("openrouter")
    assert file.read_text() == content


def test_corrupt_error_does_not_echo_content() -> None:
    file = credstore.path()
    file.parent.mkdir(parents=True)
    file.write_text('{"providers": {"x": "' + SECRET)
    with pytest.raises(credstore.CredentialStoreError) as info:
        credstore.accounts("x")
    assert SECRET not in str(info.value)


def test_bad_arguments() -> None:
    with pytest.raises(credstore.CredentialStoreError):
        credstore.put("", None, {})
    with pytest.raises(credstore.CredentialStoreError):
        credstore.put("openrouter", "", {})
    with pytest.raises(credstore.CredentialStoreError):
        credstore.put("openrouter", None, "key")  # type: ignore[arg-type]


def _writer(config_dir: str, index: int, rounds: int) -> None:
    os.environ["LLMETER_BAR_CONFIG_DIR"] = config_dir
    for round_ in range(rounds):
        credstore.put("openrouter", f"acct{index}", {"api_key": f"key-{index}-{round_}-padding"})


def test_concurrent_writers_in_processes_lose_nothing(tmp_path: Path) -> None:
    config_dir = str(tmp_path / "config")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(config_dir, i, 15)) for i in range(8)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    data = json.loads((Path(config_dir) / "credentials.json").read_text())
    stored = data["providers"]["openrouter"]
    assert sorted(stored) == sorted(f"acct{i}" for i in range(8))
    for i in range(8):
        assert stored[f"acct{i}"] == {"api_key": f"key-{i}-14-padding"}


def test_concurrent_writers_via_subprocess(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    code = (
        "import sys; from llmeter_bar.store import credstore\n"
        "for r in range(10): credstore.put(sys.argv[1], sys.argv[2], {'token': 'tok-' + sys.argv[2] + str(r)})\n"
    )
    env = {**os.environ, "LLMETER_BAR_CONFIG_DIR": str(config_dir)}
    procs = [
        subprocess.Popen([sys.executable, "-c", code, prov, acct], env=env)
        for prov in ("copilot", "cursor")
        for acct in ("a", "b", "c")
    ]
    assert all(p.wait(60) == 0 for p in procs)
    for prov in ("copilot", "cursor"):
        assert credstore.accounts(prov) == ["a", "b", "c"]
        assert credstore.get(prov, "b") == {"token": "tok-b9"}


def test_keyring_backend_behind_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    vault: dict[tuple[str, str], str] = {}
    fake = types.SimpleNamespace(
        get_password=lambda s, u: vault.get((s, u)),
        set_password=lambda s, u, p: vault.__setitem__((s, u), p),
        delete_password=lambda s, u: vault.pop((s, u)),
    )
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.setenv("LLMETER_BAR_KEYRING", "1")
    credstore.put("openrouter", "work", {"api_key": SECRET})
    assert SECRET not in credstore.path().read_text()
    assert credstore.get("openrouter", "work") == {"api_key": SECRET}
    assert credstore.accounts("openrouter") == ["work"]
    assert credstore.delete("openrouter", "work") is True
    assert vault == {}


def test_keyring_switch_without_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)
    monkeypatch.setenv("LLMETER_BAR_KEYRING", "1")
    with pytest.raises(credstore.CredentialStoreError, match="keyring"):
        credstore.put("openrouter", None, {"api_key": SECRET})


def test_import_is_light() -> None:
    code = "import sys, llmeter_bar.store.credstore; print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
