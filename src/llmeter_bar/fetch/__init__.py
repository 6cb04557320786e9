"""When and how data is fetched and recorded: which provider instances are due and
what the cache holds for them (engine.py), the single-flight lock and back-off
rules (refresh.py), the detached background refresher (worker.py), figures handed
in on stdin (ingest.py), and what follows a recorded result (record_hooks.py).

May import providers/, store/ and alerts/; never imports render/ or format/.
Provider modules and aiohttp are imported only inside the refresher and the
commands that fetch in the foreground, never by a render.
"""
