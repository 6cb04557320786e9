"""``llmeter-bar report PROVIDER``: a redacted raw reply to attach to a bug report."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(help="Fetch PROVIDER once (never during a 429 wait) and write its raw reply, with every "
                    "secret, e-mail, id and token replaced, plus what llmeter-bar read from it.")
@click.argument("provider")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="File to write (default: ./llmeter-bar-report-PROVIDER-DATE.json).")
def report(provider: str, output: Path | None) -> None:
    from llmeter_bar.config import load
    from llmeter_bar.errors import ConfigError
    from llmeter_bar.fetch import engine
    from llmeter_bar.report.run import ReportRefused, run
    from llmeter_bar.store.cache import CacheUnavailable, Store

    try:
        config = load()
        store = Store()
    except (ConfigError, CacheUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        instances = [s for s in engine.select(config, store, [provider]) if s.key == provider or s.id == provider]
        if not instances:
            raise click.ClickException(f"unknown provider '{provider}': `llmeter-bar providers` lists them")
        path, summary = run(store, instances[0], output)
    except ReportRefused as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the report: {exc.strerror or exc}") from None
    finally:
        store.close()
    click.echo(f"{instances[0].key}: {summary}")
    click.echo(f"wrote {path} (check it before attaching it to a bug report)")
