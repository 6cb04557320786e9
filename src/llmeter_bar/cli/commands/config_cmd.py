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


@config.command("show", help="Validate the config and print the effective settings per provider.")
def config_show() -> None:
    from llmeter_bar.fetch import engine
    from llmeter_bar.config import load
    from llmeter_bar.errors import ConfigError

    try:
        cfg = load()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    exists = cfg.path is not None and cfg.path.exists()
    click.echo(f"# {cfg.path}{'' if exists else ' (not present: defaults)'}")
    for warning in cfg.warnings:
        click.echo(f"warning: {warning}", err=True)
    listed = cfg.providers
    ids = listed if listed is not None else engine.detect(cfg)
    click.echo(f"providers = {ids!r}{'' if listed is not None else '  # detected'}")
    for settings in cfg.instances(ids):
        url = f" base_url={settings.base_url}" if settings.base_url else ""
        click.echo(f"[{settings.key}] interval={settings.interval:g}s timeout={settings.timeout:g}s{url}")


@config.command("init", help="Write a commented default config file.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def config_init(force: bool) -> None:
    from llmeter_bar import paths

    target = paths.config_file()
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(default_text(), encoding="utf-8")
    click.echo(f"wrote {target}")
