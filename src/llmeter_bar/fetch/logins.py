"""Noticing a login without asking the network: the credential files a provider
would read, as (mtime, size) signatures, kept with a "no credentials" record and
with the detected-provider list. A render stats them (a few microseconds each)
and, when one appeared or changed, the provider is due at once instead of
showing "setup" until its interval ends.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmeter_bar.providers.base import Provider, ProviderSettings


def signature(paths: list[str]) -> dict[str, str]:
    """path -> "mtime_ns:size" ("" when absent or unreadable)."""
    out: dict[str, str] = {}
    for path in paths:
        try:
            st = os.stat(path)
            out[path] = f"{st.st_mtime_ns}:{st.st_size}"
        except OSError:
            out[path] = ""
    return out


def changed(watched: object) -> bool:
    """Whether any watched file differs from its stored signature."""
    if not isinstance(watched, dict) or not watched:
        return False
    return signature([str(p) for p in watched]) != {str(k): str(v) for k, v in watched.items()}


def paths_of(provider: Provider | None, settings: ProviderSettings) -> list[str]:
    if provider is None:
        return []
    try:
        return [str(p) for p in provider.credential_paths(settings)]
    except Exception:
        return []
