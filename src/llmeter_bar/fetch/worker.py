"""The detached background refresher started by a render (``_refresh KEY=TOKEN...``)."""

from __future__ import annotations

import os

from llmeter_bar import logs

# Started during a burst of renders (every bar asks at once after an interval
# ends); its imports and TLS setup should not slow the renders that started it.
# The fetch is mostly waiting on the network, and the lock allows for a slow start.
NICENESS = 10


def main(claims: list[str]) -> int:
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
        engine.run_worker(config, store, claims)
    except Exception:
        logs.exception("background refresh failed")
    finally:
        store.close()
    return 0
