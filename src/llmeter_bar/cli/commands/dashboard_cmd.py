"""``llmeter-bar dashboard``: the full-screen live view (dashboard/), or a window for it (``--popup``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.command(help=(
    "A full-screen live view of every provider: gauges per window, resets, pace, spend, a week of history, "
    "errors with their fix, and the accounts. Reads the bars' cache (no polling of its own); "
    "r/R refresh, Enter details, a accounts, ? help, q quits. --popup opens it in a new terminal window "
    "($TERMINAL, x-terminal-emulator, foot, kitty, alacritty, xterm), for a bar's click."
))
@click.option("-p", "--provider", "providers", multiple=True, metavar="ID",
              help="Only these providers (repeat, or comma-separate); ID:ACCOUNT picks one account.")
@click.option("--demo", is_flag=True, help="Sample data with a made-up week of history; no cache, no network.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="PATH",
              help="Config file (default: $LLMETER_BAR_CONFIG or the user config dir).")
@click.option("--show-account", is_flag=True, help="Include account identities (e-mail, org).")
@click.option("--popup", is_flag=True, help="Open the dashboard in a new terminal window and return at once.")
def dashboard(providers: tuple[str, ...], demo: bool, config_path: Path | None, show_account: bool,
              popup: bool) -> None:
    ids = [p for item in providers for p in item.split(",") if p]
    if config_path is not None:
        # Through the environment so the background refresher reads the same file.
        os.environ["LLMETER_BAR_CONFIG"] = str(config_path.expanduser().absolute())
    if popup:
        from llmeter_bar import integrations
        from llmeter_bar.dashboard import popup as window

        command = [*integrations.command_words(), "dashboard"]
        command += [f"--provider={p}" for p in ids] + ["--demo"] * demo + ["--show-account"] * show_account
        if config_path is not None:
            command.append(f"--config={os.environ['LLMETER_BAR_CONFIG']}")
        started, message = window.open_popup(command)
        if not started:
            raise click.ClickException(message)
        return
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise click.ClickException("the dashboard needs a terminal; from a bar, use `llmeter-bar dashboard --popup`")
    from llmeter_bar.dashboard.app import DashboardApp
    from llmeter_bar.dashboard.source import Source

    source = Source(ids, demo=demo, show_account=show_account)
    try:
        code = DashboardApp(source).run()
    finally:
        source.close()
    sys.exit(code or 0)
