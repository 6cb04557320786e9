"""One fetch for all machines: take before fetch, claims, 429 waits, remote-only."""

from __future__ import annotations

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
    published = records(mq.retained(broker))
    assert len(published) == 1
    (topic, message), = published.items()
    assert topic.startswith("llmeter/v1/") and topic.endswith("/vendor")
    assert message["machine"] == "laptop" and message["account"] is None
