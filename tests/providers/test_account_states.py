"""A disabled account, a plan without quota and an invalid key: each its own message,
with the fix, in --format json and in doctor; and `login` for the typed keys. Through
the installed command against a local server."""

from __future__ import annotations

import json

import pytest

from llmeter_bar.store import credstore
from support import cli

CASES = {
    "deepseek": ("/user/balance", 200, {"is_available": False, "balance_infos": [
        {"currency": "USD", "total_balance": "0.00", "granted_balance": "0.00", "topped_up_balance": "0.00"}]},
        "topup", "top up at https://platform.deepseek.com/top_up"),
    "synthetic": ("/v2/quotas", 200, {}, "none", "subscribe at https://synthetic.new"),
    "factory": ("/api/billing/limits", 401, {"detail": "invalid api key"}, "auth",
                "run `llmeter-bar login factory`"),
}
ENV = {"DEEPSEEK_API_KEY": "sk-ds-SCRUB-1", "SYNTHETIC_API_KEY": "syn_SCRUB_2", "FACTORY_API_KEY": "fk-SCRUB-3"}


@pytest.mark.parametrize("provider", sorted(CASES))
def test_each_state_says_what_to_do_in_json_and_doctor(provider: str, fake_server, write_config) -> None:
    path, status, body, label, fix = CASES[provider]
    fake_server.reply(path, body, status=status)
    write_config(f'[general]\nproviders = ["{provider}"]\n[provider.{provider}]\nbase_url = "{fake_server.url}"\n')
    done = cli.run("--format", "json", "--wait", **ENV)
    [shown] = json.loads(done.stdout)["providers"]
    assert shown["status"] == "error" and shown["error"]["label"] == label
    assert fix in shown["error"]["message"]
    doctor = json.loads(cli.run("doctor", "--format", "json", **ENV).stdout)
    [check] = [c for c in doctor["checks"] if c["name"] == provider and "last fetch" in c["message"]]
    assert fix in check["message"] and check["hint"]
    tmux = cli.run("--format", "tmux", **ENV)
    assert tmux.returncode == 0 and f"!{label}" in tmux.stdout
    assert not any(secret in done.stdout + tmux.stdout + json.dumps(doctor) for secret in ENV.values())


@pytest.mark.parametrize(("provider", "path", "body"), [
    ("deepseek", "/user/balance", {"is_available": True, "balance_infos": [
        {"currency": "CNY", "total_balance": "5.00", "granted_balance": "0", "topped_up_balance": "5.00"}]}),
    ("synthetic", "/v2/quotas", {"rollingFiveHourLimit": {"remaining": 50, "max": 100}}),
    ("factory", "/api/billing/limits", {"usesTokenRateLimitsBilling": True, "limits": {"standard": {
        "weekly": {"usedPercent": 10, "secondsRemaining": 600}}}}),
])
def test_login_checks_the_key_then_stores_it(provider: str, path: str, body: dict, fake_server, write_config) -> None:
    key = f"{provider}-typed-SCRUB-0123456789"
    write_config(f'[provider.{provider}]\nbase_url = "{fake_server.url}"\n')
    fake_server.reply(path, {"error": "bad key"}, status=401)
    refused = cli.run("login", provider, "--key-stdin", input="wrong-key\n")
    assert refused.returncode != 0 and "nothing was stored" in refused.stderr
    fake_server.reply(path, body)
    done = cli.run("login", provider, "--key-stdin", input=key + "\n")
    assert done.returncode == 0, done.stderr
    assert credstore.get(provider, None)["api_key"] == key
    assert fake_server.requests[-1][1]["Authorization"] == f"Bearer {key}"
    listed = cli.run("providers")
    assert any(line.startswith(f"* {provider}") and "store" in line for line in listed.stdout.splitlines())
    assert key not in done.stderr + listed.stdout
