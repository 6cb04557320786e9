"""``llmeter-bar ingest claude-code``: feed the cache from a status-line payload."""

from __future__ import annotations

import sys

import click


@click.group(help="Store data that other programs hand over, without any fetch.")
def ingest() -> None:
    pass


@ingest.command("claude-code", help=(
    "Read Claude Code's status-line JSON on stdin and store its rate limits as the claude "
    "result. Prints nothing; for status-line scripts of your own: "
    "`input=$(cat); echo \"$input\" | llmeter-bar ingest claude-code`."
))
@click.option("--account", default=None, help="The configured claude account these limits belong to.")
def ingest_claude_code(account: str | None) -> None:
    from llmeter_bar.fetch import ingest as ingest_mod
    from llmeter_bar import logs
    from llmeter_bar.store.cache import Store
    from llmeter_bar.config import load
    from llmeter_bar.cli.segment import _read_stdin

    try:
        # Bounded in size and time, as a render reads it: a status-line script that
        # pipes an endless stream must not hang or grow.
        payload = _read_stdin(sys.stdin)
        if isinstance(payload, dict):
            store = Store()
            try:
                ingest_mod.claude_code(payload, load(), store, account)
            finally:
                store.close()
    except Exception:
        # Called from other people's status-line scripts: never break them.
        logs.exception("ingest claude-code failed")
