"""Kimi Code: the weekly pool, the 5-hour window and (on newer plans) monthly pools.

``GET https://api.kimi.com/coding/v1/usages`` with ``Authorization: Bearer``.
Two shapes are live, sometimes in one body:

* ``usage{limit,used,remaining,resetTime}`` is the weekly pool and
  ``limits[]`` the rolling windows (``window{duration,timeUnit}``,
  ``detail{limit,used,remaining,resetTime|reset_at}``). Numbers are strings.
  ``used`` may be missing: then used = limit - remaining.
* ``usages{limit_5h,limit_7d,limit_month_total,limit_month_code}`` hold
  ``used_ratio`` (0-1) and ``reset_time`` (also seen camelCase inside a
  ``{code,data:{quota:{usages}}}`` envelope).

Counts win over ratios for the same window: MoonshotAI/kimi-code #3951 shows a
body whose ``usage`` says 100/100 (the account was blocked) while
``usages.limit_7d.used_ratio`` said 0. A count block whose limit is 0 (newer
plans send ``"0"`` everywhere) is no window.

Credentials: ``KIMI_CODE_API_KEY``, ``KIMI_API_KEY``, the config, ``login
kimi``, then the Kimi CLI's own login ``~/.kimi-code/credentials/kimi-code.json``
(``KIMI_CODE_HOME``), read only and only while unexpired: its tokens last about
15 minutes and only the CLI may refresh them.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.errors import FetchError
from llmeter_bar.models import ProviderResult, Window, utcnow
from llmeter_bar.providers import _money
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers._parse import as_dict, as_list, duration_label, parse_time, to_float, to_str
from llmeter_bar.providers.base import CredentialInfo, ProviderSettings
from llmeter_bar.providers.credfile import login_detail, read_json_object, refuse_expired
from llmeter_bar.providers.keyed import ApiKeyProvider

if TYPE_CHECKING:
    import aiohttp

ENVS = ("KIMI_CODE_API_KEY", "KIMI_API_KEY")
AUTH_HINT = "the key is invalid or expired: set KIMI_CODE_API_KEY, run `llmeter-bar login kimi` or `kimi login`"
FORBIDDEN_HINT = "the account was refused (subscription ended or account disabled): check https://www.kimi.com/code"
RENEW_HINT = "run `kimi` to renew the Kimi CLI login, or set KIMI_CODE_API_KEY"
_UNITS = {"TIME_UNIT_SECOND": 1, "TIME_UNIT_MINUTE": 60, "TIME_UNIT_HOUR": 3600, "TIME_UNIT_DAY": 86400}
# usages key -> (window id, label, seconds; None = follows the subscription month)
_RATIO_POOLS = {
    "limit_5h": ("five_hour", "5h", 5 * 3600), "limit5h": ("five_hour", "5h", 5 * 3600),
    "limit_7d": ("weekly", "7d", 7 * 86400), "limit7d": ("weekly", "7d", 7 * 86400),
    "limit_month_total": ("month_total", "month", None), "limitMonthTotal": ("month_total", "month", None),
    "limit_month_code": ("month_code", "month code", None), "limitMonthCode": ("month_code", "month code", None),
}
_DETAIL = {k: None for k in ("limit", "used", "remaining", "resetTime", "reset_at", "resetAt", "name")}
_POOL = {k: None for k in ("used_ratio", "usedRatio", "reset_time", "resetTime", "resetAt")}
_BODY = {"usage": _DETAIL, "limits": {"[]": {"window": {"duration": None, "timeUnit": None}, "detail": _DETAIL}},
         "usages": {k: _POOL for k in _RATIO_POOLS}, "user": None, "parallel": None, "totalQuota": None,
         "subType": None}
SHAPE = {**_BODY, "code": None, "msg": None, "data": {"kind": None, "quota": {**_BODY, "extraUsage": None}}}


def cli_credentials_path() -> Path:
    home = os.environ.get("KIMI_CODE_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".kimi-code"
    return base / "credentials" / "kimi-code.json"


def cli_device_headers() -> dict[str, str]:
    """The identity headers the Kimi CLI sends with its OAuth token (CodexBar sends
    them too). The CLI's ``device_id`` file is read, bounded, never created."""
    import platform

    from llmeter_bar.providers.credfile import read_text_bounded

    def ascii_only(text: str) -> str:
        return text.encode("ascii", "ignore").decode()[:100] or "unknown"

    headers = {"X-Msh-Platform": "kimi_code_cli", "X-Msh-Device-Name": ascii_only(platform.node()),
               "X-Msh-Device-Model": ascii_only(f"{platform.system()} {platform.release()} {platform.machine()}"),
               "X-Msh-Os-Version": ascii_only(platform.release())}
    try:
        device_id = (read_text_bounded(cli_credentials_path().parent.parent / "device_id", 4096) or "").strip()
    except (OSError, FetchError, ValueError):
        device_id = ""
    if device_id and device_id.isprintable() and device_id.isascii():
        headers["X-Msh-Device-Id"] = device_id[:100]
    return headers


