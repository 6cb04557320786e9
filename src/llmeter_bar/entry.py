"""Console-script entry point with a fast path for rendering.

Bars start this command every few seconds, so the plain render path parses its
few options by hand and never imports click; anything else (subcommands,
--help, --version, an option it does not know) goes to the click CLI.
"""

from __future__ import annotations

import sys
from pathlib import Path

_FLAGS = {
    "--wait": "wait",
    "--demo": "demo",
    "--no-color": "no_color",
    "--long": "long",
    "--debug": "debug",
    "--show-account": "show_account",
}
_VALUES = {"--format": "format", "-f": "format", "--provider": "providers", "-p": "providers", "--config": "config_path"}


def _fast_options(argv: list[str]) -> object | None:
    """ShowOptions when argv only holds render options, else None (let click decide)."""
    from llmeter_bar.show import ShowOptions

    opts = ShowOptions()
    items = iter(argv)
    for arg in items:
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in _FLAGS and not eq:
            setattr(opts, _FLAGS[name], True)
        elif name in _VALUES:
            if not eq:
                value = next(items, "")
            if not value:
                return None
            field = _VALUES[name]
            if field == "providers":
                opts.providers.extend(v for v in value.split(",") if v)
            elif field == "config_path":
                opts.config_path = Path(value).expanduser()
            else:
                opts.format = value
        else:
            return None
    return opts


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "_refresh":
        from llmeter_bar.worker import main as worker_main

        return worker_main(args[1:])
    opts = _fast_options(args)
    if opts is not None:
        from llmeter_bar.show import run

        return run(opts)  # type: ignore[arg-type]
    from llmeter_bar.cli import cli

    return cli.main(args=args, prog_name="llmeter-bar", standalone_mode=True) or 0
