"""``llmeter-bar dashboard``: the full picture in a terminal, built with Textual.

What it shows comes from the same cache the bars read (source.py), shaped into
cards without Textual (cards.py, accounts.py), so the pieces that decide what a
card says are testable alone; only app.py, widgets.py and screens.py import
Textual, and only when the dashboard starts. It never fetches in its own
process: due providers go to the same single-flight background refresher the
bars use, and ``r``/``R`` ask for a fetch the way a bar click does (actions.py).

May import every package below cli/ (diagnose/ for doctor's cause and fix);
only cli/commands/dashboard_cmd.py and accounts_cmd.py import it. Never on the
render path: tests/test_hot_path.py forbids textual, rich and this package there.
"""
