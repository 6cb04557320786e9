"""The click CLI. Plain renders normally skip it (see entry.py); it handles
--help, --version, completion and every subcommand."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from llmeter_bar import __version__
from llmeter_bar.cli.show import ShowOptions, run

EXAMPLES = """
\b
Examples:
  llmeter-bar                          plain text for a terminal
  llmeter-bar --format tmux            a tmux status-right segment
  llmeter-bar --format waybar          one JSON line for a waybar custom module
  llmeter-bar --format json --wait     fetch now, then print the JSON document
  llmeter-bar --demo --format polybar  sample data, to style a bar before logging in
  llmeter-bar refresh claude           fetch one provider now and say what happened
"""


def _formats() -> list[str]:
    from llmeter_bar import render

    return sorted(render.FORMATS)


@click.group(
    invoke_without_command=True,
    help="Print AI usage limits and API spend as one status-bar segment.\n" + EXAMPLES,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option("-f", "--format", "fmt", default="plain", show_default=True, metavar="FORMAT",
              help="Output format: " + ", ".join(_formats()) + ".")
@click.option("-p", "--provider", "providers", multiple=True, metavar="ID",
              help="Only these providers (repeat, or comma-separate); ID:ACCOUNT picks one account.")
@click.option("--wait", is_flag=True, help="Fetch due providers in the foreground before printing.")
@click.option("--demo", is_flag=True, help="Show realistic sample data; no credentials or network.")
@click.option("--no-color", is_flag=True, help="No colours (NO_COLOR is honoured too).")
@click.option("--long", "long_", is_flag=True, help="Plain format: every window, cost and error.")
@click.option("--show-account", is_flag=True, help="Include account identities (e-mail, org).")
@click.option("--debug", is_flag=True, help="Diagnostics to stderr instead of the log file.")
@click.option("--watch", is_flag=True,
              help="Stay running: print a new line whenever the output changes (persistent bar modules).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="PATH",
              help="Config file (default: $LLMETER_BAR_CONFIG or the user config dir).")
@click.version_option(__version__, prog_name="llmeter-bar")
@click.pass_context
def cli(ctx: click.Context, fmt: str, providers: tuple[str, ...], wait: bool, demo: bool,
        no_color: bool, long_: bool, show_account: bool, debug: bool, watch: bool,
        config_path: Path | None) -> None:
    if ctx.invoked_subcommand is not None:
        from llmeter_bar import logs

        logs.set_debug(debug)
        if config_path is not None:
            from llmeter_bar import paths

            paths.name_config(str(config_path))
        return
    ids = [p for item in providers for p in item.split(",") if p]
    opts = ShowOptions(format=fmt, providers=ids, wait=wait, demo=demo, no_color=no_color,
                       long=long_, debug=debug, show_account=show_account, config_path=config_path,
                       watch=watch)
    ctx.exit(run(opts))


def main() -> int:
    return cli.main(prog_name="llmeter-bar") or 0


# Subcommands live in their own modules; one line each registers them.
from llmeter_bar.cli.commands.accounts_cmd import accounts  # noqa: E402
from llmeter_bar.cli.commands.auth import login, logout  # noqa: E402
from llmeter_bar.cli.commands.cache_cmd import cache  # noqa: E402
from llmeter_bar.cli.commands.config_cmd import config  # noqa: E402
from llmeter_bar.cli.commands.history_cmd import history  # noqa: E402
from llmeter_bar.cli.commands.dashboard_cmd import dashboard  # noqa: E402
from llmeter_bar.cli.commands.doctor_cmd import doctor  # noqa: E402
from llmeter_bar.cli.commands.ingest_cmd import ingest  # noqa: E402
from llmeter_bar.cli.commands.init_cmd import init  # noqa: E402
from llmeter_bar.cli.commands.providers_cmd import providers  # noqa: E402
from llmeter_bar.cli.commands.refresh_cmd import refresh  # noqa: E402
from llmeter_bar.cli.commands.report_cmd import report  # noqa: E402
from llmeter_bar.cli.commands.share_cmd import share  # noqa: E402

COMMANDS: list[click.Command] = [refresh, providers, doctor, cache, config, ingest, init, login, logout, history, share,
                                 report, dashboard, accounts]
for _command in COMMANDS:
    cli.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
