"""Checks of llmeter-bar's own files: config, cache dir, log file, credential store."""

from __future__ import annotations

import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from llmeter_bar import paths
from llmeter_bar.config import locate
from llmeter_bar.diagnose.checks import Check
from llmeter_bar.providers.credfile import read_text_bounded

PRIVATE_DIR = 0o700


def config_checks(holder: dict[str, Any]) -> list[Check]:
    from llmeter_bar import providers as registry
    from llmeter_bar.config import Config, load
    from llmeter_bar.errors import ConfigError

    holder["config"] = Config()
    path = paths.config_file()
    if not path.exists() and not path.is_symlink():
        if paths.config_required():
            return [Check("config", "file", "error", f"{path}: no such file (named by --config)",
                          "check the path; bars show `llmeter !cfg` with it")]
        return [Check("config", "file", "ok", f"{path} (not present: defaults, providers auto-detected)",
                      "`llmeter-bar config init` writes a commented file to start from")]
    try:
        config = load(path)
    except ConfigError as exc:
        message = str(exc)
        line = None
        try:
            line = locate(read_text_bounded(path, errors="replace") or "", message)
        except OSError:
            pass
        if line is not None:
            message = f"{path} line {line}: {message}"
        elif str(path) not in message:
            message = f"{path}: {message}"
        return [Check("config", "file", "error", f"invalid: {message}",
                      "fix it (`llmeter-bar config show` re-checks); bars show `llmeter !cfg` until then")]
    holder["config"] = config
    if not config.problems:
        checks = [Check("config", "file", "ok", f"{path} (valid)")]
    else:
        checks = [Check("config", "file", "error", f"{path}: {len(config.problems)} problem(s)",
                        "`llmeter-bar config show` re-checks; see docs/formats.md")]
    hint = {True: "bars show `llm !cfg` until it is fixed", False: "ignored until it is fixed"}
    for problem in config.problems:
        fatal = any(problem.endswith(error) for error in config.errors)
        checks.append(Check("config", "keys", "error", problem, hint[fatal]))
    known = ", ".join(registry.known())
    for item in config.providers or []:
        provider_id = item.partition(":")[0]
        if registry.entry_for(provider_id, config.provider_options(provider_id)) is None:
            checks.append(Check("config", "providers", "error",
                                f"unknown provider '{provider_id}' in general.providers",
                                f"known providers: {known}"))
    for provider_id, options in config.section("provider").items():
        if registry.entry_for(provider_id, options if isinstance(options, dict) else {}) is None:
            checks.append(Check("config", "providers", "warn", f"[provider.{provider_id}] is not a known provider",
                                f"known providers: {known}; a provider of your own needs `module = \"pkg.mod:Class\"`"))
    return checks


def _mode_problem(path: Path) -> str | None:
    mode = stat.S_IMODE(path.stat().st_mode)
    return f"mode {mode:04o}, others can access it" if mode & 0o077 else None


def cache_checks(holder: dict[str, Any]) -> list[Check]:
    from llmeter_bar.store.cache import CacheUnavailable, Store

    directory = paths.cache_dir()
    hint = f"set {paths.CACHE_ENV} to a writable directory, or fix this one; bars show old or no figures meanwhile"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".doctor-")
        os.write(fd, b"probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return [Check("cache", "directory", "error", f"{directory} is not writable: {exc.strerror or exc}", hint)]
    try:
        store = Store(directory)
    except CacheUnavailable as exc:
        return [Check("cache", "directory", "error", str(exc), hint)]
    try:
        store.set_value("doctor_probe", time.time(), expire=60)
    except Exception as exc:
        store.close()
        return [Check("cache", "database", "error", f"cache database in {directory} is not writable: {exc}",
                      f"remove {directory} (it only holds cached figures) or fix its permissions")]
    holder["store"] = store
    checks = [Check("cache", "directory", "ok", f"{directory} (writable)")]
    problem = _mode_problem(directory)
    if problem:
        checks.append(Check("cache", "permissions", "warn", f"{directory}: {problem}", f"chmod 700 {directory}"))
    set_aside = sorted(p.name for p in directory.glob("*.corrupt-*"))
    if set_aside:
        checks.append(Check("cache", "corrupt", "warn",
                            f"corrupt cache database set aside and replaced: {', '.join(set_aside)}",
                            f"nothing was lost but cached figures; safe to delete from {directory}"))
    return checks


def log_checks() -> list[Check]:
    path = paths.log_file()
    if path.exists():
        size = path.stat().st_size
        writable = os.access(path, os.W_OK)
        message = f"{path} ({size // 1024} KB)"
    else:
        parent = next((p for p in [path.parent, *path.parent.parents] if p.exists()), None)
        writable = parent is not None and parent.is_dir() and os.access(parent, os.W_OK)
        message = f"{path} (nothing logged yet)"
    if not writable:
        return [Check("logs", "log file", "warn", f"{message}: not writable, diagnostics are lost",
                      f"set {paths.STATE_ENV} to a writable directory; `--debug` prints them instead")]
    return [Check("logs", "log file", "ok", message)]


def store_checks() -> list[Check]:
    from llmeter_bar.store import credstore

    file = credstore.path()
    checks: list[Check] = []
    if os.environ.get(credstore.KEYRING_ENV, "").strip().lower() not in ("", "0", "false", "no"):
        try:
            import keyring  # noqa: F401
        except ImportError:
            checks.append(Check("credentials", "keyring", "error", f"{credstore.KEYRING_ENV} is set but the "
                                "'keyring' package is not installed", "pip install keyring, or unset it"))
    if not file.exists():
        none_yet = f"{file} (none yet: nothing stored by `llmeter-bar login`)"
        return checks + [Check("credentials", "store", "ok", none_yet)]
    try:
        credstore.accounts("doctor")  # the real read path: raises on an unreadable or corrupt file
    except credstore.CredentialStoreError as exc:
        checks.append(Check("credentials", "store", "error", str(exc),
                            "providers logged in with `llmeter-bar login` cannot be used until it is fixed"))
    else:
        checks.append(Check("credentials", "store", "ok", f"{file} (readable)"))
    for path, fix in ((file, "600"), (file.parent, "700")):
        problem = _mode_problem(path)
        if problem:
            checks.append(Check("credentials", "permissions", "warn", f"{path}: {problem}", f"chmod {fix} {path}"))
    return checks
