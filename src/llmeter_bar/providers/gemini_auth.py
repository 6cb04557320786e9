"""Gemini CLI credentials: read ``oauth_creds.json``, refresh in memory.

The Gemini CLI's file is read-only for us. Google refresh tokens do not rotate,
so refreshing with them cannot log the CLI out; the new access token is kept
in llmeter-bar's own store (keyed by a fingerprint of the refresh token, so a
new CLI login invalidates it), never written back to the CLI's file.

The installed-app client secret is not shipped here: it is taken from option
``client_secret`` / ``$LLMETER_BAR_GEMINI_CLIENT_SECRET``, else read out of the
installed Gemini CLI, which embeds it (the CLI must be installed for its
credentials file to exist).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.models import utcnow
from llmeter_bar.providers._parse import parse_time, to_str
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.credfile import read_bounded, read_text_bounded

if TYPE_CHECKING:
    import aiohttp

CLIENT_ID = "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SECRET_ENV = "LLMETER_BAR_GEMINI_CLIENT_SECRET"
RENEW_HINT = "run `gemini` once to sign in again"
_SKEW = timedelta(seconds=60)  # refresh a minute early: the request itself takes time
_SECRET_RE = re.compile(rb"OAUTH_CLIENT_SECRET\s*=\s*['\"]([A-Za-z0-9_\-]{10,})['\"]")
# Renewed access tokens are a cache of the same login, kept apart from the "gemini"
# slots: an entry there named by the e-mail once became a second Gemini instance
# (its own segment, fetched twice, its own 429 state).
TOKEN_CACHE = "gemini-renewed-token"
_BUNDLE_MAX = 64 * 1024 * 1024  # the CLI's bundled JavaScript is ~20 MB
_CLI_FILES = ("bundle/gemini.js", "node_modules/@google/gemini-cli-core/dist/src/code_assist/oauth2.js",
              "dist/src/code_assist/oauth2.js")


@dataclass(slots=True)
class GeminiCreds:
    path: Path
    access_token: str | None
    refresh_token: str | None
    expires_at: datetime | None
    email: str | None

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256((self.refresh_token or "").encode()).hexdigest()[:16]


def creds_path(settings: ProviderSettings) -> Path:
    configured = settings.option("credentials_file")
    if configured:
        return Path(str(configured)).expanduser()
    home = os.environ.get("GEMINI_CLI_HOME") or str(Path.home())
    return Path(home) / ".gemini" / "oauth_creds.json"


def _jwt_email(token: Any) -> str | None:
    try:
        part = str(token).split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return None
    return to_str(claims.get("email")) if isinstance(claims, dict) else None


def read_creds(settings: ProviderSettings) -> GeminiCreds:
    path = creds_path(settings)
    try:
        found = read_text_bounded(path)
    except OSError as exc:
        raise FetchError("config", f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:  # binary junk: as unusable as an empty file
        found = ""
    if found is None:
        raise NotConfigured(f"no Gemini CLI login ({path}); run `gemini` and sign in with Google")
    text = found
    try:
        data = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise FetchError("auth", f"{path} is empty or not a JSON object; {RENEW_HINT}")
    creds = GeminiCreds(path, to_str(data.get("access_token")), to_str(data.get("refresh_token")),
                        parse_time(data.get("expiry_date")), _jwt_email(data.get("id_token")))
    if not creds.access_token and not creds.refresh_token:
        raise FetchError("auth", f"{path} holds no token; {RENEW_HINT}")
    return creds


def _store() -> Any:
    try:
        from llmeter_bar.store import credstore
    except ImportError:
        return None
    return credstore


def _fresh(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at - _SKEW > now


def stored_token(creds: GeminiCreds, now: datetime) -> str | None:
    """An access token we refreshed earlier from this same refresh token, if still valid."""
    store = _store()
    try:
        entry = store.get(TOKEN_CACHE, creds.fingerprint) if store else None
    except Exception:  # an unreadable store only costs one refresh
        return None
    if not isinstance(entry, dict) or entry.get("refresh_fingerprint") != creds.fingerprint:
        return None
    token = to_str(entry.get("access_token"))
    return token if token and _fresh(parse_time(entry.get("expires_at")), now) else None


def client_secret(settings: ProviderSettings) -> str | None:
    configured = to_str(settings.option("client_secret")) or to_str(os.environ.get(SECRET_ENV))
    if configured:
        return configured
    binary = shutil.which("gemini")
    if not binary:
        return None
    start = Path(binary).resolve()
    # Bounded walk: the npm/homebrew layouts put the package 1-4 levels above the bin target.
    candidates = [start] + [folder / rel for folder in list(start.parents)[:5] for rel in _CLI_FILES]
    for candidate in candidates:
        try:
            raw = read_bounded(candidate, _BUNDLE_MAX)
            found = _SECRET_RE.search(raw) if raw is not None else None
        except OSError:
            continue
        if found:
            return found.group(1).decode()
    return None


async def access_token(session: aiohttp.ClientSession, settings: ProviderSettings,
                       creds: GeminiCreds, now: datetime | None = None) -> str:
    """A valid access token: the CLI's own, one we stored, or a fresh one (kept in our store)."""
    from llmeter_bar.logs import register_secret
    from llmeter_bar.providers.http import request_json

    now = now or utcnow()
    register_secret(creds.access_token)
    register_secret(creds.refresh_token)
    if creds.access_token and _fresh(creds.expires_at, now):
        return creds.access_token
    kept = stored_token(creds, now)
    if kept:
        register_secret(kept)
        return kept
    if not creds.refresh_token:
        raise FetchError("auth", f"the Gemini CLI access token has expired and there is no refresh token; {RENEW_HINT}")
    secret = client_secret(settings)
    if not secret:
        raise FetchError("auth", "the Gemini CLI access token has expired and the Gemini CLI's client secret was "
                         f"not found to renew it; {RENEW_HINT}, or set option client_secret")
    form = {"client_id": str(settings.option("client_id") or CLIENT_ID), "client_secret": secret,
            "refresh_token": creds.refresh_token, "grant_type": "refresh_token"}
    from llmeter_bar.providers.gemini import ineligible_tier  # the consumer shutdown answers here too

    try:
        answer = await request_json(session, "POST", str(settings.option("token_url") or TOKEN_URL),
                                    timeout=settings.timeout, auth_hint=RENEW_HINT, data=form,
                                    raise_for_status=ineligible_tier)
    except FetchError as exc:
        if exc.label == "400":  # invalid_grant: revoked or expired refresh token
            raise FetchError("auth", f"Google refused to renew the Gemini CLI login; {RENEW_HINT}") from None
        raise
    token = to_str(answer.get("access_token")) if isinstance(answer, dict) else None
    if not token:
        raise FetchError("parse", "Google's token answer carried no access_token")
    register_secret(token)
    lifetime = answer.get("expires_in")
    expires = now + timedelta(seconds=float(lifetime) if isinstance(lifetime, (int, float)) else 3600.0)
    store = _store()
    if store is not None:
        try:
            store.put(TOKEN_CACHE, creds.fingerprint, {"access_token": token, "expires_at": int(expires.timestamp()),
                                                       "refresh_fingerprint": creds.fingerprint})
        except Exception:  # not being able to cache only costs a refresh next time
            pass
    return token
