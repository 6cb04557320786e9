"""``llmeter-bar providers``: what is known, what has credentials, and from where."""

from __future__ import annotations

import click


@click.command(help="List known providers, whether credentials were found, and where from.")
def providers() -> None:
    from llmeter_bar.fetch import accounts, engine
    from llmeter_bar import providers as registry
    from llmeter_bar.config import load
    from llmeter_bar.errors import ConfigError

    try:
        config = load()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    for problem in config.problems:
        click.echo(f"config error: {problem}", err=True)
    enabled = set(config.providers or engine.detect(config))
    rows = []
    for provider_id, entry in registry.known().items():
        ids = [provider_id] + [f"{provider_id}:{n}" for n in accounts.stored_accounts(provider_id)]
        for settings in config.instances(ids) or [config.settings_for(provider_id)]:
            name, kind = entry.name, entry.kind
            try:
                provider = registry.load(provider_id)
                if provider_id not in registry.REGISTRY:  # a plugin names itself
                    name, kind = provider.name or name, provider.kind or kind
                found = provider.credentials(settings)
                where = f"{found.source}{f' ({found.detail})' if found.detail else ''}" if found else "not found"
            except Exception as exc:  # a broken credential file must not hide the others
                where = f"unreadable: {exc}"
            mark = "*" if provider_id in enabled or settings.key in enabled else " "
            rows.append((mark, settings.key, name, kind, where))
    if not rows:
        click.echo("no providers are registered")
        return
    width = max(len(r[1]) for r in rows)
    for mark, key, name, kind, where in rows:
        click.echo(f"{mark} {key:<{width}}  {name:<14} {kind:<12} {where}")
    click.echo("\n* = enabled (listed in general.providers, or detected when that key is absent)")
