"""Out-of-range figures from a broken upstream are rejected, never shown as nonsense."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from llmeter_bar.errors import FetchError
from llmeter_bar.providers import _money
from llmeter_bar.providers.anthropic_api import AnthropicApi
from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.providers.gemini import Gemini
from llmeter_bar.providers.openrouter import OpenRouter

NOW = datetime(2026, 5, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize("fraction", [-5, -0.01, 1.5, 150])
def test_gemini_fraction_outside_zero_to_one_is_unknown(fraction):
    payload = {"buckets": [{"modelId": "gemini-2.5-pro", "remainingFraction": fraction}]}
    with pytest.raises(FetchError) as caught:
        Gemini().parse(payload, ProviderSettings(id="gemini"))
    assert caught.value.kind == "parse"


def test_gemini_keeps_the_sane_bucket_next_to_a_nonsense_one():
    payload = {"buckets": [{"modelId": "gemini-2.5-pro", "remainingFraction": -5},
                           {"modelId": "gemini-2.5-flash", "remainingFraction": 0.25}]}
    result = Gemini().parse(payload, ProviderSettings(id="gemini"))
    assert [(w.id, w.used_percent) for w in result.windows] == [("flash", 75.0)]


def test_negative_monthly_spend_is_a_parse_error_not_minus_dollars():
    with pytest.raises(FetchError) as caught:
        _money.monthly_cost(ProviderSettings(id="openai-api"), -5.0, NOW)
    assert caught.value.kind == "parse" and "negative spend" in caught.value.message
    assert _money.monthly_cost(ProviderSettings(id="openai-api"), 0.0, NOW).used == 0.0


def test_negative_cost_report_and_usage_are_rejected():
    page = {"data": [{"results": [{"amount": "-500", "currency": "USD"}]}], "has_more": False}
    with pytest.raises(FetchError, match="negative spend"):
        AnthropicApi().parse(page, ProviderSettings(id="anthropic-api"), NOW)
    key = {"data": {"usage_monthly": -5, "limit": None}}
    with pytest.raises(FetchError, match="negative spend"):
        OpenRouter().parse({"key": key, "credits": None}, ProviderSettings(id="openrouter"), NOW)


def test_binary_gemini_credentials_are_an_auth_error_not_a_crash(tmp_path):
    from llmeter_bar.providers import gemini_auth

    path = tmp_path / "oauth_creds.json"
    path.write_bytes(b"\xff\xfe\x00binary\x00" * 20)
    with pytest.raises(FetchError) as caught:
        gemini_auth.read_creds(ProviderSettings(id="gemini", options={"credentials_file": str(path)}))
    assert caught.value.kind == "auth" and str(path) in caught.value.message


def test_binary_copilot_plugin_file_is_a_config_error_not_a_crash(tmp_path):
    from llmeter_bar.providers import copilot_creds

    path = tmp_path / "apps.json"
    path.write_bytes(b"\xff\xfe\x00binary\x00" * 20)
    with pytest.raises(FetchError) as caught:
        copilot_creds._from_file(path)
    assert caught.value.kind == "config" and "not valid JSON" in caught.value.message


def test_a_failing_log_write_prints_nothing_on_stderr(tmp_path, monkeypatch, capfd):
    import logging

    from llmeter_bar import logs

    class Full(logging.Handler):
        def emit(self, record):
            try:
                raise OSError(28, "No space left on device")
            except OSError:
                self.handleError(record)

    monkeypatch.setattr(logs, "_file_handler", lambda: Full())
    monkeypatch.setattr(logging, "raiseExceptions", True)
    logs.set_debug(False)
    monkeypatch.delenv("LLMETER_BAR_DEBUG", raising=False)
    logs.warning("disk full: %s", "x")
    logs.set_debug(False)
    assert capfd.readouterr().err == ""
