"""doctor's sharing section: the broker's state and the fix, and which instances are shared.

The only doctor check that touches the network, and only when ``[share]``
names a broker: one connection with the configured deadline.
"""

from __future__ import annotations

import time

from llmeter_bar.diagnose.checks import Check, Context


def checks(ctx: Context) -> list[Check]:
    from llmeter_bar.errors import ConfigError
    from llmeter_bar.share import identity, settings, status

    if not ctx.config.section("share").get("broker"):
        return []
    try:
        share = settings.load(ctx.config)
    except ConfigError as exc:
        return [Check("share", "config", "error", str(exc), "fix [share] in the config")]
    assert share is not None
    found: list[Check] = []
    failure = status.probe(share)
    if failure is None:
        who = f"logged in as {share.username}" if share.username else "anonymous"
        found.append(Check("share", "broker", "ok", f"{share.shown_url} answers ({who}; machine {share.machine})"))
    else:
        found.append(Check("share", "broker", "error", f"{failure.message} [{failure.kind}]",
                           f"{failure.hint}; meanwhile every machine fetches for itself"))
    last = ctx.store.get_value("share:broker") if ctx.store is not None else None
    if isinstance(last, dict) and not last.get("ok") and failure is None:
        ago = int(time.time() - float(last.get("at") or 0))
        found.append(Check("share", "last use", "warn", f"{ago} s ago: {last.get('message')}", str(last.get("hint") or "")))
    if not share.key:
        found.append(Check("share", "key", "warn", "no account key set: only instances with share_as are shared",
                           "set [share] key (the same on every machine) or run `llmeter-bar login share`"))
    for instance in ctx.instances:
        account = identity.account_key(share, instance, ctx.store)
        if account:
            found.append(Check("share", instance.key, "ok", f"shared as account {account}"))
        elif not settings.remote_only(instance.options):
            found.append(Check("share", instance.key, "warn", "not shared: no account id known for it",
                               "set share_as in its [provider] section, the same on every machine"))
    return found
