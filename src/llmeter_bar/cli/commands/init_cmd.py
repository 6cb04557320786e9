"""``llmeter-bar init HOST``: print a host's snippet with this install's path filled in."""

from __future__ import annotations

import click

from llmeter_bar import integrations

_EPILOG = """
\b
Examples:
  llmeter-bar init --list
  llmeter-bar init waybar >> ~/.config/waybar/config.jsonc   (then merge the block)
  llmeter-bar init waybar --file style.css
  llmeter-bar init tmux --file llmeter-bar.tmux > ~/.tmux/llmeter-bar.tmux
"""


@click.command(help=(
    "Print the integration snippet for HOST with the absolute path of this llmeter-bar filled in "
    "(bars often run with a reduced PATH). The same files, with a README each, are in the "
    "project's integrations/ folder."
), epilog=_EPILOG)
@click.argument("host", required=False, type=click.Choice(sorted(integrations.HOSTS)))
@click.option("--list", "list_", is_flag=True, help="List hosts and their files.")
@click.option("--file", "name", default=None, metavar="NAME", help="Another file of HOST (see --list).")
def init(host: str | None, list_: bool, name: str | None) -> None:
    if list_ or host is None:
        if host is None and not list_:
            raise click.UsageError("name a HOST, or use --list")
        width = max(map(len, integrations.HOSTS))
        files = {name: ", ".join(entry.files) for name, entry in integrations.HOSTS.items()}
        column = max(map(len, files.values()))
        for entry in integrations.HOSTS.values():
            click.echo(f"{entry.name:<{width}}  {files[entry.name]:<{column}}  {entry.summary}")
        return
    entry = integrations.HOSTS[host]
    if name is not None and name not in entry.files:
        raise click.BadParameter(f"{host} has {', '.join(entry.files)}", param_hint="--file")
    click.echo(integrations.render(host, name), nl=False)
    others = [f for f in entry.files if f != (name or entry.main)]
    if others:
        hint = ", ".join(f"llmeter-bar init {host} --file {f}" for f in others)
        click.echo(f"# also: {hint}", err=True)
