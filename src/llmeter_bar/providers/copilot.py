"""GitHub Copilot: premium requests (and any other metered bucket) from
``GET {base_url}/copilot_internal/user``, an internal endpoint the editor
plugins call with ``Authorization: token ...`` and editor headers.

Readings chosen where published parsers disagree (tests pin each one):

* ``percent_remaining`` is the REMAINING share; it may be a string and goes
  negative in overage. Used counts are ``entitlement - remaining``; over quota
  the window keeps ``used > limit`` while ``used_percent`` saturates at 100.
* Only ``unlimited: true`` or an entitlement of ``-1`` mean unlimited: the
  premium bucket becomes an unlimited window (never 0%), even on a
  zero-entitlement org placeholder. ``remaining: -1`` with a positive
  entitlement and ``unlimited: false`` is one request *over* quota (with a
  negative ``percent_remaining`` carrying float noise): 100 %, not unlimited.
  Unlimited chat/completions are skipped: they are unlimited on every paid plan.
* AI credits (since 2026-06-01; 1 credit = $0.01) replaced premium requests:
  a ``token_based_billing`` premium bucket is labelled ``AI credits``. Org
  seats report entitlement 0 plus ``credits_used``: that is shown as an extra
  "AI credits used" (of the entitlement when one is known, with its dollar
  value) instead of dropping the bucket.
* A zero-entitlement bucket that is not unlimited and has no ``credits_used``
  is no quota, not 100% used.
* Legacy free shape (``limited_user_quotas`` = remaining, ``monthly_quotas``
  = totals) is read only when no snapshot gave a window.
* ``overage_count`` > 0 is reported as credits labelled "overage requests"
  (a count, so no currency).
* Plan is ``copilot_plan``, with ``access_type_sku`` in brackets when it says
  the seat is a free one, else the sku alone.
* A GitHub 403 that carries ``x-ratelimit-remaining: 0`` or says "rate limit"
  is a rate limit (retry at ``x-ratelimit-reset``), not an auth failure.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.errors import FetchError
from llmeter_bar.models import Credits, Extra, ProviderResult, Window, utcnow
from llmeter_bar.providers import copilot_creds
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers._parse import as_dict, parse_time, to_float, to_str
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings

if TYPE_CHECKING:
    import aiohttp

EDITOR_VERSION = "vscode/1.96.2"
PLUGIN_VERSION = "copilot-chat/0.26.7"
_LABELS = {"premium_interactions": "Premium", "chat": "Chat", "completions": "Completions"}
_IDS = {"premium_interactions": "premium"}
_KNOWN = ("login", "copilot_plan", "access_type_sku", "quota_snapshots", "limited_user_quotas", "monthly_quotas")
CREDIT_USD = 0.01  # one AI credit, since 2026-06-01
_BUCKET: dict[str, Any] = {"*": None}
SHAPE: dict[str, Any] = {
    "login": None, "copilot_plan": None, "access_type_sku": None, "limited_user_quotas": None,
    "monthly_quotas": None, "quota_reset_date": None, "quota_reset_date_utc": None, "limited_user_reset_date": None,
    "quota_snapshots": {"*": {k: None for k in (
        "entitlement", "remaining", "percent_remaining", "unlimited", "overage_count", "overage_permitted",
        "quota_id", "quota_remaining", "quota_reset_at", "timestamp_utc", "token_based_billing", "credits_used",
        "credits_entitlement", "has_quota")}},
    "token_based_billing": None, "analytics_tracking_id": None, "assigned_date": None, "can_signup_for_limited": None,
    "chat_enabled": None, "codesearch": None, "organization_login_list": None, "organization_list": None,
    "endpoints": None, "is_mcp_enabled": None, "restricted_telemetry": None, "can_upgrade": None,
}


def _credits_extra(bucket: dict[str, Any], reset: datetime | None) -> Extra | None:
    """AI credits used on a seat whose bucket carries no usable share (org seats)."""
    used = to_float(bucket.get("credits_used"))
    if used is None or used <= 0:
        return None
    entitlement = to_float(bucket.get("credits_entitlement", bucket.get("entitlement")))
    limit = entitlement if entitlement is not None and entitlement > 0 else None
    return Extra(id="ai_credits", label="AI credits used", value=used, unit="credits", limit=limit,
                 expires_at=None, note=f"${used * CREDIT_USD:,.2f}")


def _bucket_window(key: str, bucket: dict[str, Any], reset: datetime | None,
                   credits_billing: bool = False) -> Window | None:
    wid, label = _IDS.get(key, key), _LABELS.get(key, key.replace("_", " ").title())
    if key == "premium_interactions" and (credits_billing or bucket.get("token_based_billing") is True):
        label = "AI credits"
    entitlement = to_float(bucket.get("entitlement"))
    remaining = to_float(bucket.get("remaining"))
    percent_left = to_float(bucket.get("percent_remaining"))
    # A per-bucket epoch reset wins; 0 means "not set", never 1970.
    reset = parse_time(bucket.get("quota_reset_at")) or reset
    if bucket.get("unlimited") is True or entitlement == -1:
        if key != "premium_interactions":
            return None
        credits_used = to_float(bucket.get("credits_used"))
        return Window(wid, label, 0.0, resets_at=reset, unlimited=True, used=credits_used or None)
    if entitlement is not None and entitlement <= 0:
        return None  # zero entitlement and not unlimited: no such quota on this plan
    used = entitlement - remaining if entitlement is not None and remaining is not None else None
    if percent_left is None and used is not None and entitlement:
        percent_left = (remaining or 0.0) / entitlement * 100.0
    credits_used = to_float(bucket.get("credits_used"))
    if percent_left is None and used is None and credits_used is not None and entitlement:
        used = credits_used  # AI credits: only the spent count is sent
        percent_left = 100.0 - credits_used / entitlement * 100.0
    if remaining is not None and remaining < 0:
        percent_left = min(percent_left if percent_left is not None else 0.0, 0.0)  # over quota, whatever the noise
    if percent_left is None:
        return None  # only a remaining count: the share is unknown, not 0
    return Window(wid, label, 100.0 - percent_left, resets_at=reset, used=used, limit=entitlement)


def _legacy_windows(payload: dict[str, Any], reset: datetime | None) -> list[Window]:
    left, totals = as_dict(payload.get("limited_user_quotas")), as_dict(payload.get("monthly_quotas"))
    windows = []
    for key, remaining_raw in left.items():
        remaining, total = to_float(remaining_raw), to_float(totals.get(key))
        if remaining is None or not total or total <= 0:
            continue
        used = total - remaining
        windows.append(Window(key, _LABELS.get(key, key.title()), used / total * 100.0,
                              resets_at=reset, used=used, limit=total))
    return windows


def _plan(payload: dict[str, Any]) -> str | None:
    plan, sku = to_str(payload.get("copilot_plan")), to_str(payload.get("access_type_sku"))
    if plan and sku and "free" in sku and "free" not in plan:
        return f"{plan} ({sku})"
    return plan or sku


class Copilot(Provider):
    id: ClassVar[str] = "copilot"
    name: ClassVar[str] = "Copilot"
    kind: ClassVar[str] = "subscription"
    default_base_url: ClassVar[str] = "https://api.github.com"
    default_user_agent: ClassVar[str] = "GitHubCopilotChat/0.26.7"

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        return copilot_creds.describe(settings)

    async def fetch(self, session: aiohttp.ClientSession, settings: ProviderSettings) -> ProviderResult:
        from llmeter_bar.logs import register_secret
        from llmeter_bar.providers.http import request_json

        token = copilot_creds.find_token(settings)
        register_secret(token.value)
        headers = {
            "Authorization": f"token {token.value}",
            "Accept": "application/json",
            "Editor-Version": str(settings.option("editor_version") or EDITOR_VERSION),
            "Editor-Plugin-Version": str(settings.option("editor_plugin_version") or PLUGIN_VERSION),
            "User-Agent": self.user_agent(settings),
            "X-Github-Api-Version": "2025-04-01",
        }
        payload = await request_json(
            session, "GET", f"{self.base_url(settings)}/copilot_internal/user",
            timeout=settings.timeout, auth_hint=copilot_creds.LOGIN_HINT,
            headers=headers, raise_for_status=_github_rate_limit,
        )
        return self.parse(payload, settings)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        if not isinstance(payload, dict) or not any(payload.get(k) for k in _KNOWN):
            raise FetchError("parse", "Copilot answered without plan or quota data")
        reset = (parse_time(payload.get("quota_reset_date_utc")) or parse_time(payload.get("quota_reset_date"))
                 or parse_time(payload.get("limited_user_reset_date")))
        snapshots = as_dict(payload.get("quota_snapshots"))
        # Premium first: bars show the first window when space is short.
        order = [k for k in _LABELS if k in snapshots] + [k for k in snapshots if k not in _LABELS]
        billing = payload.get("token_based_billing") is True
        windows = [w for k in order if (w := _bucket_window(k, as_dict(snapshots[k]), reset, billing))]
        if not windows:
            windows = _legacy_windows(payload, reset)
        premium = as_dict(snapshots.get("premium_interactions"))
        overage = to_float(premium.get("overage_count"))
        credits = Credits(overage, currency=None, label="overage requests") if overage and overage > 0 else None
        premium_window = next((w for w in windows if w.id == "premium"), None)
        extras = []
        if premium_window is None or premium_window.unlimited:
            found = _credits_extra(premium, reset)
            extras = [found] if found is not None else []
        return self.result(
            settings, windows=windows, credits=credits, plan=_plan(payload), extras=extras,
            account=to_str(payload.get("login")), source="api", fetched_at=now or utcnow(),
            unknown_fields=unknown_keys(payload, SHAPE),
        )


async def _github_rate_limit(response: aiohttp.ClientResponse) -> None:
    """GitHub sends rate limits as 403; tell them from auth failures before http.py maps 403 to auth."""
    if response.status != 403:
        return
    body = (await response.text(errors="replace")).lower()
    if response.headers.get("x-ratelimit-remaining") != "0" and "rate limit" not in body:
        return
    reset = parse_time(response.headers.get("x-ratelimit-reset"))
    delay = (reset - utcnow()).total_seconds() if reset else None
    when = f"until {reset:%Y-%m-%d %H:%M} UTC" if reset else "for a while"
    raise FetchError("rate_limit", f"GitHub API rate limit reached (HTTP 403); backing off {when}",
                     retry_after=delay if delay and delay > 0 else None)
