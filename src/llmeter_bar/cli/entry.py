"""Console-script entry point with a fast path for rendering.

Bars start this command every few seconds, so the render path parses its few
options by hand, first tries the cached output line (fastpath.py), and never
imports click; anything else (subcommands, --help, --version, an option it does
not know) goes to the click CLI.
"""

from __future__ import annotations

import os
import sys

_FLAGS = {
    "--wait": "wait",
    "--demo": "demo",
    "--no-color": "no_color",
    "--long": "long",
    "--debug": "debug",
    "--show-account": "show_account",
    "--watch": "watch",
}
_VALUES = {"--format": "format", "-f": "format", "--provider": "providers", "-p": "providers", "--config": "config_path"}


def parse_render_args(argv: list[str]) -> dict[str, object] | None:
    """Render options as a dict when argv holds nothing else, else None (click decides)."""
    found: dict[str, object] = {"providers": []}
    items = iter(argv)
    for arg in items:
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in _FLAGS and not eq:
            found[_FLAGS[name]] = True
        elif name in _VALUES:
            if not eq:
                value = next(items, "")
            if not value:
                return None
            field = _VALUES[name]
            if field == "providers":
                found["providers"].extend(v for v in value.split(",") if v)  # type: ignore[attr-defined]
            else:
                found[field] = value
        else:
            return None
    return found


def _output_cache_off() -> bool:
    return os.environ.get("LLMETER_BAR_OUTPUT_CACHE", "1") in ("0", "false", "no")


def safe_output(bar: bool) -> None:
    """Output that never fails on a character: anything unencodable (a lone
    surrogate from a provider) is replaced. A render (``bar``) also writes UTF-8
    whatever the locale: bars read their command's bytes as UTF-8 (waybar and i3bar
    by protocol), and under a latin-1 locale the icons made every write fail, so
    bars printed nothing. Commands for people (doctor, history) keep the locale's
    encoding and pick ASCII marks themselves when it is not UTF-8."""
    for stream, encoding in ((sys.stdout, "utf-8" if bar else None), (sys.stderr, None)):
        try:
            stream.reconfigure(encoding=encoding, errors="replace" if stream is sys.stdout else "backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass  # replaced by the caller (tests, pytest capture), or already closed


def private_umask() -> None:
    """Everything this process (and the refresher it starts) creates is private:
    dirs 0700, files 0600, whatever umask the bar was started with (under umask 000
    a fresh HOME once got ~/.cache and ~/.local/state as 0777 and the log as 0666).
    Parent dirs such as ~/.cache are made by the same calls, so they are never
    wider than 0700 either. Only bits are added to the user's umask, never removed."""
    os.umask(os.umask(0o077) | 0o077)


def main(argv: list[str] | None = None) -> int:
    private_umask()
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "_refresh":
        from llmeter_bar.fetch.worker import main as worker_main

        return worker_main(args[1:])
    if args and args[0] == "_share-publish":
        from llmeter_bar.share.hooks import main as share_main

        return share_main(args[1:])
    if args and args[0] == "_alert":
        from llmeter_bar.alerts.notify import main as alert_main

        return alert_main(args[1:])
    # Shell completion runs the bare command with this variable set: click's job.
    found = None if "_LLMETER_BAR_COMPLETE" in os.environ else parse_render_args(args)
    safe_output(bar=found is not None)
    if found is None:
        from llmeter_bar.cli.app import cli

        return cli.main(args=args, prog_name="llmeter-bar", standalone_mode=True) or 0
    if found.get("watch"):
        from llmeter_bar.live.watch_io import hold_signals

        hold_signals()
    if "config_path" in found:
        # Through the environment so the output cache key and the background
        # refresher see the same file as this render.
        from llmeter_bar import paths

        paths.name_config(str(found.pop("config_path")))
    key = args
    raw: bytes | None = None
    if found.get("format") == "claude-code" and not found.get("watch"):
        # Read stdin here, once: the cached status line is keyed by its rate limits.
        from llmeter_bar.cli import payload

        try:
            raw = payload.read(sys.stdin.fileno()) or b""  # b"": read, nothing usable
        except (AttributeError, OSError, ValueError):
            raw = b""
        key = [*args, "\x1erate_limits=" + payload.rate_limits(raw).decode("utf-8", "replace")]
    if not (found.get("wait") or found.get("demo") or found.get("debug") or found.get("watch")
            or _output_cache_off()):
        from llmeter_bar.store.fastpath import lookup

        code = lookup(key)
        if code is not None:
            return code
    from llmeter_bar.cli.show import ShowOptions, run

    argv = None if _output_cache_off() else key
    return run(ShowOptions(**found), argv=argv, raw_stdin=raw)  # type: ignore[arg-type]
