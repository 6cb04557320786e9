"""Azure OpenAI: key validation, the usage probe, a clear 'unavailable', credentials."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from support.fixtures import load_fixture
from llmeter_bar.store import credstore
from llmeter_bar.errors import FetchError, NotConfigured
from llmeter_bar.providers.azure_openai import AzureOpenAI
from llmeter_bar.providers.base import ProviderSettings

KEY = "azure-FAKE-key-0123456789abcdef"
MODELS = re.compile(r"^https://myres\.openai\.azure\.com/openai/models\?api-version=2024-06-01$")
USAGE = re.compile(r"^https://myres\.openai\.azure\.com/openai/usage\?api-version=2024-06-01$")
provider = AzureOpenAI()



def test_usage_fixture() -> None:
    fixture = load_fixture("azure_openai", "usage_totals")
    result = provider.parse(fixture["payload"], ProviderSettings(id="azure-openai"))
    assert result.plan == "150,000 tokens, 50 requests" and result.windows == []
    limited = provider.parse(fixture["payload"], ProviderSettings(id="azure-openai", options={"token_limit": 600000}))
    assert limited.windows[0].used_percent == 25.0


@pytest.mark.parametrize("payload", [{}, {"data": []}, [], "x"])
def test_nothing_offered_is_unavailable(payload: Any) -> None:
    with pytest.raises(FetchError) as info:
        provider.parse(payload, ProviderSettings(id="azure-openai"))
    assert info.value.kind == "unavailable" and "Azure" in info.value.message


async def test_fetch_validates_then_reports_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_RESOURCE", "myres")
    with aioresponses() as mocked:
        mocked.get(MODELS, payload={"data": [{"id": "gpt-4o"}]})
        mocked.get(USAGE, status=404, body="Resource not found")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await provider.fetch(session, ProviderSettings(id="azure-openai"))
    assert info.value.kind == "unavailable" and info.value.label == "n/a"
    calls = [c for items in mocked.requests.values() for c in items]
    assert all(c.kwargs["headers"]["api-key"] == KEY for c in calls) and len(calls) == 2


async def test_fetch_with_usage() -> None:
    credstore.put("azure-openai", None, {"api_key": KEY, "resource": "myres"})
    with aioresponses() as mocked:
        mocked.get(MODELS, payload={"data": []})
        mocked.get(USAGE, payload=load_fixture("azure_openai", "usage_totals")["payload"])
        async with aiohttp.ClientSession() as session:
            result = await provider.fetch(session, ProviderSettings(id="azure-openai"))
    assert result.kind == "api" and "150,000" in result.plan


@pytest.mark.parametrize(("status", "kind"), [(401, "auth"), (403, "auth"), (429, "rate_limit"), (500, "unavailable")])
async def test_bad_key_statuses(status: int, kind: str) -> None:
    with aioresponses() as mocked:
        mocked.get(MODELS, status=status, body=f"key {KEY} refused")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(FetchError) as info:
                await provider.fetch_with_key(session, ProviderSettings(id="azure-openai"), KEY, "myres")
    assert info.value.kind == kind and KEY not in str(info.value)


@pytest.mark.parametrize("resource", ["evil.com/x", "a b", "x@y"])
async def test_resource_name_must_be_a_name(resource: str) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(FetchError) as info:
            await provider.fetch_with_key(session, ProviderSettings(id="azure-openai"), KEY, resource)
    assert info.value.kind == "config"


async def test_missing_resource_or_key_is_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NotConfigured):
            await provider.fetch(session, ProviderSettings(id="azure-openai"))
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
        with pytest.raises(NotConfigured):
            await provider.fetch(session, ProviderSettings(id="azure-openai"))


def test_env_resource_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    credstore.put("azure-openai", None, {"api_key": KEY, "resource": "stored"})
    settings = ProviderSettings(id="azure-openai", options={"resource": "configured"})
    assert provider.resource(ProviderSettings(id="azure-openai")) == "stored"
    assert provider.resource(settings) == "configured"
    monkeypatch.setenv("AZURE_OPENAI_RESOURCE", "fromenv")
    assert provider.resource(settings) == "fromenv"
