"""``login`` and ``logout``: put credentials into (and take them out of) llmeter-bar's store.

These are interactive commands, so messages go to the terminal normally. No
secret is ever echoed: keys are read without echo (or from stdin with
``--key-stdin``), validated with one real call, and stored only when accepted.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import click

from llmeter_bar.errors import FetchError, LlmeterError
from llmeter_bar.store import credstore

API_KEYS = ("anthropic-api", "openai-api", "openrouter", "azure-openai", "zai", "kimi", "minimax", "ollama",
            "deepseek", "factory", "synthetic")
# Cookie logins keep only the cookie the provider needs, never the whole browser jar.
COOKIES: dict[str, tuple[str, ...]] = {
    "cursor": ("WorkosCursorSessionToken", "__Secure-next-auth.session-token", "next-auth.session-token"),
    "opencode": ("auth",),
}
ALIASES = credstore.SHARED
SHARE = "share"  # not a provider: the MQTT broker's password and the account key (share/)
LOGIN_IDS = sorted(("copilot", *API_KEYS, *COOKIES, *ALIASES, SHARE))


def _settings(provider_id: str, account: str | None) -> Any:
    """The configured settings (base_url, timeout) of this account, defaults if the config is broken."""
    from llmeter_bar import config
    from llmeter_bar.providers.base import ProviderSettings

    try:
        return config.load().settings_for(provider_id, account)
    except LlmeterError:
        return ProviderSettings(id=provider_id, instance=account)


def _read_secret(what: str, key_stdin: bool) -> str:
    from llmeter_bar import logs

    value = sys.stdin.readline() if key_stdin else click.prompt(what, hide_input=True, err=True)
    value = value.strip()
    if not value:
        raise click.ClickException(f"no {what.lower()} given")
    logs.register_secret(value)
    return value


async def _validate(provider_id: str, settings: Any, key: str, resource: str | None) -> None:
    import aiohttp

    from llmeter_bar import providers

    provider: Any = providers.load(provider_id)
    async with aiohttp.ClientSession() as session:
        if provider_id == "azure-openai":
            await provider.check_key(session, settings, key, resource)
        else:
            await provider.fetch_with_key(session, settings, key)


def _login_api_key(provider_id: str, account: str | None, key_stdin: bool, resource: str | None) -> None:
    entry: dict[str, Any] = {}
    if provider_id == "azure-openai":
        resource = resource or os.environ.get("AZURE_OPENAI_RESOURCE") or (
            None if key_stdin else click.prompt("Azure OpenAI resource name", err=True)
        )
        if not resource:
            raise click.ClickException("an Azure OpenAI resource name is needed: --resource NAME")
        entry["resource"] = resource.strip()
    key = _read_secret("API key", key_stdin)
    click.echo(f"Checking the key with {provider_id}...", err=True)
    try:
        asyncio.run(_validate(provider_id, _settings(provider_id, account), key, entry.get("resource")))
    except FetchError as exc:
        # A parse error comes after a 2xx: the key was accepted, only the answer was odd.
        if exc.kind != "parse":
            why = "the key was rejected" if exc.kind == "auth" else "the key could not be checked"
            raise click.ClickException(f"{why} ({exc.message}); nothing was stored") from None
        click.echo(f"warning: key accepted but the answer was unexpected: {exc.message}", err=True)
    entry["api_key"] = key
    credstore.put(provider_id, account, entry)


def _login_cookie(store_id: str, account: str | None, key_stdin: bool) -> None:
    from llmeter_bar import logs
    from llmeter_bar.providers._money import cookie_value

    if not key_stdin:
        click.echo("Paste the Cookie request header from your browser's developer tools (input is hidden).", err=True)
    raw = _read_secret("Cookie header", key_stdin)
    names = COOKIES[store_id]
    found = cookie_value(raw, names)
    if found is None:
        raise click.ClickException(f"no {' or '.join(names)} cookie in what was pasted; nothing was stored")
    logs.register_secret(found[1])
    credstore.put(store_id, account, {"cookie": f"{found[0]}={found[1]}"})


def _login_copilot(account: str | None, github_url: str) -> None:
    import aiohttp

    from llmeter_bar.cli.commands import device_flow

    async def flow() -> str:
        async with aiohttp.ClientSession() as session:
            code = await device_flow.request_code(session, github_url)
            click.echo(f"Open {code.verification_uri} and enter the code: {code.user_code}", err=True)
            click.echo("Waiting for the authorisation...", err=True)
            return await device_flow.poll_token(session, github_url, code)

    token = asyncio.run(flow())
    credstore.put("copilot", account, {"token": token})


# The ids listed whole, one per line: click wraps a choice list in the usage
# line at hyphens ("openai-" / "api").
_IDS_EPILOG = "\b\nPROVIDER is one of:\n" + "\n".join(f"  {i}" for i in LOGIN_IDS)


@click.command(epilog=_IDS_EPILOG)
@click.argument("provider", type=click.Choice(LOGIN_IDS), metavar="PROVIDER")
@click.option("--account", metavar="NAME", help="Store under this account name (several logins side by side).")
@click.option("--key-stdin", is_flag=True, help="Read the key or cookie from stdin instead of prompting.")
@click.option("--resource", metavar="NAME", help="Azure OpenAI resource name (default: $AZURE_OPENAI_RESOURCE).")
@click.option("--github-url", envvar="LLMETER_BAR_GITHUB_URL", default="https://github.com", hidden=True)
def login(provider: str, account: str | None, key_stdin: bool, resource: str | None, github_url: str) -> None:
    """Log in to PROVIDER and keep the credential in llmeter-bar's private store."""
    store_id = ALIASES.get(provider, provider)
    try:
        if store_id == SHARE:
            _login_share(key_stdin)
            click.echo("Stored the broker password and the account key for sharing.", err=True)
            return
        if store_id == "copilot":
            _login_copilot(account, github_url)
        elif store_id in COOKIES:
            _login_cookie(store_id, account, key_stdin)
        else:
            _login_api_key(store_id, account, key_stdin, resource)
    except click.ClickException:
        raise
    except LlmeterError as exc:
        from llmeter_bar import logs

        raise click.ClickException(logs.redact(str(exc))) from None
    except KeyboardInterrupt:
        raise click.ClickException("login cancelled; nothing was stored") from None
    credstore.changed(store_id, account)
    suffix = f" (account {account})" if account else ""
    click.echo(f"Logged in to {store_id}{suffix}.", err=True)


