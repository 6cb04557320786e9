"""Shared pieces of the API-spend providers: the billing month, budgets, keys.

Spend providers report money for the current calendar month in UTC; the period
"resets" at 00:00 UTC on the 1st, which is what bars show as the reset time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from llmeter_bar import logs
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.models import Cost
from llmeter_bar.providers._parse import to_float
from llmeter_bar.providers.base import CredentialInfo, ProviderSettings


def month_start(now: datetime) -> datetime:
    now = now.astimezone(timezone.utc)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: datetime) -> datetime:
    start = month_start(now)
    # Day 28 + 4 days always lands in the next month, whatever this month's length.
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """First instant of this UTC month and first instant of the next one."""
    return month_start(now), next_month_start(now)


def iso_z(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def budget(settings: ProviderSettings) -> float | None:
    """The ``budget`` option (a positive number), or None; anything else is a config error."""
    value = settings.option("budget")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise FetchError("config", f"provider.{settings.id}.budget must be a positive number, got {value!r}")
    return float(value)


def monthly_cost(settings: ProviderSettings, used: float, now: datetime, currency: str = "USD") -> Cost:
    if used < 0:
        # A month's spend below zero means the figures changed meaning; "-$5.00" would mislead.
        raise FetchError("parse", f"negative spend for the month ({used:g}): the format changed")
    return Cost(
        used=used,
        limit=budget(settings),
        currency=currency,
        period="month",
        resets_at=next_month_start(now),
    )


def amount(value: Any, field: str) -> float:
    """A finite money figure; a missing or unreadable one is a parse error, never 0."""
    number = to_float(value) if not isinstance(value, str) or _plain_number(value) else None
    if number is None:
        raise FetchError("parse", f"{field} is not a number ({type(value).__name__})")
    return number


_IMPLAUSIBLE = Decimal("1e13")


def decimal_amount(value: Any, field: str) -> Decimal:
    """Exact decimal of a number or decimal string (cents with fractions stay exact)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FetchError("parse", f"{field} is not a number ({type(value).__name__})")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise FetchError("parse", f"{field} is not a decimal number") from None
    # Decimal has no overflow: "1e309" is finite to it but no bill is that large.
    if not number.is_finite() or abs(number) > _IMPLAUSIBLE:
        raise FetchError("parse", f"{field} is not a plausible finite number")
    return number


def _plain_number(text: str) -> bool:
    try:
        Decimal(text.strip())
    except InvalidOperation:
        return False
    return True


def find_secret(
    settings: ProviderSettings,
    env: tuple[str, ...],
    store_ids: tuple[str, ...],
    options: tuple[str, ...] = ("api_key", "key"),
    field: str = "api_key",
) -> tuple[str, str] | None:
    """(secret, source) by precedence env > config option > credential store; no I/O but files."""
    for name in env:
        value = os.environ.get(name, "").strip()
        if value:
            logs.register_secret(value)
            return value, f"env:{name}"
    for name in options:
        value = settings.option(name)
        if isinstance(value, str) and value.strip():
            logs.register_secret(value.strip())
            return value.strip(), "config"
    from llmeter_bar.store import credstore

    for store_id in store_ids:
        try:
            entry = credstore.get(store_id, settings.instance)
        except credstore.CredentialStoreError as exc:
            raise FetchError("config", str(exc)) from None
        value = entry.get(field) if entry else None
        if isinstance(value, str) and value.strip():
            return value.strip(), "store"
    return None


def credential_info(find: Any) -> CredentialInfo | None:
    """Where ``find()`` got the secret; a broken store is reported as a detail, not raised."""
    try:
        found = find()
    except FetchError as exc:
        return CredentialInfo(source="store", detail=exc.message, usable=False)
    return CredentialInfo(source=found[1]) if found else None


def require_secret(found: tuple[str, str] | None, what: str, env: str, login_id: str) -> str:
    if found is None:
        raise NotConfigured(f"no {what}: set {env} or run `llmeter-bar login {login_id}`")
    return found[0]


MAX_PAGES = 40  # a month of daily buckets is 1-2 pages; more means a looping cursor


async def fetch_pages(
    session: Any,
    url: str,
    settings: ProviderSettings,
    *,
    headers: dict[str, str],
    params: dict[str, str],
    auth_hint: str,
) -> list[Any]:
    """Every page of a ``has_more``/``next_page`` cursor listing, in order."""
    from llmeter_bar.providers.http import request_json

    pages: list[Any] = []
    seen: set[str] = set()
    query = dict(params)
    while True:
        page = await request_json(
            session, "GET", url, timeout=settings.timeout, auth_hint=auth_hint, headers=headers, params=query
        )
        pages.append(page)
        if not isinstance(page, dict) or page.get("has_more") is not True:
            return pages
        cursor = page.get("next_page")
        if not isinstance(cursor, str) or not cursor or cursor in seen:
            raise FetchError("parse", "has_more is set but next_page is missing or repeated")
        if len(pages) >= MAX_PAGES:
            raise FetchError("parse", f"more than {MAX_PAGES} pages of costs; stopping")
        seen.add(cursor)
        query = {**params, "page": cursor}


def sum_pages(payload: Any, page_total: Callable[[Any], Decimal], what: str) -> Decimal:
    """The month's total over one page or the list of every page of a listing."""
    pages = payload if isinstance(payload, list) else [payload]
    if not pages:
        raise FetchError("parse", f"no {what} pages")
    return sum((page_total(page) for page in pages), Decimal(0))


def bucket_results(data: list[Any], what: str) -> Iterator[Any]:
    """The result entries of a cost listing's daily buckets, each bucket checked."""
    for bucket in data:
        results = bucket.get("results") if isinstance(bucket, dict) else None
        if not isinstance(results, list):
            raise FetchError("parse", f"{what} bucket without a results list")
        yield from results


def cookie_value(raw: str, names: tuple[str, ...]) -> tuple[str, str] | None:
    """(name, value) of the first wanted cookie in a pasted ``Cookie`` header.

    Accepts ``Cookie: a=1; auth=2``, ``a=1; auth=2`` or, when exactly one name is
    wanted, a bare value. Everything else the browser sent is dropped.
    """
    text = raw.strip()
    if text.lower().startswith("cookie:"):
        text = text[len("cookie:"):].strip()
    pairs = {}
    for part in text.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name.strip():
            pairs.setdefault(name.strip(), value.strip())
    for name in names:
        if pairs.get(name):
            return name, pairs[name]
    # A bare value has no "name=" prefix of its own (sealed cookies hold "*", not ";").
    if len(names) == 1 and text and ";" not in text and not re.match(r"[A-Za-z0-9_-]+=", text):
        return names[0], text
    return None


@contextmanager
def scrubbed(*secrets: str) -> Iterator[None]:
    """Redact secrets from a FetchError raised inside (upstream bodies may echo keys)."""
    for secret in secrets:
        logs.register_secret(secret)
    try:
        yield
    except FetchError as exc:
        exc.message = logs.redact(exc.message)
        exc.args = (exc.message,)
        raise
