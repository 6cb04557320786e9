"""Which accounts of a provider exist: named in the config, or stored by
``login --account``. A renewed-token cache is not an account, and a name that
exists nowhere is a config error rather than a new instance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmeter_bar import logs

if TYPE_CHECKING:
    from llmeter_bar.config import Config
    from llmeter_bar.providers.base import ProviderSettings


def stored_accounts(provider_id: str) -> list[str]:
    """Named accounts saved by ``llmeter-bar login --account NAME``."""
    try:
        from llmeter_bar.store import credstore

        if not credstore.path().exists():
            return []
        return [name for name in credstore.accounts(provider_id) if name and not _token_cache(provider_id, name)]
    except Exception:
        logs.exception("%s: credential store unreadable", provider_id)
        return []


def _token_cache(provider_id: str, name: str) -> bool:
    """An entry that only caches a renewed token (written under the e-mail by older
    Gemini code) is the same login, never an account of its own."""
    from llmeter_bar.store import credstore

    entry = credstore.get(provider_id, name)
    return isinstance(entry, dict) and "refresh_fingerprint" in entry and "token" not in entry and "key" not in entry


# Set on an instance whose account exists nowhere: shown as !cfg, never fetched
# (it would refetch the default login under a 429 state of its own).
UNKNOWN_ACCOUNT = "_unknown_account"


def unknown_account(config: Config, settings: ProviderSettings) -> str | None:
    name, provider_id = settings.instance, settings.id
    options = config.provider_options(provider_id)
    if not name or "module" in options or "source" in options:
        return None  # the default login, or accounts a plugin or the broker knows about
    known = sorted(set(config.section("provider", provider_id, "accounts")) | set(stored_accounts(provider_id)))
    if name in known:
        return None
    listed = ", ".join(known) if known else (f"none (add [provider.{provider_id}.accounts.NAME] or run "
                                              f"`llmeter-bar login {provider_id} --account NAME`)")
    return f"unknown account '{name}' for {provider_id}; known accounts: {listed}"
