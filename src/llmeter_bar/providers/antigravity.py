"""Google Antigravity: model quota from the running Antigravity language server.

There is no key to store: the local server started by the Antigravity app is
the credential (see antigravity_proc.py). Two Connect-RPC calls on 127.0.0.1,
with the server's self-signed certificate accepted for 127.0.0.1 only:

* ``GetUserStatus`` (required): the plan (``userTier.name``, else
  ``planStatus.planInfo.planName``) and per-model ``quotaInfo{remainingFraction,
  resetTime}``. Models are grouped into the two pools Antigravity meters
  (Gemini; Claude and GPT), the lowest fraction of a pool wins; these are 5-hour
  windows. A ``quotaInfo`` with a reset but no fraction is exhausted (proto3
  leaves 0 out);
* ``RetrieveUserQuotaSummary`` (best effort, newer servers): per pool the
  ``*-5h`` and ``*-weekly`` buckets with ``remainingFraction`` (remaining, 0-1)
  and ``resetTime``; when it answers, its windows replace the per-model ones.
"""

from __future__ import annotations

import ssl
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from llmeter_bar import logs
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.models import ProviderResult, Window, utcnow
from llmeter_bar.providers import _money, antigravity_proc
from llmeter_bar.providers._drift import unknown_keys
from llmeter_bar.providers._parse import parse_time, to_float
from llmeter_bar.providers.base import CredentialInfo, Provider, ProviderSettings

if TYPE_CHECKING:
    import aiohttp

SERVICE = "/exa.language_server_pb.LanguageServerService/"
BODY = {"metadata": {"ideName": "antigravity", "extensionName": "antigravity", "ideVersion": "unknown",
                     "locale": "en"}}
NOT_RUNNING = "Antigravity is not running: open Antigravity (or start `agy`) and its quota shows here"
AUTH_HINT = "the Antigravity language server refused its token; open Antigravity again (restarting it renews the token)"
POOLS = {"gemini": ("gemini", "Gemini"), "3p": ("3p", "Claude/GPT")}
# What is read of GetUserStatus; the rest of userStatus (email, credits inherited
# from Windsurf, feature flags) is opaque on purpose.
SHAPE = {"userStatus": {"*": None, "cascadeModelConfigData": {"*": None, "clientModelConfigs": {"[]": {
    "*": None, "quotaInfo": {"remainingFraction": None, "resetTime": None}}}}}}
SPANS = {"5h": ("5h", 5 * 3600), "weekly": ("7d", 7 * 86400)}


def _pool_of_label(label: str) -> str:
    return "gemini" if "gemini" in label.lower() else "3p"


def _fraction(value: Any, where: str) -> float:
    number = to_float(value)
    if number is None:
        raise FetchError("parse", f"antigravity {where} remainingFraction is not a number")
    return min(1.0, max(0.0, number))


def _window(pool: str, span: str, fraction: float, reset: Any) -> Window:
    pid, title = POOLS[pool]
    label, seconds = SPANS[span]
    return Window(f"{pid}_{span}", f"{title} {label}", (1.0 - fraction) * 100.0, parse_time(reset), seconds)


def status_windows(payload: Any) -> tuple[list[Window], str | None]:
    status = payload.get("userStatus") if isinstance(payload, dict) else None
    if not isinstance(status, dict):
        raise FetchError("parse", "antigravity GetUserStatus answer has no userStatus")
    tier = status.get("userTier") if isinstance(status.get("userTier"), dict) else {}
    info = ((status.get("planStatus") or {}).get("planInfo") or {}) if isinstance(status.get("planStatus"), dict) else {}
    plan = next((p for p in (tier.get("name"), info.get("planName"), info.get("planDisplayName"))
                 if isinstance(p, str) and p.strip()), None)
    configs = ((status.get("cascadeModelConfigData") or {}).get("clientModelConfigs")
               if isinstance(status.get("cascadeModelConfigData"), dict) else None)
    lowest: dict[str, tuple[float, Any]] = {}
    for config in configs if isinstance(configs, list) else []:
        quota = config.get("quotaInfo") if isinstance(config, dict) else None
        if not isinstance(quota, dict) or not isinstance(config.get("label"), str):
            continue
        if "remainingFraction" in quota:
            fraction = _fraction(quota["remainingFraction"], config["label"])
        elif quota.get("resetTime"):
            fraction = 0.0  # proto3 leaves out a zero: a reset time alone means exhausted
        else:
            continue
        pool = _pool_of_label(config["label"])
        if pool not in lowest or fraction < lowest[pool][0]:
            lowest[pool] = (fraction, quota.get("resetTime"))
    windows = [_window(pool, "5h", *lowest[pool]) for pool in POOLS if pool in lowest]
    return windows, plan.strip() if plan else None


