"""Redaction of a provider's raw reply for a bug report: keys kept, values by type.

A JSON reply keeps its shape and every key. Values are replaced where they can
identify or authorise someone, by what they are:

* ``<secret>``: any string under a key naming a token, secret, password,
  cookie, session or key, and any string containing a registered secret;
* ``<email>``: each e-mail address, wherever it appears;
* ``<id>``: strings and numbers under id-like keys (``id``, ``*_id``,
  ``account``, ``user``, ``login``, ``org``, ``workspace``, ``email``...);
* ``<token>``: any other long opaque string (JWTs, base64, hex, ``wrk_...``).

Numbers, booleans, nulls, dates and short words (plans, kinds, currencies)
stay: they are what a parser reads. A non-JSON reply (an HTML page) gets the
same treatment as text: secrets, e-mails, JWTs and long tokens are replaced.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from llmeter_bar import logs

SECRET, EMAIL_MARK, ID, TOKEN = "<secret>", "<email>", "<id>", "<token>"
_SECRET_KEY = re.compile(r"(token|secret|passw|cookie|session|api_?key|apikey|credential|signature|bearer|"
                         r"authorization|^auth$|^key$|_key$)", re.I)
_ID_KEY = re.compile(r"(^id$|_id$|Id$|^ids?_|uuid|account|^user|user$|username|login|^org|organi[sz]ation|"
                     r"workspace|customer|project|email|^sub$|^grant_?id|phone)", re.I)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}")
# Opaque strings: long runs of token characters with at least one digit, or
# prefixed ids such as wrk_..., sk-..., acct_... .
_LONG = re.compile(r"(?<![A-Za-z0-9_\-])(?=[A-Za-z0-9_\-+/=.]*\d)[A-Za-z0-9_\-+/=.]{24,}(?![A-Za-z0-9_\-])")
_PREFIXED = re.compile(r"\b(?:wrk|usr|acct|org|user|sk|pk|ghu|gho|ghp|github_pat|sess|key)[-_][A-Za-z0-9_\-]{6,}")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$")


def _registered(text: str) -> bool:
    return logs.redact(text) != text


def text(value: str) -> str:
    """Free text with secrets, e-mails and opaque tokens replaced."""
    for secret in sorted(logs._secrets, key=len, reverse=True):  # noqa: SLF001 - the registry of secrets
        value = value.replace(secret, SECRET)
    value = _EMAIL.sub(EMAIL_MARK, value)
    value = _JWT.sub(TOKEN, value)
    value = _PREFIXED.sub(ID, value)
    return _LONG.sub(lambda m: m.group(0) if _DATE.match(m.group(0)) else TOKEN, value)


def _string(value: str, key: str) -> str:
    if _registered(value) or (_SECRET_KEY.search(key) and value):
        return SECRET
    if _ID_KEY.search(key) and value:
        return EMAIL_MARK if _EMAIL.fullmatch(value.strip()) else ID
    return text(value)


def value(data: Any, key: str = "") -> Any:
    """A JSON value with the same shape, private values replaced by their placeholder."""
    if isinstance(data, dict):
        return {_key(k): value(v, str(k)) for k, v in data.items()}
    if isinstance(data, list):
        return [value(item, key) for item in data]
    if isinstance(data, str):
        return _string(data, key)
    if isinstance(data, bool) or data is None:
        return data
    if isinstance(data, (int, float)):
        return ID if _ID_KEY.search(key) else data
    return text(str(data))


def _key(name: Any) -> str:
    """Keys are kept, unless a key is itself private (a map keyed by e-mail or token)."""
    name = str(name)
    redacted = text(name)
    return redacted if redacted != name else name


def body(raw: str, content_type: str = "") -> Any:
    """A reply body: parsed and redacted JSON when it is JSON, else redacted text."""
    try:
        return value(json.loads(raw))
    except ValueError:
        return text(raw)


def url(address: str) -> str:
    """A URL with query values and id-like path segments replaced."""
    parts = urlsplit(address)
    query = urlencode([(k, _string(v, k)) for k, v in parse_qsl(parts.query)], safe="<>")
    segments = [seg if not (_PREFIXED.fullmatch(seg) or _LONG.fullmatch(seg) or seg.isdigit() and len(seg) > 4)
                else ID for seg in parts.path.split("/")]
    return urlunsplit((parts.scheme, parts.netloc, text("/".join(segments)), query, ""))
