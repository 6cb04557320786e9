"""Per provider instance: credentials, last fetch and its result, 429 backoff, staleness.

Read from the cache record only (see cache.py for its fields): doctor never
fetches unless asked to, and never starts the background refresher.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from llmeter_bar import logs
from llmeter_bar.diagnose.checks import Check, Context, Report
from llmeter_bar.format.time import age, countdown

if TYPE_CHECKING:
    from llmeter_bar.providers.base import CredentialInfo, ProviderSettings

AREA = "providers"
BREAKING = ("auth", "config")  # a fetch that failed like this needs the user; others heal by themselves
LOGIN_HINT = (
    "log in to Claude Code (`claude`), Codex (`codex login`), Gemini CLI or Cursor, or open Antigravity; or run "
    "`llmeter-bar login copilot|openrouter|anthropic-api|openai-api|azure-openai|cursor|opencode|"
    "zai|kimi|minimax|ollama|deepseek|factory|synthetic`; "
    "or set OPENROUTER_API_KEY, ANTHROPIC_ADMIN_KEY, OPENAI_ADMIN_KEY, ZAI_API_KEY, KIMI_CODE_API_KEY, "
    "MINIMAX_CODING_API_KEY, OLLAMA_API_KEY, DEEPSEEK_API_KEY, FACTORY_API_KEY or SYNTHETIC_API_KEY; "
    "or log in to the Kimi or Grok CLI"
)
KIND_HINTS = {
    "network": "check the network, a proxy, or the provider's base_url; it is retried every interval",
    "parse": "the provider's answer was not understood; details in the log file",
    "unavailable": "the endpoint says this is not available for the account",
    "rate_limit": "nothing to do: every process waits for the not-before time, `refresh` included",
}


def _iso(epoch: float | None) -> str | None:
    if not epoch:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat().replace("+00:00", "Z")


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%H:%M:%S")


def where(found: CredentialInfo) -> str:
    """A credential source for humans; never the secret itself."""
    source = found.source
    if source.startswith("env:"):
        text = f"environment variable {source[4:]}"
    elif source == "config":
        text = "the config file"
    elif source == "store":
        from llmeter_bar.store import credstore

        text = f"llmeter-bar's credential store ({credstore.path()})"
    else:
        text = source
    return f"{text} ({found.detail})" if found.detail else text


def select(ctx: Context) -> list[Check]:
    from llmeter_bar.fetch import engine

    ctx.instances = engine.select(ctx.config, None, None)
    how = "listed in general.providers" if ctx.config.providers is not None else "detected"
    if ctx.instances:
        keys = ", ".join(s.key for s in ctx.instances)
        return [Check(AREA, "enabled", "ok", f"{len(ctx.instances)} enabled ({how}): {keys}")]
    if ctx.config.providers is not None:
        return [Check(AREA, "enabled", "error", "general.providers lists no provider that can be shown",
                      "list at least one provider, or remove the key to auto-detect")]
    return [Check(AREA, "enabled", "error", "no provider credentials found", LOGIN_HINT)]


def fetch(ctx: Context) -> list[Check]:
    from llmeter_bar.fetch import engine

    if ctx.store is None:
        return [Check(AREA, "fetch", "error", "--fetch needs a usable cache directory (see above)")]
    report = engine.refresh_now(ctx.store, ctx.instances, on_demand=True)
    outcomes = "; ".join(f"{key}: {logs.redact(outcome)}" for key, outcome in report.items())
    return [Check(AREA, "fetch", "ok", f"fetched now: {outcomes or 'nothing to fetch'}")]


def _credentials(settings: ProviderSettings, entry: dict[str, Any]) -> tuple[CredentialInfo | None, Check | None]:
    from llmeter_bar import providers as registry

    key = settings.key
    try:
        provider = registry.load(settings.id, settings.options)
    except KeyError:
        entry["credentials"]["detail"] = "unknown provider"
        return None, Check(AREA, key, "error", f"unknown provider '{settings.id}'",
                           "check general.providers; `llmeter-bar providers` lists the known ones")
    try:
        found = provider.credentials(settings)
    except Exception as exc:
        logs.exception("%s: credential lookup failed", key)
        entry["credentials"].update(found=True, usable=False, detail=logs.redact(str(exc)))
        return None, Check(AREA, key, "error", f"credentials unreadable: {logs.redact(str(exc))}")
    if found is not None:
        entry["credentials"].update(found=True, usable=found.usable, source=found.source, detail=found.detail)
    return found, None


def check(ctx: Context, settings: ProviderSettings, report: Report) -> list[Check]:
    from llmeter_bar import providers as registry
    from llmeter_bar.store import state

    key = settings.key
    now = ctx.now.timestamp()
    record = (ctx.store.read(key) if ctx.store is not None else None) or {}
    entry: dict[str, Any] = {
        "key": key, "id": settings.id, "instance": settings.instance,
        "name": registry.display_name(settings.id, settings.options),
        "credentials": {"found": False, "usable": False, "source": None, "detail": ""},
        "status": None, "last_attempt_at": _iso(record.get("attempt_at")), "last_success_at": None,
        "age_seconds": None, "last_result": None, "error": None,
        "backoff": {"active": False, "not_before": None, "strikes": int(record.get("strikes") or 0)},
        "next_fetch_at": _iso(record.get("next_at")), "stale": False, "unknown_fields": {},
    }
    report.providers.append(entry)
    checks: list[Check] = []
    found, problem = _credentials(settings, entry)
    shown = state.view(settings, record, ctx.now)
    entry["status"] = shown.status
    entry["stale"] = shown.status == "stale"
    if shown.fetched_at is not None:
        entry["last_success_at"] = _iso(shown.fetched_at.timestamp())
        entry["age_seconds"] = round(shown.age_seconds(ctx.now) or 0.0, 1)
    error = record.get("error") if isinstance(record.get("error"), dict) else None
    if record.get("attempt_at"):
        entry["last_result"] = "error" if error else "ok"
    entry["error"] = error
    if problem is not None:
        checks.append(problem)
    elif found is None:
        if shown.status in ("ok", "stale") and shown.source != "api":
            checks.append(Check(AREA, key, "warn", f"no credentials; figures come from {shown.source}",
                                "fine as long as that source keeps feeding the cache"))
        else:
            message = error.get("message") if error and record.get("unconfigured") else ""
            checks.append(Check(AREA, key, "error", f"no credentials found{': ' + message if message else ''}",
                                LOGIN_HINT))
    elif not found.usable:
        place = "" if found.source in found.detail else f" at {found.source}"
        checks.append(Check(AREA, key, "error", f"credentials{place} cannot be used: {found.detail}",
                            "fix or renew that login; llmeter-bar never rewrites another tool's files"))
    else:
        checks.append(Check(AREA, key, "ok", f"credentials: {where(found)}"))
    if ctx.store is None:
        checks.append(Check(AREA, key, "warn", "last fetch unknown: the cache cannot be opened (see Cache above)"))
    else:
        checks += _last_fetch(key, record, error, shown, now, found is not None)
    checks += _backoff(key, record, now, entry)
    checks += _drift(key, entry, record, shown)
    silent = _silent(key, shown, error, ctx.now)
    if silent is not None:
        checks.append(silent)
    elif shown.status == "stale" and not error:
        stale_after = float(record.get("stale_after") or 3 * settings.interval)
        checks.append(Check(AREA, key, "warn", f"figures are stale: {age(entry['age_seconds'])} old "
                            f"(stale after {countdown(stale_after)})",
                            "fetches are overdue: run `llmeter-bar refresh` and check the log file"))
    return checks


SILENT_INTERVALS = 3


def _silent(key: str, shown: Any, error: dict | None, now: datetime) -> Check | None:
    """A meter that stopped succeeding is worse than none: say so once its last
    success is older than three fetch intervals, with the last failure's cause."""
    interval = shown.interval
    since = shown.age_seconds(now)
    if not interval or since is None or since <= SILENT_INTERVALS * interval:
        return None
    message = (f"silent: no successful fetch for {age(since)} "
               f"(more than {SILENT_INTERVALS} intervals of {countdown(interval)})")
    if error:
        kind = str(error.get("kind") or "unavailable")
        message += f"; last failure ({kind}): {error.get('message') or kind}"
        if kind in BREAKING:
            hint = f"{'renew the login' if kind == 'auth' else 'fix the config'}, then `llmeter-bar refresh`"
        else:
            hint = KIND_HINTS.get(kind, "")
    elif shown.source != "api":
        message += f"; no failure recorded: the figures come from {shown.source}"
        hint = "they update while that source runs; `llmeter-bar refresh` fetches from the API now"
    else:
        message += "; no failure recorded: nothing has fetched since"
        hint = "fetches are overdue: is a bar, watcher or timer running llmeter-bar? `llmeter-bar refresh` fetches now"
    return Check(AREA, key, "warn", message, hint)


