"""Healthy answers of every provider endpoint, and the ways a broken upstream mangles them.

Each provider gets distinctive figures (``FIGURES``) so a test can tell whose
number it is reading. Times are relative to the moment of the request, so the
windows never roll over while a test runs.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

# The headline each provider's bar segment shows after a good fetch.
HEADLINES = {
    "claude": "37%", "codex": "41%", "gemini": "23%", "cursor": "62%", "copilot": "15%",
    "anthropic-api": "$12.35", "openai-api": "$4.56", "openrouter": "$7.50", "azure-openai": "25%",
    "opencode-zen": "$3.79", "opencode-go": "57%",
    "zai": "33%", "kimi": "27%", "minimax": "44%", "grok": "18%", "ollama": "46%",
    "deepseek": "$8.25", "factory": "63%", "synthetic": "44%", "antigravity": "29%",
}

# Tmux styling and command substitution, polybar actions, Pango markup, SGR,
# OSC 8 (hyperlink) and OSC 52 (clipboard), C1 CSI, newlines and separators.
HOSTILE = (
    "#[fg=red,bg=blue]#(touch /tmp/llmeter-pwned)#{pane_id}"
    "%{A1:rm -rf ~:}click%{A}<span color='red'>x</span><b>"
    "\x1b[31mred\x1b[0m\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07\x1b]52;c;cHduZWQ=\x07"
    "\x9b2J\nsecond line\r\u2028third\u202e"
)


def _iso(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ms(delta: timedelta) -> int:
    return int((datetime.now(timezone.utc) + delta).timestamp() * 1000)


def _by_provider(provider: str, path: str, h: str | None) -> Any:
    """Answers of providers whose paths another provider also uses (``/api/usage``)."""
    if provider == "zai" and path == "/api/monitor/usage/quota/limit":
        return {"code": 200, "msg": "Operation successful", "success": True, "data": {
            "limits": [
                {"type": "TIME_LIMIT", "unit": 5, "number": 1, "usage": 1000, "currentValue": 12, "remaining": 988,
                 "percentage": 1, "nextResetTime": _ms(timedelta(days=20))},
                {"type": "TOKENS_LIMIT", "unit": 3, "number": 5, "percentage": 33,
                 "nextResetTime": _ms(timedelta(hours=3))},
                {"type": "TOKENS_LIMIT", "unit": 6, "number": 1, "percentage": 8,
                 "nextResetTime": _ms(timedelta(days=4))}],
            "level": "pro", **({"planName": h} if h else {})}}
    if provider == "kimi" and path == "/v1/usages":
        return {"user": {"membership": {"level": h or "LEVEL_INTERMEDIATE"}},
                "usage": {"limit": "100", "used": "12", "remaining": "88", "resetTime": _iso(timedelta(days=5))},
                "limits": [{"window": {"duration": 300, "timeUnit": "TIME_UNIT_MINUTE"},
                            "detail": {"limit": "100", "used": "27", "remaining": "73",
                                       "resetTime": _iso(timedelta(hours=2))}}],
                "parallel": {"limit": "30"}, "totalQuota": {}, "subType": "TYPE_PURCHASE"}
    if provider == "minimax" and path == "/v1/token_plan/remains":
        return {"base_resp": {"status_code": 0, "status_msg": "success"}, "data": {
            "current_subscribe_title": h or "Token Plan Plus",
            "model_remains": [{"model_name": "general", "current_interval_total_count": 0,
                               "current_interval_usage_count": 0, "current_interval_remaining_percent": "56",
                               "start_time": _ms(timedelta(hours=-1)), "end_time": _ms(timedelta(hours=4)),
                               "current_weekly_total_count": 0, "current_weekly_usage_count": 0,
                               "current_weekly_remaining_percent": "90", "weekly_start_time": _ms(timedelta(days=-2)),
                               "weekly_end_time": _ms(timedelta(days=5))}]}}
    if provider == "grok" and path == "/v1/billing":
        return {"config": {
            "currentPeriod": {"type": "USAGE_PERIOD_TYPE_WEEKLY", "start": _iso(timedelta(days=-3)),
                              "end": _iso(timedelta(days=4))},
            "creditUsagePercent": 18.0, "onDemandCap": {"val": 0}, "onDemandUsed": {"val": 0},
            "productUsage": [{"product": h or "GrokBuild", "usagePercent": 15.0}],
            "isUnifiedBillingUser": True, "prepaidBalance": {"val": "1250"}},
            "subscriptionTier": "SUPERGROK"}
    if provider == "grok" and path == "/v1/settings":
        return {"subscription_tier_display": h or "SuperGrok Heavy"}
    if provider == "ollama" and path == "/api/usage":
        return {"activity": {"cost": "0.00000", "period": {"type": "last_4_weeks"}, "models": []},
                "limits": {"session": {"usage": 0.46, "models": [{"name": h or "kimi-k3", "request_count": 18}]},
                           "weekly": {"usage": 0.12, "models": []}}}
    if provider == "ollama" and path == "/api/me":
        return {"Plan": h or "pro", "CreatedAt": _iso(timedelta(days=-40))}
    return None


def good(path: str, hostile: dict[str, Any] | None = None, provider: str = "") -> Any:
    """The healthy answer for one provider path; ``hostile`` puts HOSTILE into its strings."""
    h = HOSTILE if hostile is not None else None
    answer = _by_provider(provider, path, h)
    if answer is not None:
        return answer
    if path == "/api/oauth/usage":
        body: dict[str, Any] = {"five_hour": {"utilization": 37.0, "resets_at": _iso(timedelta(hours=2))},
                                "seven_day": {"utilization": 12.0, "resets_at": _iso(timedelta(days=3))}}
        if h:
            body[f"seven_day_{h}"] = {"utilization": 5.0, "resets_at": _iso(timedelta(days=2))}
        return body
    if path == "/backend-api/wham/usage":
        body = {"plan_type": h or "plus", "rate_limit": {
            "primary_window": {"used_percent": 41, "limit_window_seconds": 18000, "reset_after_seconds": 7200},
            "secondary_window": {"used_percent": 9, "limit_window_seconds": 604800, "reset_after_seconds": 300000}}}
        if h:
            body["additional_rate_limits"] = [{"limit_name": h, "rate_limit": {
                "primary_window": {"used_percent": 3, "limit_window_seconds": 18000, "reset_after_seconds": 60}}}]
        return body
    if path == "/v1internal:loadCodeAssist":
        body = {"currentTier": {"id": "free-tier"}, "cloudaicompanionProject": "proj-1"}
        if h:
            body["paidTier"] = {"name": h}
        return body
    if path == "/v1internal:retrieveUserQuota":
        return {"buckets": [
            {"modelId": h or "gemini-2.5-pro", "remainingFraction": 0.77, "resetTime": _iso(timedelta(hours=9))},
            {"modelId": "gemini-2.5-flash", "remainingFraction": 0.95, "resetTime": _iso(timedelta(hours=9))}]}
    if path == "/api/usage-summary":
        return {"billingCycleStart": _iso(timedelta(days=-10)), "billingCycleEnd": _iso(timedelta(days=20)),
                "membershipType": h or "pro",
                "individualUsage": {"plan": {"used": 1234, "limit": 2000, "totalPercentUsed": 62.0}}}
    if path == "/api/auth/me":
        return {"email": h or "user@example.com", "sub": "user_1"}
    if path == "/api/usage":
        return {}
    if path == "/copilot_internal/user":
        snapshots: dict[str, Any] = {"premium_interactions": {
            "entitlement": 300, "remaining": 255, "percent_remaining": 85, "unlimited": False}}
        if h:
            snapshots[h] = {"entitlement": 50, "remaining": 40, "percent_remaining": 80}
        return {"copilot_plan": h or "individual", "login": h or "octocat",
                "quota_reset_date": _iso(timedelta(days=12)), "quota_snapshots": snapshots}
    if path == "/v1/organizations/cost_report":
        return {"data": [{"results": [{"amount": "1234.6", "currency": "USD"}]}], "has_more": False}
    if path == "/v1/organization/costs":
        return {"data": [{"results": [{"amount": {"value": 4.56, "currency": "usd"}}]}], "has_more": False}
    if path == "/key":
        return {"data": {"label": h or "sk-or-v1-abc...xyz", "limit": 50, "limit_remaining": 38, "usage": 12,
                         "usage_monthly": 7.5, "limit_reset": "monthly"}}
    if path == "/credits":
        return {"data": {"total_credits": 20, "total_usage": 5.5}}
    if path == "/openai/models":
        return {"data": [{"id": "gpt-4o"}]}
    if path == "/openai/usage":
        return {"data": [{"total_tokens": 250000, "total_requests": 120}]}
    if path == "/zen":
        return ("<html><script>_$HY.r[\"billing.get[\\\"wrk_1\\\"]\"]=$R[21]=$R[2]($R[22]={p:0,s:0,f:0});"
                "$R[16]($R[22],$R[81]={customerID:\"cus_x\",balance:1708723204,monthlyLimit:20,"
                "monthlyUsage:379059776});</script></html>")
    if path == "/go":
        return ("<script>$R[27]={rollingUsage:$R[28]={status:\"ok\",resetInSec:18000,usagePercent:12.5},"
                "weeklyUsage:$R[29]={status:\"ok\",resetInSec:212826,usagePercent:34},"
                "monthlyUsage:$R[30]={status:\"ok\",resetInSec:2122287,usagePercent:56.75}}</script>")
    if path == "/user/balance":
        return {"is_available": True, "balance_infos": [
            {"currency": "USD", "total_balance": "8.25", "granted_balance": "1.25", "topped_up_balance": "7.00"},
            {"currency": "CNY", "total_balance": "0.00", "granted_balance": "0.00", "topped_up_balance": "0.00"}]}
    if path == "/api/billing/limits":
        return {"usesTokenRateLimitsBilling": True, "extraUsageBalanceCents": 1250, "overagePreference": None,
                "limits": {"standard": {"fiveHour": {"usedPercent": 63, "windowEnd": _iso(timedelta(hours=2))},
                                        "weekly": {"usedPercent": 21, "secondsRemaining": 300000},
                                        "monthly": {"usedPercent": 48, "windowEnd": _iso(timedelta(days=11))}}}}
    if path == "/exa.language_server_pb.LanguageServerService/GetUserStatus":
        return {"userStatus": {"userTier": {"name": h or "Google AI Pro"}, "cascadeModelConfigData": {
            "clientModelConfigs": [
                {"label": h or "Gemini 3.1 Pro (High)", "modelOrAlias": {"model": "MODEL_PLACEHOLDER_M16"},
                 "quotaInfo": {"remainingFraction": 0.71, "resetTime": _iso(timedelta(hours=3))}},
                {"label": "Claude Sonnet 4.6 (Thinking)", "modelOrAlias": {"model": "MODEL_PLACEHOLDER_M35"},
                 "quotaInfo": {"remainingFraction": 0.9, "resetTime": _iso(timedelta(hours=4))}}]}}}
    if path == "/exa.language_server_pb.LanguageServerService/RetrieveUserQuotaSummary":
        return {"response": {"groups": [{"displayName": "Gemini Models", "buckets": [
            {"bucketId": "gemini-5h", "remaining": {"remainingFraction": 0.71}, "resetTime": _iso(timedelta(hours=3))},
            {"bucketId": "gemini-weekly", "remaining": {"remainingFraction": 0.8},
             "resetTime": _iso(timedelta(days=4))}]}]}}
    if path == "/v2/quotas":
        return {"plan": h or "Standard",
                "rollingFiveHourLimit": {"nextTickAt": _iso(timedelta(minutes=9)), "tickPercent": 0.05,
                                         "remaining": 336, "max": 600, "limited": False},
                "weeklyTokenLimit": {"nextRegenAt": _iso(timedelta(hours=3)), "percentRemaining": 81.5,
                                     "maxCredits": "$24.00", "remainingCredits": "$19.56"},
                "search": {"hourly": {"limit": 250, "requests": 12, "renewsAt": _iso(timedelta(minutes=40))}}}
    return None


_NUMERIC = re.compile(r"-?\d+(\.\d+)?")
_HTML_NUMBER = re.compile(r"\b(balance|monthlyLimit|monthlyUsage|usagePercent|resetInSec):(-?[\d.]+)")
_REPLACEMENT = {"shape_strings": "lots", "shape_nulls": None, "shape_negative": -5,
                "shape_over100": 150, "shape_nan": math.nan}
_HTML_REPLACEMENT = {"shape_strings": '"lots"', "shape_nulls": "null", "shape_negative": "-5",
                     "shape_over100": "150", "shape_nan": "NaN"}


def mutate(answer: Any, fault: str) -> Any:
    """A healthy answer broken the way ``fault`` names: a list instead of the object,
    or every number (numeric strings included) replaced by nonsense."""
    if fault == "shape_list":
        return ["unexpected", 1, None] if not isinstance(answer, str) else "[1, 2, 3]"
    if isinstance(answer, str):  # the OpenCode pages: numbers sit in a script
        return _HTML_NUMBER.sub(lambda m: f"{m.group(1)}:{_HTML_REPLACEMENT[fault]}", answer)
    replacement = _REPLACEMENT[fault]

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        if fault == "shape_nulls" and not isinstance(node, bool):
            return None
        if isinstance(node, bool):
            return node
        if isinstance(node, (int, float)) or (isinstance(node, str) and _NUMERIC.fullmatch(node)):
            return replacement
        return node

    return walk(answer)
