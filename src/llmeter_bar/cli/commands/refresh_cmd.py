"""``llmeter-bar refresh [PROVIDER...]``: fetch now, in the foreground."""

from __future__ import annotations

import click


@click.command(help="Fetch now (ignoring the interval, never a rate-limit wait) and report per provider.")
@click.argument("providers", nargs=-1, metavar="[PROVIDER]...")
def refresh(providers: tuple[str, ...]) -> None:
    from llmeter_bar.fetch import engine
    from llmeter_bar.store.cache import CacheUnavailable, Store
    from llmeter_bar.config import load
    from llmeter_bar.errors import ConfigError

    try:
        config = load()
        store = Store()
    except (ConfigError, CacheUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        instances = engine.select(config, store, list(providers))
        if not instances:
            raise click.ClickException("no providers configured or detected; see `llmeter-bar providers`")
        report = engine.refresh_now(store, instances, on_demand=True)
    finally:
        store.close()
    for key, outcome in report.items():
        click.echo(f"{key}: {outcome}")
