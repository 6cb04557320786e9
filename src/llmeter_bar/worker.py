"""The detached background refresher started by a render (``_refresh KEY=TOKEN...``)."""

from __future__ import annotations

from llmeter_bar import logs


def main(claims: list[str]) -> int:
    from llmeter_bar import engine
    from llmeter_bar.cache import Store
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