def summary_windows(payload: Any) -> list[Window]:
    body = payload.get("response", payload) if isinstance(payload, dict) else None
    groups = body.get("groups") if isinstance(body, dict) else None
    if not isinstance(groups, list):
        raise FetchError("parse", "antigravity quota summary has no groups")
    found: dict[str, Window] = {}
    for group in groups:
        for bucket in (group.get("buckets") if isinstance(group, dict) else None) or []:
            if not isinstance(bucket, dict) or bucket.get("disabled") is True:
                continue
            bucket_id = str(bucket.get("bucketId") or "")
            pool, _, span = bucket_id.partition("-")
            if pool not in POOLS or span not in SPANS:
                continue
            remaining = bucket.get("remaining", bucket)
            if isinstance(remaining, dict) and remaining.get("case") == "remainingFraction":
                remaining = {"remainingFraction": remaining.get("value")}
            if not isinstance(remaining, dict) or remaining.get("remainingFraction") is None:
                continue  # unknown, not 100 % and not 0 %
            found[bucket_id] = _window(pool, span, _fraction(remaining["remainingFraction"], bucket_id),
                                       bucket.get("resetTime"))
    return [found[k] for k in ("gemini-5h", "gemini-weekly", "3p-5h", "3p-weekly") if k in found]


def loopback_context() -> ssl.SSLContext:
    """Accepts the language server's self-signed certificate; used for 127.0.0.1 only."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Antigravity(Provider):
    id: ClassVar[str] = "antigravity"
    name: ClassVar[str] = "Antigravity"
    kind: ClassVar[str] = "subscription"
    default_base_url: ClassVar[str] = ""  # the local server's address, found at run time

    def credentials(self, settings: ProviderSettings) -> CredentialInfo | None:
        server = antigravity_proc.find()
        if server is None:
            return None
        return CredentialInfo(source=f"Antigravity language server (pid {server.pid})",
                              detail=f"{len(server.ports)} loopback port(s)")

    def _bases(self, settings: ProviderSettings, server: antigravity_proc.Server) -> list[tuple[str, Any]]:
        if settings.base_url:
            return [(settings.base_url.rstrip("/"), None)]
        bases: list[tuple[str, Any]] = [(f"https://127.0.0.1:{p}", loopback_context()) for p in server.ports[:6]]
        if server.extension_port:
            bases.append((f"http://127.0.0.1:{server.extension_port}", None))
        return bases

    async def fetch(
        self, session: aiohttp.ClientSession, settings: ProviderSettings, now: datetime | None = None
    ) -> ProviderResult:
        from llmeter_bar.providers.http import request_json

        server = antigravity_proc.find()
        if server is None or not server.token:
            raise NotConfigured(NOT_RUNNING)
        headers = {"Content-Type": "application/json", "Connect-Protocol-Version": "1",
                   "X-Codeium-Csrf-Token": server.token, "User-Agent": self.user_agent(settings)}

        async def call(base: str, tls: Any, method: str, timeout: float) -> Any:
            extra = {"ssl": tls} if tls is not None and urlsplit(base).hostname == "127.0.0.1" else {}
            return await request_json(session, "POST", base + SERVICE + method, timeout=timeout,
                                      auth_hint=AUTH_HINT, headers=headers, json=BODY, **extra)

        bases = self._bases(settings, server)
        if not bases:
            raise FetchError("network", "the Antigravity language server listens on no loopback port yet")
        with _money.scrubbed(server.token):
            status = None
            for index, (base, tls) in enumerate(bases):
                try:
                    # Probing several ports: a port that speaks something else fails fast.
                    status = await call(base, tls, "GetUserStatus",
                                        settings.timeout if len(bases) == 1 else min(settings.timeout, 3.0))
                    break
                except FetchError as exc:
                    if exc.kind != "network" or index == len(bases) - 1:
                        raise
                    logs.debug("antigravity: no language server answer at port %s", urlsplit(base).port)
            try:
                summary = await call(base, tls, "RetrieveUserQuotaSummary", settings.timeout)
            except FetchError as exc:
                logs.debug("antigravity quota summary unavailable: %s", exc.message)
                summary = None
        return self.parse({"status": status, "summary": summary}, settings, now)

    def parse(self, payload: Any, settings: ProviderSettings, now: datetime | None = None) -> ProviderResult:
        """``payload``: ``{"status": <GetUserStatus answer>, "summary": <quota summary or None>}``."""
        now = now or utcnow()
        if not isinstance(payload, dict):
            raise FetchError("parse", "antigravity payload is not an object")
        windows, plan = status_windows(payload.get("status"))
        if payload.get("summary") is not None:
            try:
                windows = summary_windows(payload["summary"]) or windows
            except FetchError as exc:
                logs.debug("antigravity quota summary not understood: %s", exc.message)
        if not windows:
            raise FetchError("unavailable", "Antigravity reports no model quota for this account (signed out, "
                                            "or a plan without quota); sign in inside Antigravity", label="none")
        return self.result(settings, windows=windows, plan=plan, source="api", fetched_at=now,
                           unknown_fields=unknown_keys(payload.get("status"), SHAPE))
