"""Exceptions that carry what a bar shows and what a human is told."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from llmeter_bar.models import ErrorInfo

# Short labels shown in bars next to the provider name ("claude !auth").
LABELS = {
    "auth": "auth",
    "rate_limit": "429",
    "network": "net",
    "parse": "parse",
    "config": "cfg",
    "unavailable": "n/a",
}


# The longest wait any upstream may impose: a Retry-After beyond it (an epoch in ms,
# 1e400) is a broken header, and must still back off rather than crash or be dropped.
MAX_RETRY_AFTER = 86400.0


def clamp_retry_after(seconds: float | None) -> float | None:
    """A usable delay: None for unknown (None, NaN, <= 0), at most MAX_RETRY_AFTER."""
    if seconds is None or math.isnan(seconds) or seconds <= 0:
        return None
    return min(float(seconds), MAX_RETRY_AFTER)


class LlmeterError(Exception):
    """Base of every error llmeter-bar raises on purpose."""


class ConfigError(LlmeterError):
    """The config file is unreadable or holds a value of the wrong type."""


class FetchError(LlmeterError):
    """A provider could not produce a result.

    ``retry_after`` (seconds) is set when the upstream said when to come back;
    the refresh engine turns it into a persisted not-before time.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        label: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        # Upstream bodies end up in messages and may echo the credentials sent;
        # every secret a provider read was registered, so this is the one place
        # that keeps them out of bars, JSON, the cache and the log.
        from llmeter_bar.logs import redact

        message = redact(message)
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.label = label or LABELS.get(kind, "err")
        self.retry_after = clamp_retry_after(retry_after)

    def info(self, now: datetime | None = None) -> ErrorInfo:
        retry_at = None
        delay = clamp_retry_after(self.retry_after)  # set again by the engine after __init__
        if delay is not None:
            now = now or datetime.now(timezone.utc)
            retry_at = now + timedelta(seconds=delay)
        return ErrorInfo(kind=self.kind, label=self.label, message=self.message, retry_at=retry_at)


class NotConfigured(FetchError):
    """No credentials were found: the provider is shown as unconfigured."""

    def __init__(self, message: str) -> None:
        super().__init__("config", message, label="setup")


def did_you_mean(word: str, choices: object) -> str:
    """`` (did you mean 'x'?)`` for a near miss among ``choices``, else ``""``."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)  # type: ignore[attr-defined]
    return f" (did you mean '{close[0]}'?)" if close else ""
