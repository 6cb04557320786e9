"""llmeter-bar's own credential store: one JSON file, private, written atomically.

Layout of ``credentials.json`` (mode 0600, in a 0700 directory)::

    {"version": 1, "providers": {"openrouter": {"": {...}, "work": {...}}}}

The empty string names the default account (``account=None``). Writers take an
exclusive ``flock`` on a sibling ``.lock`` file for the whole read-modify-write,
so a login and a background refresh never drop each other's entries; readers
need no lock because the file is only ever replaced whole (``os.replace``).
A file we cannot parse is reported, never overwritten: it may hold the only copy
of someone's tokens.

With ``LLMETER_BAR_KEYRING=1`` and a working ``keyring`` package, entries go to
the OS keyring and the file keeps only a marker, so ``accounts()`` still works.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from llmeter_bar import logs, paths
from llmeter_bar.errors import LlmeterError

FILENAME = "credentials.json"
VERSION = 1
KEYRING_ENV = "LLMETER_BAR_KEYRING"
KEYRING_SERVICE = "llmeter-bar"
_KEYRING_MARKER = {"_keyring": True}
# Providers whose login is stored under another id: Zen and Go share one opencode.ai session.
SHARED = {"opencode-zen": "opencode", "opencode-go": "opencode"}
# Entry fields that are identities or locations, not secrets.
_PUBLIC_FIELDS = {"type", "resource", "email", "login", "account", "created_at", "source", "_keyring"}


class CredentialStoreError(LlmeterError):
    """The store is unreadable, corrupt or cannot be written."""


def path() -> Path:
    return paths.config_dir() / FILENAME


def _slot(account: str | None) -> str:
    if account is not None and (not isinstance(account, str) or not account):
        raise CredentialStoreError("an account name must be a non-empty string")
    return account or ""


def _check_provider(provider: str) -> None:
    if not isinstance(provider, str) or not provider:
        raise CredentialStoreError("a provider id must be a non-empty string")


def _read(file: Path) -> dict[str, Any]:
    from llmeter_bar.providers.credfile import read_bounded

    try:
        raw = read_bounded(file)
    except OSError as exc:
        raise CredentialStoreError(f"cannot read {file}: {exc.strerror or exc}") from None
    if raw is None:
        return {"version": VERSION, "providers": {}}
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("providers"), dict):
        # Deliberately no excerpt of the content: it holds secrets.
        raise CredentialStoreError(
            f"credential store {file} is corrupt (not the JSON llmeter-bar writes); "
            "fix or move it away, then log in again"
        )
    return data


def _write(file: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".credentials.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, file)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(file.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the rename is done anyway
    finally:
        os.close(fd)


def _ensure_dir(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        return  # another writer created it first (or it was there): leave its mode alone
    os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask


@contextmanager
def _locked() -> Iterator[Path]:
    import fcntl

    file = path()
    try:
        _ensure_dir(file.parent)
        lock_fd = os.open(file.with_name(FILENAME + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise CredentialStoreError(f"cannot open the credential store in {file.parent}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        yield file
    finally:
        os.close(lock_fd)  # closing releases the flock


def _use_keyring() -> Any:
    if os.environ.get(KEYRING_ENV, "").strip().lower() in ("", "0", "false", "no"):
        return None
    try:
        import keyring  # optional dependency
    except ImportError:
        raise CredentialStoreError(f"{KEYRING_ENV} is set but the 'keyring' package is not installed") from None
    return keyring


def _register(entry: dict[str, Any]) -> dict[str, Any]:
    for key, value in entry.items():
        if key not in _PUBLIC_FIELDS and isinstance(value, str):
            logs.register_secret(value)
    return entry


def get(provider: str, account: str | None = None) -> dict | None:
    """The stored entry of one provider account, or None."""
    _check_provider(provider)
    entry = _read(path())["providers"].get(provider, {}).get(_slot(account))
    if not isinstance(entry, dict):
        return None
    if entry.get("_keyring"):
        ring = _use_keyring()
        raw = ring.get_password(KEYRING_SERVICE, f"{provider}:{_slot(account)}") if ring else None
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
        except ValueError:
            raise CredentialStoreError(f"keyring entry for {provider} is corrupt") from None
    return _register(dict(entry))


def put(provider: str, account: str | None, entry: dict) -> None:
    """Store (replace) one provider account's entry."""
    _check_provider(provider)
    if not isinstance(entry, dict):
        raise CredentialStoreError("a credential entry must be a dict")
    slot = _slot(account)
    _register(entry)
    ring = _use_keyring()
    with _locked() as file:
        data = _read(file)
        stored: dict[str, Any] = dict(entry)
        if ring is not None:
            ring.set_password(KEYRING_SERVICE, f"{provider}:{slot}", json.dumps(entry))
            stored = dict(_KEYRING_MARKER)
        data.setdefault("version", VERSION)
        data["providers"].setdefault(provider, {})[slot] = stored
        _write(file, data)


def delete(provider: str, account: str | None = None) -> bool:
    """Remove one provider account; True when something was removed."""
    _check_provider(provider)
    slot = _slot(account)
    with _locked() as file:
        if not file.exists():
            return False
        data = _read(file)
        accounts_of = data["providers"].get(provider, {})
        if slot not in accounts_of:
            return False
        removed = accounts_of.pop(slot)
        if not accounts_of:
            data["providers"].pop(provider, None)
        _write(file, data)
    if isinstance(removed, dict) and removed.get("_keyring"):
        ring = _use_keyring()
        if ring is not None:
            try:
                ring.delete_password(KEYRING_SERVICE, f"{provider}:{slot}")
            except Exception:  # keyring's PasswordDeleteError and backend errors alike
                pass
    return True


def accounts(provider: str) -> list[str | None]:
    """Stored accounts of a provider, the default account (None) first."""
    _check_provider(provider)
    slots = _read(path())["providers"].get(provider, {})
    names = sorted(name for name in slots if name)
    return ([None] if "" in slots else []) + names


def store_id(provider_id: str) -> str:
    """The id a provider's login is stored under."""
    return SHARED.get(provider_id, provider_id)


def changed(stored_as: str, account: str | None) -> None:
    """What the bars show depends on the stored logins: after a login or a
    removal, forget the detected providers, make the instances reading this
    login due (a 429 wait still holds) and invalidate the cached lines, so the
    next render shows the change instead of "setup" or a forgotten account
    until its interval ends. Never raises."""
    from llmeter_bar.store import fastpath
    from llmeter_bar.store.cache import Store

    try:
        store = Store()
    except Exception:
        return  # no usable cache: nothing to invalidate
    try:
        store.forget_value("detected")
        for provider_id in [p for p, shared in SHARED.items() if shared == stored_as] or [stored_as]:
            key = f"{provider_id}:{account}" if account else provider_id
            if store.read(key) is not None:
                store.update(key, next_at=0.0)
        fastpath.bump(store.cache)
    except Exception:
        pass
    finally:
        store.close()