def _last_fetch(key: str, record: dict, error: dict | None, shown: Any, now: float, has_creds: bool) -> list[Check]:
    attempt = float(record.get("attempt_at") or 0)
    if not attempt:
        if not has_creds:
            return []
        return [Check(AREA, key, "warn", "not fetched yet",
                      "the next bar render starts a background fetch; `llmeter-bar refresh` fetches now")]
    ago = age(max(0.0, now - attempt))
    if not error:
        plan = f", plan {shown.plan}" if shown.plan else ""
        return [Check(AREA, key, "ok", f"last fetch {ago} ago: ok (source {shown.source}{plan})")]
    if record.get("unconfigured"):
        return []  # already said by the credentials line
    kind = str(error.get("kind") or "unavailable")
    message = str(error.get("message") or "")
    status = "error" if kind in BREAKING else "warn"
    kept = ""
    if shown.fetched_at is not None:
        kept = f"; showing figures from {age(shown.age_seconds(datetime.fromtimestamp(now, timezone.utc)))} ago"
    if kind == "unavailable" and error.get("label") == "tier":
        hint = _shutdown_hint()
    elif kind == "rate_limit":
        hint = ""  # the backoff line says when
    elif kind in BREAKING:
        hint = f"{'renew the login' if kind == 'auth' else 'fix the config'}, then `llmeter-bar refresh`"
    else:
        hint = KIND_HINTS.get(kind, "")
    return [Check(AREA, key, status, f"last fetch {ago} ago failed ({kind}): {message}{kept}", hint)]


