"""``llmeter-bar cache path|clear``."""

from __future__ import annotations

import click


@click.group(help="Where cached results live, and how to forget them.")
def cache() -> None:
    pass


@cache.command("path", help="Print the cache directory.")
def cache_path() -> None:
    from llmeter_bar import paths

    click.echo(str(paths.cache_dir()))


@cache.command("clear", help="Forget every cached result, error, backoff and lock.")
def cache_clear() -> None:
    from llmeter_bar.store.cache import CacheUnavailable, Store

    try:
        store = Store()
    except CacheUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    try:
        store.clear()
    finally:
        store.close()
    click.echo(f"cleared {store.directory}")
