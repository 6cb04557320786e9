"""The default command: print one segment, served from the cache, or keep printing
with ``--watch`` (live/watch.py). Whatever goes wrong, a bar format still prints one
line and exits 0; the details go to the log.
"""

from __future__ import annotations

import os
import sys
from typing import IO, TYPE_CHECKING

from llmeter_bar import logs
from llmeter_bar.cli.segment import ShowOptions, isatty, render_once

if TYPE_CHECKING:
    from llmeter_bar.render.base import Renderer
    from llmeter_bar.store.cache import Store

__all__ = ["ShowOptions", "run"]


def run(opts: ShowOptions, stdout: IO[str] | None = None, stdin: IO[str] | None = None,
        argv: list[str] | None = None, store: Store | None = None, raw_stdin: bytes | None = None) -> int:
    """Render once, or keep rendering with ``opts.watch``. ``argv`` (the raw render
    arguments) enables the output cache; ``store`` is a cache the caller already
    opened (this function closes it)."""
    from llmeter_bar import render

    stdout = stdout or sys.stdout
    logs.set_debug(opts.debug)
    if opts.config_path is not None:
        # Through the environment so the background refresher reads the same file.
        from llmeter_bar import paths

        paths.name_config(str(opts.config_path))
    try:
        renderer: Renderer = render.load(opts.format)
    except KeyError:
        known = ", ".join(sorted(render.FORMATS))
        print(f"llmeter-bar: unknown format '{opts.format}' (known: {known})", file=sys.stderr)
        if store is not None:
            store.close()
        return 2
    if opts.watch:
        from llmeter_bar.live.watch import watch

        if store is not None:
            store.close()  # a watcher opens its own and keeps it
        return watch(opts, renderer)
    horizon: list[float] = []
    try:
        rendered, store = render_once(opts, renderer, store, horizon, argv=argv, stdin=stdin or sys.stdin,
                                      raw_stdin=raw_stdin,
                                      tty=isatty(stdout))
    finally:
        if store is not None:
            store.close()
    try:
        stdout.write(rendered.text + "\n")
        stdout.flush()
    except (BrokenPipeError, ValueError):
        pass  # the host went away; nothing useful left to do
    return rendered.exit_code
