"""Run the installed console script as a bar would: a real separate process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

TESTS = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "llmeter-bar"


def env(**extra: str) -> dict[str, str]:
    merged = dict(os.environ)
    merged["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), merged.get("PYTHONPATH")]))
    merged.update(extra)
    return merged


def run(*args: str, input: str | None = None, timeout: float = 30, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, input=input, timeout=timeout, env=env(**extra)
    )


def start(*args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SCRIPT), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(**extra)
    )


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


def fake_config(server_url: str, ids: tuple[str, ...] = ("fake",), interval: float = 300, extra: str = "") -> str:
    lines = ["[general]", f"providers = {list(ids)!r}".replace("'", '"'), f"interval = {interval}", "timeout = 3",
             "refresh_debounce = 0"]
    for key in ids:
        provider_id = key.partition(":")[0]
        lines += [
            f"[provider.{provider_id}]",
            'module = "support.fake_provider:FakeProvider"',
            f'name = "{provider_id.title()}"',
            f'base_url = "{server_url}"',
            f"interval = {interval}",
        ]
    return "\n".join(lines) + "\n" + extra
