"""Alerts: the rules that decide when a recorded result crosses a level
(rules.py), and the delivery to a desktop notification or the user's command
(notify.py), run in a detached process, never by a render.

Imports store/, models and format/ (to word a message); never render/, fetch/
or a provider module.
"""
