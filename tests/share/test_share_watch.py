"""A --watch process shows what another machine publishes at once, with no fetch of its own."""

from __future__ import annotations

import time

from share.conftest import make_machine, usage
from support.watcher import Watcher


def test_watcher_prints_a_record_published_by_another_machine(tmp_path, broker, fake_server):
    usage(fake_server, 40)
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    desktop = make_machine(tmp_path, "desktop", broker, fake_server.url)
    laptop.run("refresh")
    with Watcher("--format", "tmux", **desktop.env) as watcher:
        watcher.until(lambda line: "40%" in line, timeout=10)
        usage(fake_server, 77)
        time.sleep(0.5)  # let the subscription settle after the first line
        assert "vendor: ok" in laptop.run("refresh").stdout
        published = time.monotonic()
        line = watcher.until(lambda line: "77%" in line, timeout=5)
        delay = time.monotonic() - published
        assert "77%" in line
        print(f"\nwatcher push: new line {delay:.2f} s after the other machine's refresh returned")
        assert delay < 2.5
    assert fake_server.hits["/usage/vendor"] == 2  # both fetches were the laptop's


def test_watcher_survives_the_broker_going_away_and_listens_again(tmp_path, broker, fake_server):
    usage(fake_server, 40)
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    desktop = make_machine(tmp_path, "desktop", broker, fake_server.url)
    laptop.run("refresh")
    with Watcher("--format", "tmux", **desktop.env) as watcher:
        watcher.until(lambda line: "40%" in line, timeout=10)
        broker.stop()
        time.sleep(0.5)
        assert watcher.proc.poll() is None  # still running, stderr untouched
        broker.start()
        usage(fake_server, 55)
        assert "vendor: ok" in laptop.run("refresh").stdout
        watcher.until(lambda line: "55%" in line, timeout=15)  # resubscribed (2 s, then 4 s pauses)
    assert watcher.stderr_text() == ""
    assert fake_server.hits["/usage/vendor"] == 2