def _login_share(key_stdin: bool) -> None:
    """The broker password (checked against the broker when one is configured) and
    the key that turns account ids into account keys, the same on every machine."""
    import secrets

    from llmeter_bar import config, logs
    from llmeter_bar.store import credstore

    password = _read_secret("Broker password", key_stdin)
    if key_stdin:
        key = sys.stdin.readline().strip()
    else:
        key = click.prompt("Account key (the same on every machine; empty: keep or make one)", hide_input=True,
                           default="", show_default=False, err=True).strip()
    previous = credstore.get("share") or {}
    if not key and not previous.get("key"):
        key = secrets.token_urlsafe(24)
        click.echo(f"New account key (enter it on your other machines with `llmeter-bar login share`): {key}",
                   err=True)
    key = key or previous.get("key", "")
    logs.register_secret(key)
    try:
        from llmeter_bar.share import settings, status

        share = settings.load(config.load())
    except LlmeterError:
        share = None
    if share is not None:
        share.password = password
        failure = status.probe(share)
        if failure is not None and failure.kind == "auth":
            raise click.ClickException(f"{failure.message}; nothing was stored")
        if failure is not None:
            click.echo(f"warning: could not check the password: {failure.message}", err=True)
    credstore.put("share", None, {"password": password, "key": key})


@click.command(epilog=_IDS_EPILOG)
@click.argument("provider", type=click.Choice(LOGIN_IDS), metavar="PROVIDER")
@click.option("--account", metavar="NAME", help="The account to forget (default: the unnamed one).")
def logout(provider: str, account: str | None) -> None:
    """Forget the stored credential of PROVIDER (environment variables are not touched)."""
    store_id = ALIASES.get(provider, provider)
    try:
        removed = credstore.delete(store_id, account)
    except LlmeterError as exc:
        raise click.ClickException(str(exc)) from None
    if removed:
        credstore.changed(store_id, account)
    suffix = f" (account {account})" if account else ""
    click.echo(f"{'Logged out of' if removed else 'Nothing stored for'} {store_id}{suffix}.", err=True)
