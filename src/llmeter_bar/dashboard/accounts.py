"""Every account of every provider, and where its credential comes from.

An account is listed when it is configured (``general.providers`` or an
``[provider.ID.accounts.NAME]`` table), stored by ``llmeter-bar login``, or
detected (another tool's login file, an environment variable). What is shown
is the credential's *place* (a path, a variable name, the store), never the
secret. Only a stored login can be removed here; the others belong to the
user's environment or to another program, which llmeter-bar never rewrites.
Shared by the dashboard's accounts view and ``llmeter-bar accounts``; no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmeter_bar import logs

if TYPE_CHECKING:
    from llmeter_bar.config import Config


@dataclass(slots=True)
class Account:
    key: str  # "openrouter", "openrouter:work"
    provider: str
    name: str  # "OpenRouter"
    account: str | None
    origin: str  # configured, login, environment, detected, config file
    credential: str  # where the credential is, or why it is missing / unusable
    usable: bool
    shown: bool  # the bars show it (listed in general.providers, or detected)
    stored_as: str | None = None  # credstore provider id when a login is stored: removable

    @property
    def removable(self) -> bool:
        return self.stored_as is not None


def _stored(stored_as: str) -> list[str | None]:
    from llmeter_bar.store import credstore

    try:
        return credstore.accounts(stored_as)
    except Exception:
        logs.exception("%s: credential store unreadable", stored_as)
        return []


def _origin(source: str | None, configured: bool) -> str:
    if source == "store":
        return "login"
    if source and source.startswith("env:"):
        return "environment"
    if source == "config":
        return "config file"
    if configured:
        return "configured"
    return "detected" if source else "configured"


def listing(config: Config) -> list[Account]:
    """Accounts in registry order, the unnamed account of a provider first."""
    from llmeter_bar import providers as registry
    from llmeter_bar.diagnose.providers import where
    from llmeter_bar.fetch import engine
    from llmeter_bar.store import credstore

    listed = config.providers
    shown = {s.key for s in engine.select(config, None, None)}
    ids = list(registry.REGISTRY) + [p.partition(":")[0] for p in listed or [] if p.partition(":")[0]
                                     not in registry.REGISTRY]
    rows: list[Account] = []
    for provider_id in dict.fromkeys(ids):
        stored_as = credstore.store_id(provider_id)
        stored = _stored(stored_as)
        configured_names = list(config.section("provider", provider_id, "accounts"))
        names: list[str | None] = [None, *configured_names, *(n for n in stored if n)]
        for name in dict.fromkeys(names):
            settings = config.settings_for(provider_id, name)
            key = settings.key
            configured = name in configured_names or key in (listed or []) or (name is None and provider_id in (
                listed or []))
            try:
                found = registry.load(provider_id, settings.options).credentials(settings)
                credential, usable = (where(found), found.usable) if found else ("not found", False)
                source = found.source if found else None
            except KeyError:
                credential, usable, source = "unknown provider", False, None
            except Exception as exc:  # a broken credential file must not hide the others
                credential, usable, source = f"unreadable: {logs.redact(str(exc))}", False, None
            if not (configured or source or name in stored):
                continue
            rows.append(Account(key, provider_id, registry.display_name(provider_id, settings.options), name,
                                _origin(source, configured), credential, usable, key in shown,
                                stored_as if name in stored else None))
    return rows


def remove(account: Account) -> bool:
    """Forget a stored login (the same as ``llmeter-bar logout``); True when one was removed."""
    from llmeter_bar.store import credstore

    if account.stored_as is None:
        return False
    removed = credstore.delete(account.stored_as, account.account)
    if removed:
        credstore.changed(account.stored_as, account.account)
    return removed


def lines(rows: list[Account]) -> list[str]:
    """The table of ``llmeter-bar accounts``: aligned columns, one account a line."""
    if not rows:
        return []
    width = max(len(r.key) for r in rows)
    name_width = max(len(r.name) for r in rows)
    origin_width = max(len(r.origin) for r in rows)
    out = []
    for row in rows:
        mark = "*" if row.shown else " "
        tail = "  [login: removable]" if row.removable else ""
        out.append(f"{mark} {row.key:<{width}}  {row.name:<{name_width}}  {row.origin:<{origin_width}}  "
                   f"{row.credential}{tail}")
    return out
