"""The account key: which retained record belongs to this provider instance.

Two machines logged in to one account must agree on it and two accounts must
never collide, while nothing on the broker may reveal who the account is. So the
key is an HMAC-SHA256 of the vendor's own account id (Claude Code's account
uuid, the Codex JWT's account id, else the account a past fetch reported: the
GitHub login, an API organisation) under a key shared by the user's machines
(``[share] key`` or ``login share``); never a token or a hash of one. Without a
vendor id or a key, a user-given ``share_as`` name is used as is.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from llmeter_bar import logs

if TYPE_CHECKING:
    from llmeter_bar.providers.base import ProviderSettings
    from llmeter_bar.share.settings import Share
    from llmeter_bar.store.cache import Store

KEY_CHARS = 32  # 128 bits of the HMAC: collisions are out of reach
CLAUDE_JSON_MAX = 16 * 1024 * 1024  # ~/.claude.json also holds project history
_NAME_BAD = re.compile(r"[^a-z0-9_\-]+")


def _claude(settings: ProviderSettings) -> str | None:
    import json

    from llmeter_bar.providers._parse import as_dict, to_str
    from llmeter_bar.providers.credfile import read_bounded

    config_dir = settings.option("config_dir") or os.environ.get("CLAUDE_CONFIG_DIR")
    path = Path(str(config_dir)).expanduser() / ".claude.json" if config_dir else Path.home() / ".claude.json"
    raw = read_bounded(path, CLAUDE_JSON_MAX)
    data = json.loads(raw) if raw else None
    return to_str(as_dict(as_dict(data).get("oauthAccount")).get("accountUuid"))


def _codex(settings: ProviderSettings) -> str | None:
    from llmeter_bar.providers.codex import read_auth

    found = read_auth(settings)
    return found.account_id if found else None


# Vendor account ids readable without a request. A provider module loaded from
# the config may instead define ``account_id(settings)``.
LOCAL_IDS: dict[str, Callable[[ProviderSettings], str | None]] = {"claude": _claude, "codex": _codex}


def vendor_id(settings: ProviderSettings, store: Store | None) -> str | None:
    """The vendor's id of this instance's account, or None when unknown."""
    try:
        finder = LOCAL_IDS.get(settings.id)
        if finder is None:
            from llmeter_bar import providers as registry

            provider: Any = registry.load(settings.id, settings.options)
            finder = getattr(provider, "account_id", None)
        found = finder(settings) if finder else None
    except Exception as exc:  # an unreadable login file: no identity, no sharing
        logs.info("%s: no account id for sharing (%s)", settings.key, exc)
        found = None
    if found:
        return str(found)
    record = store.read(settings.key) if store is not None else None
    account = ((record or {}).get("result") or {}).get("account")
    return str(account) if isinstance(account, str) and account else None


def account_key(share: Share, settings: ProviderSettings, store: Store | None) -> str | None:
    """The topic level naming this instance's account; None when it cannot be shared."""
    name = settings.option("share_as")
    if isinstance(name, str) and name.strip():
        return "as-" + (_NAME_BAD.sub("-", name.strip().lower()).strip("-") or "x")[:48]
    if settings.option("share_account"):
        # A machine without credentials names the account by the key that
        # `share status` shows (source = "share").
        return _NAME_BAD.sub("", str(settings.option("share_account")).lower())[:64] or None
    if not share.key:
        return None
    found = vendor_id(settings, store)
    if not found:
        return None
    message = f"llmeter-bar/v1/{settings.id}/{found}".encode()
    return hmac.new(share.key.encode(), message, hashlib.sha256).hexdigest()[:KEY_CHARS]
