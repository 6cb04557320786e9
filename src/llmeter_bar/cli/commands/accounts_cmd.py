"""``llmeter-bar accounts``: every account, where its credential comes from (never the secret)."""

from __future__ import annotations

import click


@click.command(help=(
    "List every account of every provider (configured, stored by `login`, detected from other tools) "
    "and where its credential comes from: a path, an environment variable or llmeter-bar's store; "
    "never the secret. `logout PROVIDER [--account NAME]` removes a stored login."
))
def accounts() -> None:
    from llmeter_bar.config import load
    from llmeter_bar.dashboard import accounts as listing
    from llmeter_bar.errors import ConfigError

    try:
        config = load()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    rows = listing.listing(config)
    if not rows:
        click.echo("no accounts found: log in to Claude Code, Codex, Gemini CLI or Cursor, "
                   "or run `llmeter-bar login PROVIDER`")
        return
    for line in listing.lines(rows):
        click.echo(line)
    click.echo("\n* = shown in the bars; a login stored by `llmeter-bar login` is removed with "
               "`llmeter-bar logout PROVIDER [--account NAME]` (or `d` in the dashboard's accounts view)")