def _backoff(key: str, record: dict, now: float, entry: dict) -> list[Check]:
    not_before = float(record.get("not_before") or 0)
    if not_before <= now:
        return []
    entry["backoff"].update(active=True, not_before=_iso(not_before))
    strikes = int(record.get("strikes") or 0)
    return [Check(AREA, key, "warn", f"rate limited (HTTP 429): no fetch before {_clock(not_before)} "
                  f"(in {countdown(not_before - now)}, {_iso(not_before)}), {strikes} strike{'s' * (strikes != 1)}",
                  KIND_HINTS["rate_limit"])]


def _drift(key: str, entry: dict, record: dict, shown: Any) -> list[Check]:
    """Reply keys the parser did not understand: an upstream change on its way."""
    names = list(shown.unknown_fields) if shown.status in ("ok", "stale") else []
    if not names:
        return []
    since = record.get("unknown_since") if isinstance(record.get("unknown_since"), dict) else {}
    first = {name: float(since.get(name) or 0) or None for name in names}
    entry["unknown_fields"] = {name: _iso(first[name]) for name in names}
    dates = [when for when in first.values() if when]
    date = datetime.fromtimestamp(min(dates), timezone.utc).strftime("%Y-%m-%d") if dates else "the last fetch"
    shown_names = ", ".join(names[:12]) + (f" (+{len(names) - 12} more)" if len(names) > 12 else "")
    return [Check(AREA, key, "warn", f"new fields seen from {shown.name} since {date}: {shown_names}",
                  "the figures shown may miss something new; `llmeter-bar report "
                  f"{key.split(':')[0]}` writes a redacted reply to attach to a bug report")]


def _shutdown_hint() -> str:
    """Gemini CLI sign-in ended for consumer plans (June 2026): say where to go instead."""
    from llmeter_bar import providers as registry

    if "antigravity" in registry.REGISTRY:
        return ("Google ended Gemini CLI sign-in for individual, AI Pro and Ultra accounts in June 2026: add "
                "\"antigravity\" to general.providers (it reads the running Antigravity app) and drop \"gemini\"")
    return ("Google ended Gemini CLI sign-in for individual, AI Pro and Ultra accounts in June 2026: these plans "
            "are served through Antigravity; Workspace and Code Assist Standard/Enterprise logins still work")
