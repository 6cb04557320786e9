"""Diagnostics: a log file normally, stderr with --debug; secrets redacted everywhere.

Bars own stdout and polybar shows stderr as bar text, so nothing here writes to a
terminal unless --debug (or LLMETER_BAR_DEBUG=1) asked for it. ``logging`` is
imported only when something is actually logged.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging

_secrets: set[str] = set()
_debug = False
_logger: logging.Logger | None = None


MIN_SECRET = 8


def register_secret(value: str | None) -> None:
    """Remember a secret, in every form an upstream may echo it, so that it is
    redacted from every later message, log line and cache record: the value, its
    URL-decoded and URL-encoded forms, each ``name=value`` cookie's bare value, the
    parts of a ``user::token`` session, and every JWT inside any of these."""
    if not value or not isinstance(value, str):
        return
    for form in secret_forms(value):
        if len(form) >= MIN_SECRET:
            _secrets.add(form)


def secret_forms(value: str) -> set[str]:
    import re
    from urllib.parse import quote, quote_plus, unquote, unquote_plus

    found: set[str] = set()
    pending = [value.strip()]
    while pending:
        text = pending.pop()
        if not text or text in found or len(found) > 32:
            continue
        found.add(text)
        pending += [unquote(text), unquote_plus(text)]
        # A cookie header or pair: each value alone ("Name=value; Other=value").
        for part in re.split(r";\s*", text):
            name, eq, rest = part.partition("=")
            if eq and re.fullmatch(r"[A-Za-z0-9_.-]+", name.strip()):
                pending.append(rest.strip().strip('"'))
        # Cursor's "user_id::jwt" (URL-encoded as %3A%3A), every JWT inside, its signature.
        pending += [piece for piece in text.split("::") if piece != text]
        for jwt in re.findall(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", text):
            pending += [jwt, jwt.rsplit(".", 1)[1]]
    # Encoded once, from every decoded form: what a server echoing a query string shows.
    return found | {enc(form) for form in found for enc in (lambda f: quote(f, safe=""), quote, quote_plus)}


def redact(text: str) -> str:
    """Replace known secrets by their first 4 characters and an ellipsis."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, secret[:4] + "…")
    return text


def set_debug(enabled: bool) -> None:
    global _debug, _logger
    _debug = enabled
    _logger = None


def debug_enabled() -> bool:
    return _debug or os.environ.get("LLMETER_BAR_DEBUG", "") not in ("", "0")


def logger() -> logging.Logger:
    global _logger
    if _logger is not None:
        return _logger
    import logging

    # A log write that fails (full disk) must not print a traceback on stderr: bars show stderr.
    logging.raiseExceptions = False
    log = logging.getLogger("llmeter_bar")
    log.handlers.clear()
    log.propagate = False
    handler: logging.Handler
    if debug_enabled():
        handler = logging.StreamHandler(sys.stderr)
        log.setLevel(logging.DEBUG)
    else:
        handler = _file_handler()
        log.setLevel(logging.INFO)
    handler.setFormatter(_redacting_formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
    log.addHandler(handler)
    _logger = log
    return log


def _file_handler() -> logging.Handler:
    import logging
    import logging.handlers

    from llmeter_bar import paths

    try:
        path = paths.log_file()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return logging.handlers.RotatingFileHandler(path, maxBytes=512 * 1024, backupCount=1)
    except Exception:
        # No writable state dir: losing diagnostics beats breaking the bar.
        return logging.NullHandler()


def _redacting_formatter(pattern: str) -> logging.Formatter:
    import logging

    class RedactingFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return redact(super().format(record))

    return RedactingFormatter(pattern)


def debug(message: str, *args: Any) -> None:
    logger().debug(message, *args)


def info(message: str, *args: Any) -> None:
    logger().info(message, *args)


def warning(message: str, *args: Any) -> None:
    logger().warning(message, *args)


def exception(message: str, *args: Any) -> None:
    logger().exception(message, *args)


def warn_once(topic: str, messages: list[str]) -> None:
    """Log ``messages`` unless this exact list was the last one logged for ``topic``:
    a broken config is read by every render, and one line per problem is enough.
    The last list is remembered in a small file in the state dir (never raises)."""
    import hashlib

    from llmeter_bar import paths

    digest = hashlib.sha256("\n".join(messages).encode("utf-8", "replace")).hexdigest()
    marker = os.path.join(paths.state_dir_str(), f".logged-{topic}")
    try:
        with open(marker, encoding="ascii") as handle:
            if handle.read(128) == digest:
                return
    except OSError:
        pass
    for message in messages:
        warning("%s: %s", topic, message)
    try:
        os.makedirs(os.path.dirname(marker), mode=0o700, exist_ok=True)
        with open(marker, "w", encoding="ascii") as handle:
            handle.write(digest)
    except OSError:
        pass
