"""HTTP for providers: one place that turns transport trouble into FetchError kinds.

Status mapping: 401/403 -> auth, 404 -> unavailable, 429 -> rate_limit (with the
Retry-After delay when it is positive: a real Anthropic 429 sent ``0`` while the
limit lasted minutes, so 0 means "unknown"), other 4xx/5xx -> unavailable,
timeouts and connection failures -> network, bodies that are not JSON -> parse.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from contextvars import ContextVar
from typing import Any

import aiohttp

from llmeter_bar.errors import FetchError, clamp_retry_after

MAX_BODY = 4 * 1024 * 1024  # no provider answers with more; a bigger body is broken
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")


def excerpt(text: str, limit: int = 120) -> str:
    """A single-line, bounded piece of an upstream body, safe to put in a message."""
    flat = _UNPRINTABLE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait, at most a day: delta-seconds, an HTTP-date, or (sent by some
    gateways) an epoch in s or ms. None when unknown, past or unreadable."""
    import time

    if not value:
        return None
    text = value.strip()
    now = time.time() if now is None else now
    try:
        seconds = float(text)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            seconds = parsedate_to_datetime(text).timestamp() - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    else:
        if math.isfinite(seconds) and seconds >= 1e9:  # an absolute time, not a delay
            seconds = (seconds / 1000 if seconds >= 1e12 else seconds) - now
    return clamp_retry_after(seconds)


def _status_error(status: int, body: str, headers: Any, auth_hint: str, forbidden_hint: str = "") -> FetchError:
    from llmeter_bar.logs import redact

    # Redacted before it is cut: a secret cut in half would no longer match.
    detail = excerpt(redact(body))
    if status == 403 and forbidden_hint:
        # A 403 to a key that was accepted before is an account problem, not a typo.
        return FetchError("auth", f"HTTP 403: not authorised; {forbidden_hint}")
    if status in (401, 403):
        hint = auth_hint or "check the credentials"
        return FetchError("auth", f"HTTP {status}: not authorised; {hint}")
    if status == 404:
        return FetchError("unavailable", f"HTTP 404: endpoint not found ({detail or 'empty body'})")
    if status == 429:
        delay = retry_after_seconds(headers.get("Retry-After"))
        when = f"retry after {int(delay)} s" if delay else "backing off"
        return FetchError("rate_limit", f"HTTP 429: rate limited, {when}", retry_after=delay)
    return FetchError(
        "unavailable", f"HTTP {status} from upstream ({detail or 'empty body'})", label=str(status)
    )


# Set by `llmeter-bar report` only: every reply of the fetch lands in this list.
CAPTURE: ContextVar[list[dict[str, Any]] | None] = ContextVar("llmeter_capture", default=None)


async def request_text(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    timeout: float,
    auth_hint: str = "",
    forbidden_hint: str = "",
    **kwargs: Any,
) -> str:
    """Send one request and return the body of a 2xx answer, or raise FetchError."""
    try:
        async with session.request(
            method,
            url,
            timeout=aiohttp.ClientTimeout(total=timeout),
            max_redirects=5,
            **kwargs,
        ) as response:
            raw = await _read_bounded(response)
            body = raw.decode(response.charset or "utf-8", errors="replace")
            sink = CAPTURE.get()
            if sink is not None:  # `llmeter-bar report`: keep the raw reply to redact and save
                sink.append({"method": method, "url": str(response.url), "status": response.status,
                             "content_type": response.headers.get("Content-Type", ""), "body": body})
            if response.status >= 400:
                raise _status_error(response.status, body, response.headers, auth_hint, forbidden_hint)
            return body
    except FetchError:
        raise
    except asyncio.TimeoutError:
        raise FetchError("network", f"no answer within {timeout:g} s") from None
    except aiohttp.TooManyRedirects:
        raise FetchError("network", "too many redirects") from None
    except aiohttp.ClientSSLError as exc:
        raise FetchError("network", f"TLS error: {excerpt(str(exc))}") from None
    except aiohttp.ClientError as exc:
        raise FetchError("network", f"connection failed: {excerpt(str(exc)) or type(exc).__name__}") from None
    except (OSError, ValueError) as exc:
        raise FetchError("network", f"request failed: {excerpt(str(exc))}") from None


async def _read_bounded(response: aiohttp.ClientResponse) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(65536):
        size += len(chunk)
        if size > MAX_BODY:
            raise FetchError("parse", f"response larger than {MAX_BODY // 1048576} MB")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: str) -> Any:
    body = body.removeprefix("\ufeff")  # a UTF-8 BOM some gateways put before JSON
    if not body.strip():
        raise FetchError("parse", "empty response body")
    try:
        return json.loads(body)
    except RecursionError:
        raise FetchError("parse", "response nested too deeply to be usage figures") from None
    except ValueError:
        raise FetchError("parse", f"response is not JSON: {excerpt(body, 60)}") from None


async def request_json(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    timeout: float,
    auth_hint: str = "",
    forbidden_hint: str = "",
    **kwargs: Any,
) -> Any:
    body = await request_text(
        session, method, url, timeout=timeout, auth_hint=auth_hint, forbidden_hint=forbidden_hint, **kwargs
    )
    return parse_json(body)
