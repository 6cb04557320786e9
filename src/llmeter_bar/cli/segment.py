"""The render step shared by one-shot renders (show.py) and watchers (live/watch.py):
read the config, gather the cached results, render one segment and file it in the
output cache. Whatever goes wrong (broken config, unusable cache dir, a renderer
bug), it returns a segment; the details go to the log.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from llmeter_bar import logs
from llmeter_bar.store import fastpath

if TYPE_CHECKING:
    from llmeter_bar.store.cache import Store
    from llmeter_bar.config import Config
    from llmeter_bar.models import ProviderResult
    from llmeter_bar.render.base import Rendered, Renderer

STDIN_TIMEOUT = 0.3  # some Claude Code versions never close the status line's stdin
# Claude Code's payload is a few KB. An endless or trickling writer (cat /dev/zero,
# one byte every 0.25 s) gets this much and this long in all, then the cache renders.
STDIN_MAX = 1024 * 1024
STDIN_DEADLINE = 1.0
NO_PROVIDERS = (
    "no provider credentials found: log in to Claude Code, Codex, Copilot, Gemini CLI or Cursor, "
    "or add API keys (`llmeter-bar doctor` says what is missing)"
)


@dataclass(slots=True)
class ShowOptions:
    format: str = "plain"
    providers: list[str] = field(default_factory=list)
    wait: bool = False
    demo: bool = False
    no_color: bool = False
    long: bool = False
    debug: bool = False
    show_account: bool = False
    config_path: Path | None = None
    watch: bool = False  # persistent: a new line on every change (watch.py)


def _read_stdin(stream: IO[str], timeout: float = STDIN_TIMEOUT) -> dict[str, Any] | None:
    import json
    import select

    try:
        fd = stream.fileno()
        if os.isatty(fd):
            return None
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + STDIN_DEADLINE
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], min(timeout, left)) if left > 0 else ([], [], [])
            if not ready:
                if time.monotonic() >= deadline:
                    return None  # still being written: a cut payload is no payload
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > STDIN_MAX:
                return None
            chunks.append(chunk)
        payload = json.loads(b"".join(chunks).removeprefix(b"\xef\xbb\xbf") or b"null")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None  # deeply nested JSON raises RecursionError: as unusable as bad JSON
    return payload if isinstance(payload, dict) else None


def _parse_payload(raw: bytes) -> dict[str, Any] | None:
    import json

    try:
        payload = json.loads(raw or b"null")
    except (ValueError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def gather(
    opts: ShowOptions, config: Config, stdin_payload: dict[str, Any] | None, store: Store | None,
    horizon: list[float], content: list[float] | None = None,
) -> list[ProviderResult]:
    from llmeter_bar.fetch import engine
    from llmeter_bar.store import state

    if opts.demo:
        from llmeter_bar.demo import demo_results

        return demo_results(opts.providers)
    if store is None:
        if _store_problem:  # locked elsewhere or a full disk: nothing renamed, the figures come back
            return [state.config_error(f"cache busy or disk full, nothing shown until it clears: {_store_problem[-1]}",
                                       label="busy", kind="unavailable")]
        return [state.config_error("cache directory unusable; set LLMETER_BAR_CACHE_DIR to a writable one")]
    from llmeter_bar.fetch import record_hooks

    record_hooks.mark_render()  # data recorded here (stdin, --wait) alerts from a detached process
    if stdin_payload is not None:
        try:
            # Claude Code hands us the Claude windows for free: store them as the claude result.
            from llmeter_bar.fetch import ingest

            ingest.claude_code(stdin_payload, config, store)
        except Exception:
            logs.exception("could not store the status line's rate limits")
    instances = engine.select(config, store, opts.providers)
    if content is not None and not opts.providers and config.providers is None:
        content.append(engine.DETECT_TTL)  # a login elsewhere may add a provider when detection runs again
    if not instances:
        # Never sample figures in the user's place (a script cannot tell): the setup state,
        # and for a person at a terminal, where to go next.
        if opts.format == "plain" and isatty(sys.stderr):
            print(f"{NO_PROVIDERS}; `llmeter-bar --demo` shows sample data", file=sys.stderr)
        return [state.config_error(NO_PROVIDERS, status="unconfigured", label="setup")]
    if opts.wait:
        engine.refresh_now(store, instances, on_demand=False)
    return engine.collect(config, store, instances, trigger=not opts.wait, horizon=horizon, content=content)


def _open_store() -> Store | None:
    from llmeter_bar.store.cache import CacheUnavailable, Store

    try:
        return Store()
    except CacheUnavailable as exc:
        logs.warning("%s", exc)
        if exc.transient:
            _store_problem.append(str(exc))
        return None


_store_problem: list[str] = []  # why the last open failed, when the database is healthy


def render_once(
    opts: ShowOptions, renderer: Renderer, store: Store | None, horizon: list[float], *,
    argv: list[str] | None = None, stdin: IO[str] | None = None, tty: bool = False,
    raw_stdin: bytes | None = None,
) -> tuple[Rendered, Store | None]:
    """One rendering, never raising: the segment (or the renderer's fallback) and
    the cache it used, opened here if ``store`` was None (the caller closes it).
    ``horizon`` receives the seconds each provider's figures stay unchanged."""
    from llmeter_bar.config import Config, load
    from llmeter_bar.errors import ConfigError
    from llmeter_bar.models import utcnow
    from llmeter_bar.render.base import RenderContext

    config_ok = True
    gathered_at = 0.0
    content: list[float] = []  # like horizon, without the moments a provider becomes due
    try:
        try:
            config = load()
            results = None
        except ConfigError as exc:
            config, results, config_ok = Config(problems=[str(exc)]), [_config_problem(str(exc))], False
        logs.warn_once("config", config.problems)
        if raw_stdin is not None:  # read by entry.py, whose output-cache key holds its rate limits
            payload = _parse_payload(raw_stdin) if renderer.reads_stdin else None
        else:
            payload = _read_stdin(stdin) if renderer.reads_stdin and stdin is not None else None
        generation = None
        if results is None:
            if store is None and not opts.demo:
                store = _open_store()
            if store is not None:
                generation = fastpath.generation(store)
            gathered_at = time.time()  # horizons count from (just after) here, not from ctx.now
            results = gather(opts, config, payload, store, horizon, content)
        ctx = RenderContext(
            now=utcnow(),
            config=config,
            no_color=opts.no_color or bool(os.environ.get("NO_COLOR")),
            long=opts.long,
            tty=tty,
            show_account=opts.show_account or bool(config.general.get("show_account")),
            demo=opts.demo,
            stdin_payload=payload,
            history=_history(opts, store, results, config),
        )
        _annotate(opts, store, results, ctx)
        rendered = renderer.render(results, ctx)
        # A stdin reader is cached only under a key made of what it read (entry.py).
        keyed = not renderer.reads_stdin or bool(argv and argv[-1].startswith("\x1erate_limits="))
        cacheable = argv is not None and config_ok and horizon and keyed and renderer.cacheable
        if cacheable and store is not None and generation is not None and not (opts.wait or opts.demo or opts.debug):
            now = ctx.now.timestamp()
            lines = []
            for start, end in fastpath.slices(now, gathered_at + min(content or horizon) - now):
                if lines:
                    _annotate(opts, None, results, replace(ctx, now=_utc(start)))
                later = rendered if not lines else renderer.render(results, replace(ctx, now=_utc(start)))
                lines.append((start, end, later.exit_code, later.text))
            fastpath.remember(store, argv, lines, tty, generation, due=gathered_at + min(horizon))
    except Exception:
        logs.exception("render failed")
        rendered = renderer.fallback("llm !err")
    return rendered, store


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc)


