"""``llmeter-bar config path|show|init``."""

from __future__ import annotations

from pathlib import Path

import click


def default_text() -> str:
    return (Path(__file__).resolve().parents[2] / "default_config.toml").read_text(encoding="utf-8")


@click.group(help="Find, inspect or create the config file.")
def config() -> None:
    pass


@config.command("path", help="Print the config file's path (it may not exist yet).")
def config_path() -> None:
    from llmeter_bar import paths

    click.echo(str(paths.config_file()))


@config.command("show", help=(
    "Validate the config and print the effective settings per provider (intervals with the "
    "provider's floor applied). Exits 1 when the file has a problem."))
def config_show() -> None:
    import sys

    from llmeter_bar import providers as registry
    from llmeter_bar.fetch import engine, refresh
    from llmeter_bar.config import load
    from llmeter_bar.errors import ConfigError

    try:
        cfg = load()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    exists = cfg.path is not None and cfg.path.exists()
    click.echo(f"# {cfg.path}{'' if exists else ' (not present: defaults)'}")
    for problem in cfg.problems:
        click.echo(f"error: {problem}", err=True)
    listed = cfg.providers
    ids = listed if listed is not None else engine.detect(cfg)
    click.echo(f"providers = {ids!r}{'' if listed is not None else '  # detected'}")
    for settings in cfg.instances(ids):
        url = f" base_url={settings.base_url}" if settings.base_url else ""
        try:
            provider = registry.load(settings.id, settings.options)
        except Exception:
            provider = None  # unknown or broken module: the configured value is all there is
        interval = refresh.effective_interval(provider, settings)
        click.echo(f"[{settings.key}] interval={interval:g}s timeout={settings.timeout:g}s{url}")
    if cfg.problems:
        sys.exit(1)


@config.command("init", help="Write a commented default config file.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def config_init(force: bool) -> None:
    from llmeter_bar import paths

    target = paths.config_file()
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # it may hold API keys
    target.write_text(default_text(), encoding="utf-8")
    click.echo(f"wrote {target}")
