"""One fetch for all machines: take before fetch, claims, 429 waits, remote-only."""

from __future__ import annotations

import json
import time

from share.conftest import make_machine, records, usage
from support import broker as mq


def test_one_fetch_is_shared(tmp_path, broker, fake_server):
    usage(fake_server, 42)
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    desktop = make_machine(tmp_path, "desktop", broker, fake_server.url)
    assert "vendor: ok" in laptop.run("refresh").stdout
    assert fake_server.hits["/usage/vendor"] == 1
    out = desktop.run("refresh")
    assert "ok (shared by laptop)" in out.stdout, out
    assert fake_server.hits["/usage/vendor"] == 1  # no second request
    entry = desktop.json()
    assert entry["source"] == "share:laptop"
    assert entry["status"] == "ok"
    assert entry["windows"][0]["used_percent"] == 42
    assert "via share:laptop" in desktop.run("--long").stdout
    assert "via share:laptop" in json.loads(desktop.run("--format", "waybar").stdout)["tooltip"]
    published = records(mq.retained(broker))
    assert len(published) == 1
    (topic, message), = published.items()
    assert topic.startswith("llmeter/v1/") and topic.endswith("/vendor")
    assert message["machine"] == "laptop" and message["account"] is None


def test_a_429_wait_is_shared(tmp_path, broker, fake_server):
    fake_server.reply("/usage/vendor", {"error": "rate limited"}, status=429, headers={"Retry-After": "900"})
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    desktop = make_machine(tmp_path, "desktop", broker, fake_server.url)
    assert "rate_limit" in laptop.run("refresh").stdout
    assert fake_server.hits["/usage/vendor"] == 1
    out = desktop.run("refresh")
    assert "rate_limit: waiting until" in out.stdout and "shared by laptop" in out.stdout, out
    entry = desktop.json()
    assert entry["error"]["kind"] == "rate_limit"
    # The wait holds on the desktop too, even on demand: no request until it ends.
    assert "rate limited for" in desktop.run("refresh").stdout
    assert fake_server.hits["/usage/vendor"] == 1


def test_remote_only_provider_without_credentials(tmp_path, broker, fake_server):
    usage(fake_server, 17)
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    server = make_machine(tmp_path, "ssh-host", broker, "http://127.0.0.1:9", logged_in=False,
                          provider_extra='source = "share"')
    before = server.run("refresh")
    assert "no machine has shared it yet" in before.stdout, before
    assert laptop.run("refresh").returncode == 0
    out = server.run("refresh")
    assert "ok (shared by laptop)" in out.stdout, out
    entry = server.json()
    assert entry["source"] == "share:laptop" and entry["windows"][0]["used_percent"] == 17
    assert fake_server.hits["/usage/vendor"] == 1


def test_remote_only_without_a_broker_says_so(tmp_path, fake_server):
    from support import e2e

    root = tmp_path / "m"
    (root / "config").mkdir(parents=True)
    (root / "config" / "config.toml").write_text(
        '[general]\nproviders = ["claude"]\n[provider.claude]\nsource = "share"\n')
    env = e2e.isolated_env(root)
    out = e2e.run("refresh", env=env)
    assert 'source = "share" needs a broker in [share]' in out.stdout
    assert fake_server.hits == {}


def test_a_fresh_local_fetch_is_not_retaken(tmp_path, broker, fake_server):
    """On demand, a machine holding the newest figures fetches instead of taking its own."""
    usage(fake_server, 5)
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    laptop.run("refresh")
    usage(fake_server, 6)
    out = laptop.run("refresh")
    assert "vendor: ok" in out.stdout and "shared" not in out.stdout
    assert fake_server.hits["/usage/vendor"] == 2
    assert records(mq.retained(broker)).popitem()[1]["windows"][0]["used_percent"] == 6


def test_claims_keep_simultaneous_machines_to_one_request(tmp_path, broker, fake_server):
    """Three machines due at the same moment: the claim lets one fetch."""
    import threading

    usage(fake_server, 33)
    fake_server.replies["/usage/vendor"].delay = 0.5
    machines = [make_machine(tmp_path, f"m{i}", broker, fake_server.url) for i in range(3)]
    results: dict[str, str] = {}
    threads = [threading.Thread(target=lambda m=m: results.__setitem__(m.name, m.run("refresh").stdout))
               for m in machines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fake_server.hits["/usage/vendor"] == 1, results
    # The two others took the winner's record, or (on a very slow machine) gave up
    # waiting for it without fetching; then their next refresh takes it.
    assert sum("shared by" in line or "is fetching it" in line for line in results.values()) == 2, results
    for machine in machines:
        if "is fetching it" in results[machine.name]:
            assert "shared by" in machine.run("refresh").stdout
        assert machine.json()["windows"][0]["used_percent"] == 33
    assert fake_server.hits["/usage/vendor"] == 1


def test_a_live_claim_holds_a_fetch_and_an_expired_one_does_not(tmp_path, broker, fake_server):
    """Another machine's claim: wait for its record (fetch nothing); once the claim
    has expired (its holder died), fetch."""
    from llmeter_bar.share import wire

    usage(fake_server, 3)
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    laptop.run("refresh")
    (topic,) = records(mq.retained(broker))
    desktop = make_machine(tmp_path, "desktop", broker, fake_server.url)
    mq.put(broker, topic + "/claim", wire.claim("ghost", "nonce-1", time.time() + 2.5))
    mq.put(broker, topic, b"")  # no record to take meanwhile
    started = time.monotonic()
    out = desktop.run("refresh")
    assert "skipped: ghost is fetching it" in out.stdout, out
    assert 1.5 < time.monotonic() - started < 6
    assert fake_server.hits["/usage/vendor"] == 1
    time.sleep(max(0.0, started + 2.7 - time.monotonic()))
    assert "vendor: ok" in desktop.run("refresh").stdout  # the claim expired: fetch
    assert fake_server.hits["/usage/vendor"] == 2
    assert mq.retained(broker).get(topic + "/claim") is None  # and its own claim is cleared


def test_use_remote_off_always_fetches_but_still_publishes(tmp_path, broker, fake_server):
    usage(fake_server, 4)
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    loner = make_machine(tmp_path, "loner", broker, fake_server.url, extra_share="use_remote = false")
    laptop.run("refresh")
    out = loner.run("refresh")
    assert "vendor: ok" in out.stdout and "shared" not in out.stdout, out
    assert fake_server.hits["/usage/vendor"] == 2
    assert records(mq.retained(broker)).popitem()[1]["machine"] == "loner"
