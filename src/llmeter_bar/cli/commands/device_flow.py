"""GitHub's OAuth device flow (RFC 8628), used to log in to Copilot.

The user gets a short code and a URL; we poll the token endpoint every
``interval`` seconds. ``slow_down`` means "poll less often" and permanently
adds 5 s (or adopts the interval GitHub sends back); ``expired_token`` and
``access_denied`` end the flow with a message the user can act on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmeter_bar import logs
from llmeter_bar.errors import LlmeterError

if TYPE_CHECKING:
    import aiohttp

# The GitHub OAuth app Copilot editor plugins use; scope read:user is all the quota call needs.
CLIENT_ID = "Iv1.b507a08c87ecfe98"
SCOPE = "read:user"
DEFAULT_URL = "https://github.com"
URL_ENV = "LLMETER_BAR_GITHUB_URL"
GRANT = "urn:ietf:params:oauth:grant-type:device_code"
MAX_INTERVAL = 60.0

# Indirection so tests can skip the waiting.
_sleep: Callable[[float], Any] = asyncio.sleep
_clock: Callable[[], float] = time.monotonic


class DeviceFlowError(LlmeterError):
    """The device flow ended without a token."""


@dataclass(slots=True)
class DeviceCode:
    device_code: str
    user_code: str
    verification_uri: str
    interval: float
    expires_in: float


async def _post(session: aiohttp.ClientSession, url: str, form: dict[str, str]) -> dict[str, Any]:
    from llmeter_bar.providers.http import request_json

    body = await request_json(
        session, "POST", url, timeout=15.0, data=form,
        headers={"Accept": "application/json", "User-Agent": "llmeter-bar"},
    )
    if not isinstance(body, dict):
        raise DeviceFlowError("GitHub answered the device flow with something other than a JSON object")
    return body


async def request_code(session: aiohttp.ClientSession, base_url: str) -> DeviceCode:
    body = await _post(session, base_url.rstrip("/") + "/login/device/code", {"client_id": CLIENT_ID, "scope": SCOPE})
    try:
        return DeviceCode(
            device_code=str(body["device_code"]),
            user_code=str(body["user_code"]),
            verification_uri=str(body.get("verification_uri") or base_url.rstrip("/") + "/login/device"),
            interval=float(body.get("interval") or 5),
            expires_in=float(body.get("expires_in") or 900),
        )
    except (KeyError, TypeError, ValueError):
        raise DeviceFlowError("GitHub's device code answer lacks device_code/user_code") from None


async def poll_token(session: aiohttp.ClientSession, base_url: str, code: DeviceCode) -> str:
    """Wait for the user to approve the code; return the access token."""
    url = base_url.rstrip("/") + "/login/oauth/access_token"
    form = {"client_id": CLIENT_ID, "device_code": code.device_code, "grant_type": GRANT}
    interval = max(1.0, code.interval)
    deadline = _clock() + code.expires_in
    while True:
        await _sleep(interval)
        body = await _post(session, url, form)
        token = body.get("access_token")
        if isinstance(token, str) and token:
            logs.register_secret(token)
            return token
        error = body.get("error")
        if error == "authorization_pending":
            pass
        elif error == "slow_down":
            sent = body.get("interval")
            interval = float(sent) if isinstance(sent, (int, float)) and sent > interval else interval + 5.0
            interval = min(interval, MAX_INTERVAL)
        elif error == "expired_token":
            raise DeviceFlowError("the code expired before it was entered; run the login again")
        elif error == "access_denied":
            raise DeviceFlowError("the authorisation was denied on GitHub")
        else:
            detail = body.get("error_description") or error or "no token and no error in the answer"
            raise DeviceFlowError(f"GitHub device flow failed: {detail}")
        if _clock() >= deadline:
            raise DeviceFlowError("the code expired before it was entered; run the login again")
