"""The detached background refresher started by a render (``_refresh KEY=TOKEN...``)."""

from __future__ import annotations

import os
import signal
import threading
from typing import TYPE_CHECKING

from llmeter_bar import logs

if TYPE_CHECKING:
    from llmeter_bar.config import Config

# Started during a burst of renders (every bar asks at once after an interval
# ends); its imports and TLS setup should not slow the renders that started it.
# The fetch is mostly waiting on the network, and the lock allows for a slow start.
NICENESS = 10
# The refresher's hard deadline is the longest timeout of what it fetches plus this,
# kept below refresh.LOCK_GRACE: the lock outlives the refresher, so a second one
# for the same provider can only start once the first is gone.
DEADLINE_GRACE = 8.0
# Before the config is read (it is read bounded, so this is a backstop only).
START_DEADLINE = 60


def arm_deadline(seconds: float) -> threading.Timer:
    """End this process after ``seconds`` whatever it is doing: a read stuck in C, a
    thread that will not finish or a busy event loop cannot keep it alive. A timer
    thread calls os._exit; SIGALRM (default action: terminate) backs it up should even
    that thread be unable to run."""

    def fire() -> None:
        try:
            logs.warning("background refresh still running after %.0f s: stopped", seconds)
        finally:
            os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(seconds) + 2)
    return timer


def deadline(config: Config, claims: list[str]) -> float:
    timeouts = [config.settings_for(*_split(claim)).timeout for claim in claims]
    return min(max(timeouts, default=0.0), 3600.0) + DEADLINE_GRACE


def _split(claim: str) -> tuple[str, str | None]:
    provider_id, _, instance = claim.partition("=")[0].partition(":")
    return provider_id, instance or None


def main(claims: list[str]) -> int:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(START_DEADLINE)
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    from llmeter_bar.fetch import engine
    from llmeter_bar.store.cache import Store
    from llmeter_bar.config import load

    try:
        config = load()
        store = Store()
    except Exception:
        logs.exception("background refresh could not start")
        return 0
    try:
        arm_deadline(deadline(config, claims))
        engine.run_worker(config, store, claims)
    except Exception:
        logs.exception("background refresh failed")
    finally:
        store.close()
    return 0