def _config_problem(message: str) -> ProviderResult:
    from llmeter_bar.store.state import config_error

    return config_error(message)


_FULL_VIEWS = ("waybar", "json", "prometheus")  # tooltip, scripts, metrics: every figure, history included


def wants_history(opts: ShowOptions, config: Config) -> bool:
    """Whether this view shows what needs the recorded history: sparklines, the
    projection at reset, finished cycles. The one-line bar formats need it only
    when their format uses ``{projected}``/``{unused}`` or a ``surplus`` threshold
    is set (the level comes from the projection)."""
    if opts.demo:
        return False
    if opts.format in _FULL_VIEWS or (opts.format == "plain" and opts.long):
        return True
    return _mentions(config.data.get("format"), ("{projected", "{unused")) or _mentions(
        config.data.get("thresholds"), ("surplus",), keys=True)


def _mentions(node: Any, words: tuple[str, ...], keys: bool = False) -> bool:
    if isinstance(node, str):
        return not keys and any(w in node for w in words)
    if isinstance(node, dict):
        return any((keys and k in words) or _mentions(v, words, keys) for k, v in node.items())
    if isinstance(node, list):
        return any(_mentions(v, words, keys) for v in node)
    return False


def _history(opts: ShowOptions, store: Store | None, results: list[ProviderResult],
             config: Config | None = None) -> dict[str, Any]:
    """History for the views that need it (see ``wants_history``); never loaded by
    the others, and never on the output-cache hit path (entry.py)."""
    if store is None or config is None or not wants_history(opts, config):
        return {}
    try:
        from llmeter_bar.store import history

        return history.load_many(store, [r.key for r in results])
    except Exception:
        logs.exception("history unreadable")
        return {}


def _annotate(opts: ShowOptions, store: Store | None, results: list[ProviderResult], ctx: Any) -> None:
    """Projections on every view (from the history when loaded); the finished
    cycles only on the views that show them (they are read from ``store``)."""
    try:
        from llmeter_bar.insight.annotate import annotate

        cycles = None
        if store is not None and not opts.demo and (opts.format in _FULL_VIEWS or opts.long):
            from llmeter_bar.store import cycles as cycles_mod

            cycles = cycles_mod.load_many(store, [r.key for r in results])
        annotate(results, ctx.now, ctx.history, cycles)
    except Exception:
        logs.exception("projections not computed")


def isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
