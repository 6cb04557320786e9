"""Where the dashboard's figures come from: the bars' cache, read the bars' way.

``Source.snapshot`` reads one record per instance through ``engine.collect``
(so a due provider is handed to the one detached refresher, exactly as a bar
render would), shapes each into a card, and adds what the details view needs:
the record's fetch log and 429 wait, the history, and for anything not ok,
doctor's one-line cause and fix. ``identity`` is the cheap question the
dashboard asks once a second: has the generation counter (bumped by every
record write) or the config file changed since the last snapshot?
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from llmeter_bar import logs
from llmeter_bar.dashboard import cards

if TYPE_CHECKING:
    from llmeter_bar.config import Config
    from llmeter_bar.providers.base import ProviderSettings
    from llmeter_bar.store.cache import Store
    from llmeter_bar.store.history import History

NO_PROVIDERS = "no provider credentials found"
MIN_RELOAD, MAX_RELOAD = 5.0, 300.0  # seconds between reads when nothing announces a change


@dataclass(slots=True)
class Entry:
    """One provider instance: its card and what the details view adds."""

    card: cards.Card
    settings: ProviderSettings | None = None
    record: dict[str, Any] = field(default_factory=dict)
    history: History | None = None

    @property
    def key(self) -> str:
        return self.card.key

    @property
    def fetches(self) -> list[tuple[float, str, str]]:
        """The last fetches, newest first: (epoch, "ok" or the error kind, message)."""
        raw = self.record.get("fetches")
        out = [(float(f[0]), str(f[1]), str(f[2])) for f in raw if isinstance(f, list) and len(f) == 3] \
            if isinstance(raw, list) else []
        return out[::-1]

    def wait_left(self, now: float) -> float:
        """Seconds of 429 wait left (no fetch before then, on demand included)."""
        return max(0.0, float(self.record.get("not_before") or 0) - now)


@dataclass(slots=True)
class Snapshot:
    entries: list[Entry]
    now: datetime
    problem: str = ""  # the config, the cache or the setup, when it keeps every card away
    hint: str = ""
    reload_in: float = MAX_RELOAD  # read again after this even when nothing announces a change


class Source:
    def __init__(self, providers: list[str] | None = None, *, demo: bool = False,
                 clock: Callable[[], datetime] | None = None, tz: tzinfo | None = None,
                 show_account: bool = False) -> None:
        from llmeter_bar.models import utcnow

        self.providers = list(providers or [])
        self.demo = demo
        self.clock = clock or utcnow
        self.tz = tz
        self.show_account = show_account
        self.store: Store | None = None
        self.config: Config | None = None
        self.config_problem = ""

    # -- opening ------------------------------------------------------------
    def _load_config(self) -> Config:
        from llmeter_bar.config import Config, load
        from llmeter_bar.errors import ConfigError

        try:
            self.config_problem = ""
            return load()
        except ConfigError as exc:
            self.config_problem = f"config: {exc}"
            return Config()

    def _open_store(self) -> Store | None:
        if self.demo:
            return None
        if self.store is None:
            from llmeter_bar.store.cache import CacheUnavailable, Store

            try:
                self.store = Store()
            except CacheUnavailable as exc:
                logs.warning("%s", exc)
        return self.store

    def open(self) -> None:
        self._open_store()

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def identity(self) -> tuple[object, ...]:
        """What a new snapshot depends on besides the clock."""
        from llmeter_bar import paths
        from llmeter_bar.store import fastpath

        if self.demo:
            return ("demo",)
        generation = fastpath.generation(self.store) if self.store is not None else None
        try:
            st = os.stat(paths.config_file())
            config: object = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            config = None
        return generation, config

    def instances(self) -> list[ProviderSettings]:
        from llmeter_bar.fetch import engine

        if self.config is None:
            self.config = self._load_config()
        return engine.select(self.config, self._open_store(), self.providers)

    # -- reading ------------------------------------------------------------
    def snapshot(self, *, trigger: bool = True) -> Snapshot:
        """Every card as the cache has it now; due providers go to the background refresher."""
        from llmeter_bar.format import options
        from llmeter_bar.render.base import RenderContext

        now = self.clock()
        self.config = self._load_config()
        config = self.config
        try:
            opts = options.load(config.data, "plain")
        except Exception:  # a broken [format]: the bars say !cfg, the dashboard keeps its defaults
            opts = options.load({}, "plain")
        ctx = RenderContext(now=now, config=config, show_account=self.show_account or
                            bool(config.general.get("show_account")), extra={"tz": self.tz})
        if self.demo:
            from llmeter_bar.dashboard import demo

            found = demo.entries(self.providers, now)
            _annotate([r for r, _, _ in found], ctx, {r.key: h for r, _, h in found}, None)
            entries = [Entry(cards.build(r, ctx, opts, h), None, rec, h) for r, rec, h in found]
            return Snapshot(entries, now, reload_in=MAX_RELOAD)
        store = self._open_store()
        if store is None:
            return Snapshot([], now, "the cache directory cannot be used",
                            "set LLMETER_BAR_CACHE_DIR to a writable directory; `llmeter-bar doctor` says more")
        return self._from_cache(store, config, ctx, opts, trigger)

    def _from_cache(self, store: Store, config: Config, ctx: Any, opts: Any, trigger: bool) -> Snapshot:
        from llmeter_bar.fetch import engine
        from llmeter_bar.store import history

        instances = engine.select(config, store, self.providers)
        if not instances:
            from llmeter_bar.diagnose.providers import LOGIN_HINT

            return Snapshot([], ctx.now, self.config_problem or NO_PROVIDERS, LOGIN_HINT, reload_in=MIN_RELOAD)
        horizon: list[float] = []
        results = engine.collect(config, store, instances, trigger=trigger, horizon=horizon)
        histories: dict[str, Any] = {}
        for settings in instances:
            try:
                histories[settings.key] = history.load(store, settings.key)
            except Exception:
                logs.exception("%s: history unreadable", settings.key)
        try:
            from llmeter_bar.store import cycles

            finished = cycles.load_many(store, [s.key for s in instances])
        except Exception:
            finished = None
        _annotate(results, ctx, histories, finished)
        entries: list[Entry] = []
        for settings, result in zip(instances, results):
            record = store.read(settings.key) or {}
            hist = histories.get(settings.key)
            card = cards.build(result, ctx, opts, hist)
            if card.status != "ok":
                card.cause, card.fix = self._diagnose(config, store, settings, ctx.now)
            entries.append(Entry(card, settings, record, hist))
        reload_in = min(horizon, default=MAX_RELOAD)
        return Snapshot(entries, ctx.now, self.config_problem, "fix the config file; `llmeter-bar doctor` says where"
                        if self.config_problem else "", max(MIN_RELOAD, min(MAX_RELOAD, reload_in)))

    @staticmethod
    def _diagnose(config: Config, store: Store, settings: ProviderSettings, now: datetime) -> tuple[str, str]:
        """Doctor's most serious line about this instance: (cause, fix)."""
        from llmeter_bar import diagnose
        from llmeter_bar.diagnose import providers

        ctx = diagnose.Context(config=config, now=now, store=store)
        checks = diagnose.guarded("providers", settings.key,
                                  lambda: providers.check(ctx, settings, diagnose.Report()))
        for status in ("error", "warn"):
            for check in checks:
                if check.status == status:
                    return check.message, check.hint
        return "", ""


def _annotate(results: list[Any], ctx: Any, histories: dict[str, Any], finished: dict[str, Any] | None) -> None:
    """Projections from each window's history, and the finished cycles, as the bars' long views have them."""
    try:
        from llmeter_bar.insight.annotate import annotate

        ctx.history = histories
        annotate(results, ctx.now, histories, finished)
    except Exception:
        logs.exception("projections not computed")
