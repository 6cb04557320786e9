"""The command line: the console-script entry point (entry.py) with its hand-parsed
render fast path, the click group (app.py) and its subcommands (commands/), and the
render step every bar call takes (segment.py, printed by show.py).

Kept empty so that importing the entry point costs nothing more. May import every
other package; nothing outside cli/ imports from it except live/watch.py, which
renders through segment.py like a one-shot call.
"""
