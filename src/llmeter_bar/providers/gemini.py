"""Gemini (Code Assist, as used by the Gemini CLI): per-model daily quota.

``POST {base_url}/v1internal:loadCodeAssist`` gives the tier and the Cloud
project, ``POST {base_url}/v1internal:retrieveUserQuota`` the buckets. Token
handling (read-only use of the CLI's file, in-memory refresh) is in
``gemini_auth``.

Readings chosen where published parsers disagree (tests pin each one):

* ``remainingFraction`` is the remaining share: used = 100 - fraction x 100.
  Several buckets per model (one per token type, or duplicates): the lowest
  fraction wins, and within a family the worst model wins.
* Families are Pro, Flash and Flash Lite: flash-lite is kept apart from flash
  (CodexBar) rather than folded into it (llmeter), because its far larger quota
  would otherwise never show. Other models get a window of their own.
* A bucket without ``remainingFraction`` is unknown and skipped (not 100%
  left); no usable bucket at all is a ``parse`` error, never a 0% bar.
* Windows are 24 h (``window_seconds`` 86400): the API gives only the reset.
* The newer grouped shape (``response.groups[].buckets[]``, Antigravity) gives
  one window per group and bucket, its length read from the bucket id/name.
* Plan: ``paidTier.name`` wins, then standard/free/legacy tier as Paid/Free/Legacy.
* A 403 saying ``UNSUPPORTED_CLIENT``/``IneligibleTierError`` means Google ended
  Code Assist for this consumer tier (Gemini CLI OAuth for individual, AI Pro
  and Ultra accounts, June 2026): ``unavailable`` with label ``tier`` and a
  message pointing at the Antigravity provider, not an auth failure. The same
  body on the token refresh is read the same way.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from llmeter_bar.errors import FetchError
from llmeter_bar.models import ProviderResult, Window, utcnow
from llmeter_bar.providers import gemini_auth
from llmeter_bar.providers._parse import as_dict, as_list, parse_time, to_float, to_str
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings

if TYPE_CHECKING:
    import aiohttp

DAY = 86400
_TIERS = {"standard-tier": "Paid", "free-tier": "Free", "legacy-tier": "Legacy"}
_FAMILIES = (("flash-lite", "flash_lite", "Flash Lite"), ("flash", "flash", "Flash"), ("pro", "pro", "Pro"))
_METADATA = {"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED", "pluginType": "GEMINI"}


def code_assist_info(payload: Any) -> tuple[str | None, str | None, str | None]:
    """(tier id, plan name, project id) from a loadCodeAssist answer."""
    data = as_dict(payload)
    tier = as_dict(data.get("currentTier"))
    tier_id = to_str(tier.get("id"))
    plan = to_str(as_dict(data.get("paidTier")).get("name")) or _TIERS.get(tier_id or "") or to_str(tier.get("name"))
    project = data.get("cloudaicompanionProject")
    if isinstance(project, dict):
        project = project.get("id") or project.get("projectId")
    return tier_id, plan, to_str(project)


def _family(model: str) -> tuple[str, str]:
    lowered = model.lower()
    for needle, wid, label in _FAMILIES:
        if needle in lowered:
            return wid, label
    return re.sub(r"[^a-z0-9]+", "_", lowered).strip("_") or "model", model


def _fraction(bucket: dict[str, Any]) -> float | None:
    remaining = bucket.get("remaining")
    if isinstance(remaining, dict):  # grouped shape, or a protobuf oneof {"case", "value"}
        if remaining.get("case") == "remainingFraction":
            value = to_float(remaining.get("value"))
        else:
            value = to_float(remaining.get("remainingFraction"))
    else:
        value = to_float(bucket.get("remainingFraction"))
    # Outside 0-1 it is not a fraction (-5 would read as 600 % used): unknown, not clamped.
    return value if value is not None and 0.0 <= value <= 1.0 else None


def _model_windows(buckets: list[Any]) -> list[Window]:
    worst: dict[str, tuple[float, str, datetime | None]] = {}
    for bucket in map(as_dict, buckets):
        model, fraction = to_str(bucket.get("modelId")), _fraction(bucket)
        if not model or fraction is None:
            continue
        wid, label = _family(model)
        reset = parse_time(bucket.get("resetTime"))
        held = worst.get(wid)
        if held is None or fraction < held[0]:
            worst[wid] = (fraction, label, reset or (held[2] if held else None))
        elif held[2] is None and reset:
            worst[wid] = (held[0], held[1], reset)
    order = {wid: i for i, (_, wid, _) in enumerate(reversed(_FAMILIES))}  # Pro, Flash, Flash Lite, others
    return [Window(wid, label, 100.0 - fraction * 100.0, resets_at=reset, window_seconds=DAY)
            for wid, (fraction, label, reset) in sorted(worst.items(), key=lambda kv: order.get(kv[0], 99))]


def _window_length(bucket: dict[str, Any]) -> tuple[str, int | None]:
    text = f"{bucket.get('bucketId', '')} {bucket.get('displayName', '')}".lower()
    if "5h" in text or "five hour" in text or "5-hour" in text:
        return "5h", 5 * 3600
    if "week" in text:
        return "weekly", 7 * DAY
    if "day" in text or "24h" in text:
        return "daily", DAY
    return to_str(bucket.get("bucketId")) or "limit", None


def _group_windows(groups: list[Any]) -> list[Window]:
    windows = []
    for group in map(as_dict, groups):
        name = to_str(group.get("displayName")) or "Models"
        label = re.sub(r"\s+models?$", "", name, flags=re.I).replace(" and ", "/")
        slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
        found = []
        for bucket in map(as_dict, as_list(group.get("buckets"))):
            fraction = _fraction(bucket)
            if fraction is None or bucket.get("disabled") is True:
                continue
            kind, seconds = _window_length(bucket)
            found.append(Window(f"{slug}_{kind}", f"{label} {kind}", 100.0 - fraction * 100.0,
                                resets_at=parse_time(bucket.get("resetTime")), window_seconds=seconds))
        # Groups keep the server's order; inside one, the shortest window first.
        windows += sorted(found, key=lambda w: w.window_seconds or 0)
    return windows


class Gemini(Provider):
    id: ClassVar[str] = "gemini"
    name: ClassVar[str] = "Gemini"
    kind: ClassVar[str] = "subscription"
    default_base_url: ClassVar[str] = "https://cloudcode-pa.googleapis.com"

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        path = gemini_auth.creds_path(settings)
        if not path.is_file():
            return None
        return CredentialInfo(source=str(path), detail="Gemini CLI login (read-only)")

    def credential_paths(self, settings: ProviderSettings) -> list[str]:
        return [str(gemini_auth.creds_path(settings))]

    async def fetch(self, session: aiohttp.ClientSession, settings: ProviderSettings) -> ProviderResult:
        from llmeter_bar.providers.http import request_json

        creds = gemini_auth.read_creds(settings)
        token = await gemini_auth.access_token(session, settings, creds)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Accept": "application/json", "User-Agent": self.user_agent(settings)}
        base = f"{self.base_url(settings)}/v1internal"
        project = to_str(settings.option("project")) or to_str(os.environ.get("GOOGLE_CLOUD_PROJECT"))
        body: dict[str, Any] = {"metadata": dict(_METADATA)}
        if project:
            body["cloudaicompanionProject"] = project
            body["metadata"]["duetProject"] = project
        common = {"timeout": settings.timeout, "auth_hint": gemini_auth.RENEW_HINT, "headers": headers,
                  "raise_for_status": ineligible_tier}
        try:
            assist = await request_json(session, "POST", f"{base}:loadCodeAssist", json=body, **common)
        except FetchError as exc:
            if exc.kind in ("auth", "rate_limit", "network") or exc.label == "tier":
                raise  # the quota call would fail the same way
            assist = {}  # project discovery is best effort: quota works without it for free tiers
        project = project or code_assist_info(assist)[2]
        quota = await request_json(session, "POST", f"{base}:retrieveUserQuota",
                                   json={"project": project} if project else {}, **common)
        result = self.parse({"loadCodeAssist": assist, "retrieveUserQuota": quota}, settings)
        return result.with_(account=creds.email)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        data = as_dict(payload)
        assist = data.get("loadCodeAssist")
        quota = as_dict(data.get("retrieveUserQuota", data))
        groups = as_list(as_dict(quota.get("response")).get("groups"))
        windows = _group_windows(groups) if groups else _model_windows(as_list(quota.get("buckets")))
        if not windows:
            raise FetchError("parse", "Gemini quota answer has no bucket with a remaining fraction")
        return self.result(settings, windows=windows, plan=code_assist_info(assist)[1],
                           source="api", fetched_at=now or utcnow(), unknown_fields=unknown_keys(quota, SHAPE))


async def ineligible_tier(response: aiohttp.ClientResponse) -> None:
    """Google retired Code Assist for consumer tiers with a 403 that is not a token problem."""
    if response.status != 403:
        return
    body = await response.text(errors="replace")
    if "UNSUPPORTED_CLIENT" in body or "IneligibleTier" in body or "no longer supported" in body:
        raise FetchError("unavailable", SHUTDOWN_MESSAGE, label="tier")


SHAPE: dict[str, Any] = {
    "buckets": {"[]": {"modelId": None, "remainingFraction": None, "resetTime": None, "tokenType": None,
                       "remainingAmount": None}},
    "response": None,
}

# Google's June 2026 change, said the same way in the error, the docs and doctor.
SHUTDOWN_MESSAGE = (
    "Google shut Gemini CLI sign-in for individual, AI Pro and Ultra accounts in June 2026: no quota is served "
    "to this login any more; use the Antigravity provider (`antigravity`) for these plans"
)
