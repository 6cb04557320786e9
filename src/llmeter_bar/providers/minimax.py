"""MiniMax Token / Coding Plan: the 5-hour interval and the weekly window, per model.

``GET https://api.minimax.io/v1/token_plan/remains`` (``region = "cn"``:
``api.minimaxi.com``), ``Authorization: Bearer``; on a 404 the legacy
``/v1/api/openplatform/coding_plan/remains`` (same body) is tried. Reading it:

* Always HTTP 200: ``base_resp.status_code`` (top level or under ``data``)
  is 0 when fine; 1004 = no plan for this key (a pay-as-you-go key, or none
  accepted), 2049 = invalid key or a key of the other region.
* ``model_remains[]`` (top level or under ``data``), one row per model
  (``general`` is the text/coding quota and comes first).
* ``current_*_remaining_percent`` are REMAINING (used = 100 - x; strings
  happen; above 100 under a boost). Without them, ``current_*_total_count``
  is the limit and ``current_*_usage_count`` is also REMAINING (the name lies:
  MiniMax-M2 #99, ClaudeBar #114, CodexBar's tests).
* ``current_*_status`` 2 = exhausted (100 %, whatever the counts say);
  3 with zero totals = the model (or the weekly cap) is
  not in the plan: no window. ``end_time`` / ``weekly_end_time`` are epoch ms
  resets; the window length comes from start/end (``video`` runs 24 h).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.errors import FetchError
from llmeter_bar.models import ProviderResult, Window, utcnow
from llmeter_bar.providers import _money
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers._parse import as_dict, as_list, duration_label, parse_time, to_float, to_int, to_str
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.keyed import ApiKeyProvider

if TYPE_CHECKING:
    import aiohttp

ENVS = ("MINIMAX_CODING_API_KEY", "MINIMAX_API_KEY")
PATH = "/v1/token_plan/remains"
LEGACY_PATH = "/v1/api/openplatform/coding_plan/remains"
CN_BASE = "https://api.minimaxi.com"
AUTH_HINT = "the key is invalid: check it, set MINIMAX_CODING_API_KEY or run `llmeter-bar login minimax`"
FORBIDDEN_HINT = "the account was refused (disabled or in arrears): check https://platform.minimax.io"
_PREFIX = {"interval": ("current_interval", "start_time", "end_time", "remains_time"),
           "weekly": ("current_weekly", "weekly_start_time", "weekly_end_time", "weekly_remains_time")}
_ROW = {"model_name": None, "~current_(interval|weekly)_\\w+": None, "~(weekly_)?(start|end|remains)_time": None,
        "~(interval|weekly)_boost_permill?e?": None}
_BASE = {"status_code": None, "status_msg": None}
_TITLES = ("current_subscribe_title", "plan_name", "current_plan_title", "combo_title")
_DATA = {"base_resp": _BASE, "model_remains": {"[]": _ROW}, **{t: None for t in _TITLES},
         "current_combo_card": None, "points_balance": None, "token_plan_credit": None,
         "cycle_resource_package": None}
SHAPE = {**_DATA, "data": _DATA}


def check_status(payload: dict[str, Any]) -> None:
    base = as_dict(payload.get("base_resp")) or as_dict(as_dict(payload.get("data")).get("base_resp"))
    code = to_int(base.get("status_code"))
    if not base or code == 0:
        return
    msg = to_str(base.get("status_msg")) or "no message"
    if code == 1004:
        raise FetchError("unavailable", f"no MiniMax Token Plan for this key (status 1004: {msg}); use the plan key "
                         "(sk-cp-…) in MINIMAX_CODING_API_KEY or `llmeter-bar login minimax`, or subscribe",
                         label="plan")
    if code in (2049, 1008):
        raise FetchError("auth", f"MiniMax refused the key (status {code}: {msg}); {AUTH_HINT} "
                         "(a key for api.minimaxi.com needs region = \"cn\")", label="auth")
    if code in (1002, 1039):
        raise FetchError("rate_limit", f"MiniMax rate limit (status {code}: {msg})", label="429")
    raise FetchError("unavailable", f"MiniMax answered status {code}: {msg}")


def _window(row: dict[str, Any], which: str, model: str, now: datetime) -> Window | None:
    prefix, start_key, end_key, remains_key = _PREFIX[which]
    total = to_float(row.get(f"{prefix}_total_count"))
    left = to_float(row.get(f"{prefix}_usage_count"))  # REMAINING despite the name
    remaining_pct = to_float(row.get(f"{prefix}_remaining_percent"))
    status = to_int(row.get(f"{prefix}_status"))
    if status == 3 and not total:
        return None  # not in the plan (or no weekly cap): nothing to meter
    used = limit = None
    if remaining_pct is not None:
        percent = 100.0 - remaining_pct
    elif total and total > 0 and left is not None:
        used, limit = total - left, total
        percent = used / total * 100.0
    else:
        return None
    if (remaining_pct is not None and remaining_pct < 0) or (used is not None and used < 0):
        raise FetchError("parse", f"MiniMax {model} {which} figures are out of range")
    if status == 2:  # exhausted says MiniMax, whatever the counts (whose meaning peers dispute) say
        percent, used = 100.0, limit
    start, end = parse_time(row.get(start_key)), parse_time(row.get(end_key))
    if end is None:
        remains = to_float(row.get(remains_key))
        end = now + timedelta(milliseconds=remains) if remains and remains > 0 else None
    seconds = int((end - start).total_seconds()) if start and end and end > start else (
        5 * 3600 if which == "interval" else 7 * 86400)
    span = "7d" if which == "weekly" else duration_label(seconds)
    general = model == "general"
    wid = f"{'five_hour' if which == 'interval' else 'weekly'}" if general else f"{model}_{which}"
    return Window(id=wid, label=span if general else f"{model} {span}", used_percent=percent, resets_at=end,
                  window_seconds=seconds, used=used, limit=limit, scope=None if general else model,
                  side=not general)


def parse_remains(payload: Any, now: datetime) -> tuple[list[Window], str | None]:
    if not isinstance(payload, dict):
        raise FetchError("parse", f"MiniMax answer is a {type(payload).__name__}, not an object")
    check_status(payload)
    data = as_dict(payload.get("data"))
    rows = as_list(payload.get("model_remains")) or as_list(data.get("model_remains"))
    windows: dict[str, Window] = {}
    for row in rows:
        row = as_dict(row)
        model = (to_str(row.get("model_name")) or "general")[:40]
        for which in ("interval", "weekly"):
            window = _window(row, which, model, now)
            if window is not None:
                windows.setdefault(window.id, window)
    if not windows:
        if rows:
            raise FetchError("unavailable", "MiniMax lists no metered model for this key (no model in the plan); "
                             "check the plan at https://platform.minimax.io", label="plan")
        raise FetchError("parse", "MiniMax answer has no model_remains (format changed?)")
    plan = next((to_str(src.get(t)) for src in (payload, data) for t in _TITLES if to_str(src.get(t))), None)
    plan = plan or to_str(as_dict(data.get("current_combo_card")).get("title"))
    order = {"five_hour": 0, "weekly": 1}
    return sorted(windows.values(), key=lambda w: order.get(w.id, 2)), plan


class MiniMax(ApiKeyProvider):
    id: ClassVar[str] = "minimax"
    name: ClassVar[str] = "MiniMax"
    kind: ClassVar[str] = "subscription"
    key_env: ClassVar[str] = ENVS[0]
    key_label: ClassVar[str] = "MiniMax Token Plan key"
    default_base_url: ClassVar[str] = "https://api.minimax.io"

    def _secret(self, settings: ProviderSettings) -> tuple[str, str] | None:
        return _money.find_secret(settings, ENVS, (self.id,))

    def base_url(self, settings: ProviderSettings) -> str:
        if settings.base_url:
            return settings.base_url.rstrip("/")
        return CN_BASE if settings.option("region") == "cn" else self.default_base_url

    async def fetch_with_key(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, key: str, now: datetime | None = None
    ) -> ProviderResult:
        from llmeter_bar.providers.http import request_json

        headers = {"Authorization": f"Bearer {key}", "User-Agent": self.user_agent(settings),
                   "Accept": "application/json"}
        base = self.base_url(settings)
        with _money.scrubbed(key):
            try:
                payload = await request_json(session, "GET", base + PATH, timeout=settings.timeout,
                                             auth_hint=AUTH_HINT, forbidden_hint=FORBIDDEN_HINT, headers=headers)
            except FetchError as exc:
                if not exc.message.startswith("HTTP 404"):
                    raise
                payload = await request_json(session, "GET", base + LEGACY_PATH, timeout=settings.timeout,
                                             auth_hint=AUTH_HINT, forbidden_hint=FORBIDDEN_HINT, headers=headers)
        return self.parse(payload, settings, now)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        now = now or utcnow()
        windows, plan = parse_remains(payload, now)
        return self.result(settings, windows=windows, plan=plan, fetched_at=now,
                           unknown_fields=unknown_keys(payload, SHAPE))
