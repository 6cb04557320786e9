"""z.ai / Zhipu GLM Coding Plan: token (or credit) windows and the MCP call quota.

``GET https://api.z.ai/api/monitor/usage/quota/limit`` (``region = "cn"``:
``open.bigmodel.cn``, same path). Reading it right:

* Failures come back as HTTP 200 with ``success: false`` and a ``code``:
  401/1001 = the key, 500 with "coding plan" in ``msg`` = no plan.
* ``data.limits[]`` rows are classified by ``type`` + (``unit``, ``number``),
  never by position: unit 3 = hours, 6 = weeks, 1 = days, 5 and 7 = months
  (peers disagree on 5 and 7; both have only been seen as a month). Rows
  with another unit are dropped rather than shown under a guessed label.
* ``TOKENS_LIMIT`` was renamed ``CREDIT_LIMIT`` in 2026-08: both are read.
  ``TIME_LIMIT`` is the monthly MCP (web search/reader) call quota.
* ``percentage`` is the used share; ``usage`` is the limit and
  ``currentValue`` the amount used. ``nextResetTime`` is epoch ms and is
  absent on idle windows: the reset is then unknown, never invented.
* The key goes as ``Bearer`` (CodexBar, openusage) or raw (Zhipu's own
  plugins); both are in use. The other form is tried after a 401, and the
  one that worked is remembered per account in the cache directory.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar import paths
from llmeter_bar.errors import FetchError
from llmeter_bar.models import ProviderResult, Window, utcnow
from llmeter_bar.providers import _money
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers._parse import as_dict, as_list, duration_label, parse_time, to_float, to_int, to_str
from llmeter_bar.providers.base import CredentialInfo, ProviderSettings
from llmeter_bar.providers.credfile import read_json_object
from llmeter_bar.providers.keyed import ApiKeyProvider

if TYPE_CHECKING:
    import aiohttp

ENVS = ("ZAI_API_KEY", "ZHIPUAI_API_KEY")
PATH = "/api/monitor/usage/quota/limit"
CN_BASE = "https://open.bigmodel.cn"
AUTH_HINT = "the key is invalid or expired: check it, set ZAI_API_KEY or run `llmeter-bar login zai`"
FORBIDDEN_HINT = "the key was refused (account disabled or without access): check it at https://z.ai/manage-apikey"
NO_PLAN_HINT = (
    "subscribe at https://z.ai/subscribe (a bigmodel.cn key needs region = \"cn\" in [provider.zai])"
)
CLAUDE_HINT = "fix ANTHROPIC_AUTH_TOKEN in ~/.claude/settings.json"
_UNIT_SECONDS = {1: 86400, 3: 3600, 5: 30 * 86400, 6: 7 * 86400, 7: 30 * 86400}
_TOKEN_TYPES = ("TOKENS_LIMIT", "CREDIT_LIMIT")
_ROW = {k: None for k in ("type", "unit", "number", "percentage", "usage", "currentValue", "remaining",
                          "nextResetTime", "usageDetails")}
SHAPE = {"code": None, "msg": None, "success": None,
         "data": {"limits": {"[]": _ROW}, "level": None, "planName": None}}


def _claude_settings_key() -> tuple[str, str, str | None] | None:
    """Claude Code pointed at z.ai keeps the key in its settings' ``env`` (read only)."""
    path = Path.home() / ".claude" / "settings.json"
    try:
        data = read_json_object(path, CLAUDE_HINT)
    except FetchError:
        return None
    env = as_dict((data or {}).get("env"))
    base = to_str(env.get("ANTHROPIC_BASE_URL")) or ""
    token = to_str(env.get("ANTHROPIC_AUTH_TOKEN"))
    if not token or not ("z.ai" in base or "bigmodel.cn" in base):
        return None
    return token, str(path), "cn" if "bigmodel.cn" in base else None


def window_seconds(unit: Any, number: Any) -> int | None:
    seconds = _UNIT_SECONDS.get(to_int(unit) or 0)
    count = to_int(number)
    return seconds * count if seconds and count and count > 0 else None


def _row_window(row: dict[str, Any]) -> Window | None:
    kind = to_str(row.get("type")) or ""
    seconds = window_seconds(row.get("unit"), row.get("number"))
    if seconds is None or (kind not in _TOKEN_TYPES and kind != "TIME_LIMIT"):
        return None  # an unknown cadence or type: never shown under a guessed label
    limit = to_float(row.get("usage"))
    used = to_float(row.get("currentValue"))
    percent = to_float(row.get("percentage"))
    if percent is None and limit and limit > 0 and used is not None:
        percent = used / limit * 100.0
    if percent is None:
        return None
    if percent < 0 or (used is not None and used < 0):
        raise FetchError("parse", "z.ai reports a negative usage figure")
    months = to_int(row.get("number")) if to_int(row.get("unit")) in (5, 7) else None
    label = ("month" if months == 1 else f"{months}mo") if months else duration_label(seconds)
    if kind == "TIME_LIMIT":
        wid, label = "mcp", f"MCP {label}"
    elif seconds == 5 * 3600:
        wid = "five_hour"
    elif seconds == 7 * 86400:
        wid, label = "weekly", "7d"
    else:
        wid = f"tokens_{label}"
    return Window(id=wid, label=label, used_percent=percent, resets_at=parse_time(row.get("nextResetTime")),
                  window_seconds=seconds, used=used, limit=limit if limit and limit > 0 else None,
                  side=kind == "TIME_LIMIT")


