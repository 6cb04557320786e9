"""Long-running bars: ``--watch`` (watch.py) and its I/O (watch_io.py), clicks read
from stdin or signals (clicks.py), and the registry that wakes running watchers
when the cache changes (watchers.py).

Renders through cli/segment.py like a one-shot call and never fetches in its own
process: a due provider is left to the background refresher (fetch/).
"""
