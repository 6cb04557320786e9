"""``--watch``: one long-running process that prints a new line whenever the
segment changes, for hosts that keep a command open (waybar without
``interval``, polybar ``tail``, i3blocks ``persist``, i3bar ``status_command``,
tmux ``#()``).

It renders exactly like a one-shot call (cli/segment.py) and gets its data
the same way: from the cache, with due providers handed to one detached
refresher, so watchers add no fetches. Between renders it sleeps in poll(2)
until the earliest of: the render horizon (something becomes due, stale or
reset), the next minute boundary (countdowns), SIGUSR2 from a writer of the
cache (watchers.py), a click (SIGUSR1, or on stdin for i3bar and i3blocks: a
fetch on demand, then a line at once), the cache's generation counter or the
config file changing (checked every POLL seconds, for writers that cannot
signal), or stdout reporting that the bar went away.
Renders are at least MIN_GAP apart whatever happens, so nothing can make it spin.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

from llmeter_bar import logs
from llmeter_bar.live.watch_io import Output, Waker

if TYPE_CHECKING:
    from llmeter_bar.store.cache import Store
    from llmeter_bar.render.base import Renderer
    from llmeter_bar.cli.segment import ShowOptions

MIN_GAP = 1.0  # seconds between two renders, at the least
POLL = 2.0  # how often the generation counter and the config file are looked at
DUE_RETRY = 5.0  # a provider is due (its refresher runs): look again after this, doubling
DUE_RETRY_MAX = 60.0
TICK = 60.0  # countdowns are shown in minutes
CLOCK_JUMP = 5.0  # wall clock moved against the monotonic one (suspend, NTP): re-render
CLICK_FORMATS = {"i3bar": "llmeter", "i3blocks": None, "i3blocks-json": None}


def watch(opts: ShowOptions, renderer: Renderer) -> int:
    """Run until the bar goes away (show.run has set up logging, config and the renderer)."""
    # A watcher never fetches in its own process (that would import aiohttp and
    # block the loop): due providers always go to the detached refresher.
    opts.wait = False
    return Watcher(opts, renderer).run()


class Watcher:
    def __init__(self, opts: ShowOptions, renderer: Renderer) -> None:
        self.opts = opts
        self.renderer = renderer
        self.store: Store | None = None
        self.out = Output(opts.format, sys.stdout)
        clicks = opts.format in CLICK_FORMATS
        self.waker = Waker(self.out.fd, sys.stdin if clicks else None, CLICK_FORMATS.get(opts.format))
        self.seen: tuple[object, ...] = ()
        self.due_delay = DUE_RETRY
        self.skew = time.time() - time.monotonic()

    def run(self) -> int:
        from llmeter_bar.live import watchers

        self.waker.install()
        registration = watchers.register()
        if not self.opts.demo:
            from llmeter_bar.share import listen

            listen.start(self.opts.providers)  # records pushed by other machines wake us (share/)
        try:
            self._loop()
        except KeyboardInterrupt:
            pass
        finally:
            watchers.unregister(registration)
            self.waker.uninstall()
            if self.store is not None:
                self.store.close()
            self.out.finish()
        return 0

    def _loop(self) -> None:
        from llmeter_bar.cli import segment

        self.out.start()
        stdin = sys.stdin if self.renderer.reads_stdin else None
        forced = False
        while True:
            if self.waker.clicked:
                self.waker.clicked = False
                self._request_refresh()
            had_store = self.store is not None
            self.seen = self._identity()
            horizon: list[float] = []
            rendered, self.store = segment.render_once(self.opts, self.renderer, self.store, horizon,
                                                    stdin=stdin, tty=self.out.tty)
            if not had_store:
                self.seen = self._identity()  # the cache was opened by this render
            stdin = None  # claude-code's session payload: read once, at start
            rendered_at = time.monotonic()
            self.out.line(rendered, force=forced)
            if self.out.closed:
                return
            reason = self._sleep(rendered_at + self._delay(horizon), rendered_at + MIN_GAP)
            if reason == "stop":
                return
            forced = reason == "forced"

    def _delay(self, horizon: list[float]) -> float:
        """Seconds until the segment could change on its own."""
        tick = TICK - time.time() % TICK + 0.05
        if horizon and min(horizon) <= 0:
            delay = self.due_delay  # a fetch is running or pending: its writer will wake us anyway
            self.due_delay = min(self.due_delay * 2, DUE_RETRY_MAX)
        else:
            self.due_delay = DUE_RETRY
            delay = min(horizon) + 0.05 if horizon else tick
        return max(MIN_GAP, min(delay, tick))

    def _sleep(self, deadline: float, earliest: float) -> str:
        """Wait until ``deadline``, or until something happens (but not before ``earliest``)."""
        pending = ""
        next_check = time.monotonic() + POLL
        while True:
            now = time.monotonic()
            if pending and now >= earliest:
                return pending
            if not pending and now >= deadline:
                return "timer"
            limit = earliest if pending else min(deadline, next_check)
            event = self.waker.wait(max(0.0, limit - now))
            self._reap()
            if event == "stop" or self.out.closed:
                return "stop"
            if event == "forced" or self.waker.clicked:
                pending = "forced"
            elif event == "changed" and not pending:
                pending = "changed"
            if not pending and time.monotonic() >= next_check:
                next_check = time.monotonic() + POLL
                if self._identity() != self.seen or self._clock_jumped():
                    pending = "changed"

    def _clock_jumped(self) -> bool:
        """Monotonic deadlines stand still during a suspend: after a resume the
        wall clock is far ahead, and every countdown and due time with it."""
        skew = time.time() - time.monotonic()
        jumped = abs(skew - self.skew) > CLOCK_JUMP
        self.skew = skew
        return jumped

    def _identity(self) -> tuple[object, ...]:
        """What a re-render depends on besides the clock: the generation counter
        (bumped by every record write), the config file, the cache database file."""
        from llmeter_bar import paths
        from llmeter_bar.store import fastpath

        generation: object = None
        database: object = None
        if self.store is not None:
            try:
                generation = int(self.store.cache.get(fastpath.GENERATION, 0))
                st = os.stat(os.path.join(self.store.cache.directory, "cache.db"))
                database = (st.st_dev, st.st_ino)
            except Exception:
                # The cache vanished or broke under us: reopen it at the next render.
                self.store.close()
                self.store = None
        try:
            st = os.stat(paths.config_file())
            config: object = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            config = None
        return generation, database, config

    def _request_refresh(self) -> None:
        from llmeter_bar.live import clicks
        from llmeter_bar.config import load

        if self.store is None or self.opts.demo:
            return
        try:
            started = clicks.request_refresh(load(), self.store, self.opts.providers)
            logs.debug("click: refresh of %s", started or "nothing (fresh fetch running or rate limited)")
        except Exception:
            logs.exception("click: could not start a refresh")

    @staticmethod
    def _reap() -> None:
        """Collect the refreshers this process started (they are its children)."""
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

