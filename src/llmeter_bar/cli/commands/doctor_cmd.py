"""``llmeter-bar doctor``: explain every broken setup; exit 1 only when something is broken."""

from __future__ import annotations

import os
import sys

import click


def _unicode_ok() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    return encoding in ("utf8", "utf8sig")


@click.command(help=(
    "Check credentials, last fetches, rate-limit waits, config, cache, log and credential store, and the "
    "status bars found in PATH; print a hint for each problem. Never fetches unless --fetch is given. "
    "Exit status 1 when something is broken (warnings alone exit 0)."
))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for scripts (see docs/doctor.md).")
@click.option("--fetch", is_flag=True, help="Fetch every provider once (honouring 429 waits) before checking.")
@click.option("--no-color", is_flag=True, help="No colours (NO_COLOR is honoured too).")
@click.pass_context
def doctor(ctx: click.Context, fmt: str, fetch: bool, no_color: bool) -> None:
    from llmeter_bar import diagnose
    from llmeter_bar.diagnose import output

    try:
        report = diagnose.run(fetch=fetch)
    except Exception as exc:  # the checks are guarded one by one; this is the last resort
        from llmeter_bar import logs

        logs.exception("doctor failed")
        report = diagnose.Report(checks=[diagnose.Check("doctor", "run", "error", f"doctor crashed: {exc!r}",
                                                        "please report it; the traceback is in the log file")])
    if fmt == "json":
        click.echo(output.as_json(report))
    else:
        color = sys.stdout.isatty() and not no_color and not os.environ.get("NO_COLOR")
        click.echo(output.human(report, output.Style(unicode=_unicode_ok(), color=color)), color=color)
    ctx.exit(0 if report.ok else 1)