def _count_window(wid: str, label: str, seconds: int | None, detail: Any) -> Window | None:
    data = as_dict(detail)
    limit = to_float(data.get("limit"))
    if limit is None or limit <= 0:
        return None
    used = to_float(data.get("used"))
    if used is None:
        remaining = to_float(data.get("remaining"))
        if remaining is None:
            return None
        used = limit - remaining
    if used < 0:
        raise FetchError("parse", f"Kimi {label} usage is negative")
    resets = parse_time(data.get("resetTime") or data.get("reset_at") or data.get("resetAt"))
    return Window(id=wid, label=label, used_percent=used / limit * 100.0, resets_at=resets,
                  window_seconds=seconds, used=used, limit=limit)


def _ratio_window(wid: str, label: str, seconds: int | None, pool: Any) -> Window | None:
    data = as_dict(pool)
    ratio = to_float(data.get("used_ratio", data.get("usedRatio")))
    if ratio is None:
        return None
    if ratio < 0:
        raise FetchError("parse", f"Kimi {label} ratio is negative")
    resets = parse_time(data.get("reset_time") or data.get("resetTime") or data.get("resetAt"))
    return Window(id=wid, label=label, used_percent=ratio * 100.0, resets_at=resets, window_seconds=seconds)


def _body(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise FetchError("parse", f"Kimi answer is a {type(payload).__name__}, not an object")
    code = payload.get("code")
    if code not in (None, 0, "0"):
        msg = to_str(payload.get("msg")) or to_str(payload.get("message")) or "no message"
        raise FetchError("unavailable", f"Kimi answered code {code}: {msg}")
    quota = as_dict(as_dict(payload.get("data")).get("quota"))
    return quota or payload


def parse_usages(payload: Any) -> tuple[list[Window], str | None]:
    body = _body(payload)
    windows: dict[str, Window] = {}
    weekly = _count_window("weekly", "7d", 7 * 86400, body.get("usage"))
    if weekly is not None:
        windows["weekly"] = weekly
    for entry in as_list(body.get("limits")):
        spec = as_dict(as_dict(entry).get("window"))
        duration = to_float(spec.get("duration"))
        unit = _UNITS.get(to_str(spec.get("timeUnit")) or "")
        if not duration or duration <= 0 or unit is None:
            continue  # a window of unknown length cannot be labelled honestly
        seconds = int(duration * unit)
        wid, label = ("five_hour", "5h") if seconds == 5 * 3600 else (f"limit_{duration_label(seconds)}",
                                                                      duration_label(seconds))
        window = _count_window(wid, label, seconds, as_dict(entry).get("detail"))
        if window is not None:
            windows.setdefault(wid, window)
    for key, pool in as_dict(body.get("usages")).items():
        spec = _RATIO_POOLS.get(key)
        window = _ratio_window(*spec, pool) if spec else None
        if window is not None:
            windows.setdefault(window.id, window)  # counts already read win over ratios
    if not windows:
        raise FetchError("unavailable", "Kimi reports no quota for this account (no Kimi Code plan?); "
                         "subscribe at https://www.kimi.com/code", label="plan")
    level = to_str(as_dict(as_dict(body.get("user")).get("membership")).get("level"))
    plan = level.removeprefix("LEVEL_").replace("_", " ").title() if level else None
    order = {"five_hour": 0, "weekly": 1}
    return sorted(windows.values(), key=lambda w: order.get(w.id, 2)), plan


class Kimi(ApiKeyProvider):
    id: ClassVar[str] = "kimi"
    name: ClassVar[str] = "Kimi"
    kind: ClassVar[str] = "subscription"
    key_env: ClassVar[str] = ENVS[0]
    key_label: ClassVar[str] = "Kimi Code API key"
    default_base_url: ClassVar[str] = "https://api.kimi.com/coding"

    def _cli_login(self) -> tuple[str, str, datetime | None] | None:
        path = cli_credentials_path()
        data = read_json_object(path, RENEW_HINT)
        if data is None:
            return None
        token = to_str(data.get("access_token"))
        if not token:
            raise FetchError("auth", f"{path} holds no Kimi login; {RENEW_HINT}")
        from llmeter_bar.logs import register_secret

        register_secret(token)
        for secret in (data.get("refresh_token"),):
            if isinstance(secret, str) and secret:
                register_secret(secret)
        return token, str(path), parse_time(data.get("expires_at"))

    def _secret(self, settings: ProviderSettings) -> tuple[str, str] | None:
        found = _money.find_secret(settings, ENVS, (self.id,))
        if found is not None:
            return found
        cli = self._cli_login()
        return (cli[0], cli[1]) if cli else None

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        try:
            found = _money.find_secret(settings, ENVS, (self.id,))
            if found is not None:
                return CredentialInfo(source=found[1])
            cli = self._cli_login()
        except FetchError as exc:
            return CredentialInfo(source=str(cli_credentials_path()), detail=exc.message, usable=False)
        if cli is None:
            return None
        expired = cli[2] is not None and cli[2] <= utcnow()
        detail = login_detail(cli[2], None) + (f"; {RENEW_HINT}" if expired else "")
        return CredentialInfo(source=cli[1], detail=detail, usable=not expired)

    async def fetch(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, now: datetime | None = None
    ) -> ProviderResult:
        found = _money.find_secret(settings, ENVS, (self.id,))
        if found is None:
            cli = self._cli_login()
            if cli is not None:
                refuse_expired(cli[2], utcnow(), "the Kimi CLI", RENEW_HINT)
                return await self.fetch_with_key(session, settings, cli[0], now=now, device=cli_device_headers())
        key = _money.require_secret(found, self.key_label, ENVS[0], self.id)
        return await self.fetch_with_key(session, settings, key, now=now)

    async def fetch_with_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, now: datetime | None = None,
        device: dict[str, str] | None = None,
    ) -> ProviderResult:
        from llmeter_bar.providers.http import request_json

        headers = {"Authorization": f"Bearer {key}", "User-Agent": self.user_agent(settings),
                   "Accept": "application/json", **(device or {})}
        with _money.scrubbed(key):
            payload = await request_json(session, "GET", self.base_url(settings) + "/v1/usages",
                                         timeout=settings.timeout, auth_hint=AUTH_HINT,
                                         forbidden_hint=FORBIDDEN_HINT, headers=headers)
        return self.parse(payload, settings, now)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        windows, plan = parse_usages(payload)
        return self.result(settings, windows=windows, plan=plan, fetched_at=now or utcnow(),
                           unknown_fields=unknown_keys(payload, SHAPE))
