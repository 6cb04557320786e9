"""``llmeter-bar refresh [PROVIDER...]``: fetch now, in the foreground.

Exit status for scripts: 0 when every requested provider has fresh figures,
1 when any failed (or is held back by a rate limit), 2 for an unknown name.
"""

from __future__ import annotations

import sys

import click


def _known_ids(config: object) -> list[str]:
    from llmeter_bar import providers as registry

    custom = [pid for pid, options in getattr(config, "section")("provider").items()
              if isinstance(options, dict) and options.get("module")]
    return sorted(set(registry.known()) | set(custom))


def succeeded(outcome: str) -> bool:
    return outcome.startswith("ok") or outcome == "skipped: fresh"


@click.command(help=(
    "Fetch now (ignoring the interval, never a rate-limit wait) and report per provider. "
    "A provider fetched on demand within refresh_debounce seconds (default 30) is not asked again. "
    "Exits 1 when a provider failed, 2 for an unknown provider name."
))
@click.argument("providers", nargs=-1, metavar="[PROVIDER]...")
def refresh(providers: tuple[str, ...]) -> None:
    from llmeter_bar.fetch import engine
    from llmeter_bar.store.cache import CacheUnavailable, Store
    from llmeter_bar.config import load
    from llmeter_bar.errors import ConfigError

    try:
        config = load()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    known = _known_ids(config)
    unknown = [p for p in providers if p.partition(":")[0] not in known]
    if unknown:
        raise click.UsageError(
            f"unknown provider {', '.join(repr(u) for u in unknown)}; known: {', '.join(known)}")
    try:
        store = Store()
    except CacheUnavailable as exc:
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
    if not all(succeeded(outcome) for outcome in report.values()):
        sys.exit(1)