def check_envelope(payload: Any) -> None:
    """Raise the in-band failure a 200 can carry."""
    if not isinstance(payload, dict):
        raise FetchError("parse", f"z.ai answer is a {type(payload).__name__}, not an object")
    code = to_int(payload.get("code"))
    if payload.get("success") is not False and code in (None, 0, 200):
        return
    msg = to_str(payload.get("msg")) or "no message"
    if code in (401, 1001, 1002, 1003):
        raise FetchError("auth", f"z.ai refused the key (code {code}: {msg}); {AUTH_HINT}", label="auth")
    if "coding plan" in msg.lower() or code == 500 and "plan" in msg.lower():
        raise FetchError("unavailable", f"no GLM Coding Plan on this account ({msg}); {NO_PLAN_HINT}",
                         label="plan")
    if "disabled" in msg.lower() or "禁用" in msg or "冻结" in msg:
        raise FetchError("auth", f"z.ai account disabled ({msg}); contact z.ai support", label="auth")
    raise FetchError("unavailable", f"z.ai answered code {code}: {msg}")


def parse_limits(payload: Any) -> tuple[list[Window], str | None]:
    check_envelope(payload)
    data = as_dict(payload.get("data"))
    windows: dict[str, Window] = {}
    for row in as_list(data.get("limits")):
        window = _row_window(as_dict(row))
        if window is not None:
            windows.setdefault(window.id, window)  # a duplicate row never overrides the first
    if not windows:
        raise FetchError("parse", "z.ai answer has no usable limits (format changed?)")
    order = {"five_hour": 0, "weekly": 1, "mcp": 9}
    level = to_str(data.get("level"))
    plan = to_str(data.get("planName")) or (f"GLM Coding {level.title()}" if level else None)
    return sorted(windows.values(), key=lambda w: order.get(w.id, 5)), plan


def _scheme_file() -> Path:
    return Path(paths.cache_dir_str()) / "zai-auth.json"


def remembered_scheme(account: str) -> str | None:
    try:
        with _scheme_file().open("rb") as handle:
            data = json.loads(handle.read(65536))
    except (OSError, ValueError):
        return None
    value = data.get(account) if isinstance(data, dict) else None
    return value if value in ("bearer", "raw") else None


def remember_scheme(account: str, scheme: str) -> None:
    """Only the scheme's name is kept (never the key or anything derived from it)."""
    path = _scheme_file()
    try:
        with path.open("rb") as handle:
            data = json.loads(handle.read(65536))
        data = data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        data = {}
    if data.get(account) == scheme:
        return
    data[account] = scheme
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # as private as the cache itself
        temp = path.with_name(f".{path.name}.{os.getpid()}")
        temp.write_text(json.dumps(data))
        os.replace(temp, path)
    except OSError:
        pass  # remembering only saves a request next time


class Zai(ApiKeyProvider):
    id: ClassVar[str] = "zai"
    name: ClassVar[str] = "Z.ai"
    kind: ClassVar[str] = "subscription"
    key_env: ClassVar[str] = ENVS[0]
    key_label: ClassVar[str] = "z.ai API key"
    default_base_url: ClassVar[str] = "https://api.z.ai"

    def _found(self, settings: ProviderSettings) -> tuple[str, str, str | None] | None:
        found = _money.find_secret(settings, ENVS, (self.id,))
        if found is not None:
            return found[0], found[1], None
        from llmeter_bar.logs import register_secret

        claude = _claude_settings_key()
        if claude is not None:
            register_secret(claude[0])
        return claude

    def _secret(self, settings: ProviderSettings) -> tuple[str, str] | None:
        found = self._found(settings)
        return (found[0], found[1]) if found else None

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        info = _money.credential_info(lambda: self._secret(settings))
        if info is not None and settings.option("region") == "cn":
            info.detail = "region cn"
        return info

    def base_url(self, settings: ProviderSettings) -> str:
        if settings.base_url:
            return settings.base_url.rstrip("/")
        found = None if settings.option("region") else self._found(settings)
        cn = settings.option("region") == "cn" or (found is not None and found[2] == "cn")
        return CN_BASE if cn else self.default_base_url

    async def fetch_with_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, now: datetime | None = None
    ) -> ProviderResult:
        from llmeter_bar.providers.http import request_json

        remembered = remembered_scheme(settings.key)
        schemes = ["raw", "bearer"] if remembered == "raw" else ["bearer", "raw"]
        url = self.base_url(settings) + PATH
        with _money.scrubbed(key):
            for attempt, scheme in enumerate(schemes):
                headers = {"Authorization": f"Bearer {key}" if scheme == "bearer" else key,
                           "User-Agent": self.user_agent(settings), "Accept": "application/json"}
                try:
                    payload = await request_json(session, "GET", url, timeout=settings.timeout, auth_hint=AUTH_HINT,
                                                 forbidden_hint=FORBIDDEN_HINT, headers=headers)
                    check_envelope(payload)
                except FetchError as exc:
                    if exc.kind == "auth" and "HTTP 403" not in exc.message and attempt == 0:
                        continue  # the other form of the key may be the one this account takes
                    raise
                if scheme != remembered:
                    remember_scheme(settings.key, scheme)
                return self.parse(payload, settings, now)
        raise AssertionError("unreachable")

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        windows, plan = parse_limits(payload)
        return self.result(settings, windows=windows, plan=plan, fetched_at=now or utcnow(),
                           unknown_fields=unknown_keys(payload, SHAPE))
