"""``llmeter-bar share status|forget``: what is on the broker, and removing this machine's part."""

from __future__ import annotations

import time

import click


def _share():  # type: ignore[no-untyped-def]
    from llmeter_bar.config import load
    from llmeter_bar.errors import LlmeterError
    from llmeter_bar.share import settings

    try:
        config = load()
        found = settings.load(config)
    except LlmeterError as exc:
        raise click.ClickException(str(exc)) from None
    if found is None:
        raise click.ClickException('sharing is off: add [share] broker = "mqtt://HOST" to the config')
    return config, found


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


@click.group(help="Sharing one fetch between machines over an MQTT broker.")
def share() -> None:
    pass


@share.command("status", help="The broker, this machine's account keys, and who last fetched each provider.")
def share_status() -> None:
    from llmeter_bar.fetch import engine
    from llmeter_bar.share import client, identity, status
    from llmeter_bar.store.cache import Store

    config, found = _share()
    click.echo(f"broker   {found.shown_url} (machine {found.machine}, topic {found.topic})")
    click.echo(f"         publish {'on' if found.publish else 'off'}, use_remote {'on' if found.use_remote else 'off'}, "
               f"home_assistant {'on' if found.home_assistant else 'off'}, key {'set' if found.key else 'not set'}")
    try:
        store: Store | None = Store()
    except Exception:
        store = None
    try:
        mine: dict[str, list[str]] = {}
        for settings in engine.select(config, store, None):
            account = identity.account_key(found, settings, store)
            label = account or "not shared (no account id: set share_as, or [share] key)"
            click.echo(f"local    {settings.key:<16} account {label}")
            if account:
                mine.setdefault(account, []).append(settings.key)
    finally:
        if store is not None:
            store.close()
    try:
        snap = status.snapshot(found)
    except client.BrokerError as exc:
        raise click.ClickException(f"{exc.message} ({exc.hint})") from None
    if not snap.records:
        click.echo("broker   no shared records yet")
    now = time.time()
    for seen in snap.records:
        here = f" (here: {', '.join(mine[seen.account])})" if seen.account in mine else ""
        when = _age(now - seen.fetched_at) if seen.fetched_at else "no figures"
        wait = f", rate limited until {time.strftime('%H:%M:%S', time.localtime(seen.waiting_until))}" \
            if seen.waiting_until > now else ""
        click.echo(f"shared   {seen.provider:<16} account {seen.account}{here}: fetched by {seen.machine} {when}{wait}")
    if snap.refused:
        click.echo(f"ignored  {snap.refused} malformed message(s) on the broker")


@share.command("forget", help="Remove this machine's retained messages from the broker.")
def share_forget() -> None:
    from llmeter_bar.share import client, status

    _, found = _share()
    try:
        cleared = status.forget(found)
    except client.BrokerError as exc:
        raise click.ClickException(f"{exc.message} ({exc.hint})") from None
    for topic in cleared:
        click.echo(f"removed  {topic}")
    click.echo(f"{len(cleared)} retained message(s) of {found.machine} removed from {found.shown_url}")
