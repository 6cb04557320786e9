"""What is kept on disk and how a record becomes a view: the diskcache store
(cache.py) and what it does with a malformed database (repair.py), the output-line cache read by the hot path with sqlite3 alone
(fastpath.py), history points (history.py), stored logins (credstore.py), and the
rules that turn a stored record into what a bar shows (state.py).

Imports models, errors, paths, logs and config, and (state.py) the provider
registry's names and settings, never a provider module, render/, aiohttp or click. fastpath.py imports nothing beyond the standard library and paths.py.
"""
