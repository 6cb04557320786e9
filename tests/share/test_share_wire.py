"""The checks on what comes from the broker, and account keys (no broker needed)."""

from __future__ import annotations

import json
import time

import pytest

from llmeter_bar.providers.base import ProviderSettings
from llmeter_bar.share import identity, settings, wire
from llmeter_bar.config import Config
from llmeter_bar.errors import ConfigError

NOW = time.time()


def good(**changes):
    entry = {"id": "claude", "name": "Claude", "machine": "laptop",
             "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - 10)),
             "windows": [{"id": "five_hour", "label": "5h", "used_percent": 12.5}]}
    entry.update(changes)
    return json.dumps(entry).encode()


def test_a_good_record_is_taken_with_its_figures():
    remote = wire.parse_record(good(), "claude", NOW)
    assert remote.machine == "laptop" and remote.result.windows[0].used_percent == 12.5
    assert abs(remote.fetched_at - (NOW - 10)) < 1.5 and remote.not_before == 0


@pytest.mark.parametrize("payload, why", [
    (b"x" * (wire.MAX_BYTES + 1), "bytes"),
    (b"\xff", "not JSON"),
    (b"[1]", "not a JSON object"),
    (good(id="codex"), "not 'claude'"),
    (good(machine=""), "no machine"),
    (good(windows=[{"id": "a", "used_percent": "lots"}]), "finite"),
    (b'{"id": "claude", "machine": "m", "windows": [{"id": "a", "used_percent": Infinity}]}', "not JSON"),
    (good(fetched_at="2999-01-01T00:00:00Z"), "future"),
    (good(windows=[]), "no figures"),
    (good(windows=[{"id": str(i), "used_percent": 1} for i in range(50)]), "short list"),
    (good(cost="free"), "cost"),
])
def test_hostile_records_are_refused(payload, why):
    with pytest.raises(wire.Refused, match=why):
        wire.parse_record(payload, "claude", NOW)


def test_strings_are_cut_and_stripped_of_controls_and_a_wait_is_capped():
    remote = wire.parse_record(good(plan="max\x1b[31m\u202e" + "p" * 500, machine="a b;c\x07",
                                    not_before="2999-01-01T00:00:00Z"), "claude", NOW)
    assert remote.result.plan == "max[31m" + "p" * 33  # 40 characters at most
    assert remote.machine == "a-b-c"
    assert remote.not_before <= NOW + wire.MAX_WAIT


def test_claims_expire_and_implausible_ones_are_ignored():
    assert wire.parse_claim(wire.claim("m", "n1", NOW + 5), NOW).nonce == "n1"
    assert wire.parse_claim(wire.claim("m", "n1", NOW - 1), NOW) is None
    assert wire.parse_claim(wire.claim("m", "n1", NOW + 10**6), NOW) is None
    assert wire.parse_claim(b"", NOW) is None and wire.parse_claim(b"{]", NOW) is None


def share_with(key: str | None) -> settings.Share:
    config = Config(data={"share": {"broker": "mqtt://u@h", "key": key} if key else {"broker": "mqtt://h"}})
    found = settings.load(config)
    assert found is not None
    return found


def test_account_keys_agree_across_machines_and_never_collide(monkeypatch):
    ids = {"claude": "uuid-A"}
    monkeypatch.setitem(identity.LOCAL_IDS, "claude", lambda s: ids["claude"])
    claude = ProviderSettings(id="claude")
    first = identity.account_key(share_with("k1"), claude, None)
    assert first == identity.account_key(share_with("k1"), claude, None)  # another machine, same key
    assert len(first) == 32 and "uuid" not in first
    ids["claude"] = "uuid-B"
    assert identity.account_key(share_with("k1"), claude, None) != first  # another account
    ids["claude"] = "uuid-A"
    assert identity.account_key(share_with("k2"), claude, None) != first  # another user's key
    assert identity.account_key(share_with(None), claude, None) is None  # no key: not shared
    named = ProviderSettings(id="claude", options={"share_as": "Team Work!"})
    assert identity.account_key(share_with(None), named, None) == "as-team-work"


def test_broker_urls_and_topics_are_checked():
    with pytest.raises(ConfigError, match="mqtt:// or mqtts://"):
        settings.load(Config(data={"share": {"broker": "http://h"}}))
    with pytest.raises(ConfigError, match="share.topic"):
        settings.load(Config(data={"share": {"broker": "mqtt://h", "topic": "a/#"}}))
    found = settings.load(Config(data={"share": {"broker": "mqtts://me:inline-PASS-123@h"}}))
    assert found is not None and found.port == 8883 and found.tls and found.username == "me"
    assert found.password is None and "inline-PASS" not in found.shown_url
