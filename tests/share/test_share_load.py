"""The measurement the issue asks for: three machines on one account, each
rendering on a timer for ten provider intervals. Upstream requests per interval
must average at most 1.1 and never exceed 2 (without sharing it would be 3).

Scaled down in time so that it runs in about half a minute: the test vendor's
interval is INTERVAL seconds and each machine renders every RENDER seconds (the
ratio of a bar rendering every 5 s with a provider interval of about 15 s).
"""

from __future__ import annotations

import os
import threading
import time

from share.conftest import make_machine, usage
from support import broker as mq

# Overridable for a longer run by hand: SHARE_LOAD_INTERVAL=15 SHARE_LOAD_RENDER=5 (a bar every 5 s).
INTERVAL = float(os.environ.get("SHARE_LOAD_INTERVAL", "2.0"))
RENDER = float(os.environ.get("SHARE_LOAD_RENDER", "0.7"))
INTERVALS = 10


def test_three_machines_one_account_about_one_request_per_interval(tmp_path, broker, fake_server):
    usage(fake_server, 10)
    machines = [make_machine(tmp_path, f"m{i}", broker, fake_server.url, interval=INTERVAL) for i in range(3)]
    start = time.monotonic() + 0.2
    end = start + INTERVAL * INTERVALS
    hit_times: list[float] = []
    renders = {m.name: 0 for m in machines}
    failures: list[str] = []

    def bar(machine, phase: float) -> None:
        tick = start + phase
        while tick < end:
            time.sleep(max(0.0, tick - time.monotonic()))
            run = machine.run("--format", "tmux")
            renders[machine.name] += 1
            if run.returncode != 0 or run.stderr or run.stdout.count("\n") != 1:
                failures.append(repr(run))
            tick += RENDER

    def count() -> None:
        seen = 0
        while time.monotonic() < end + INTERVAL:
            now_hits = fake_server.hits["/usage/vendor"]
            hit_times.extend([time.monotonic()] * (now_hits - seen))
            seen = now_hits
            time.sleep(0.02)

    threads = [threading.Thread(target=bar, args=(m, i * RENDER / 3)) for i, m in enumerate(machines)]
    threads.append(threading.Thread(target=count))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_interval = [sum(1 for t in hit_times if start + i * INTERVAL <= t < start + (i + 1) * INTERVAL)
                    for i in range(INTERVALS)]
    average = sum(per_interval) / INTERVALS
    print(f"\nshare load: requests per {INTERVAL:g} s interval {per_interval}, average {average:.2f}, "
          f"max {max(per_interval)}, renders {renders}, retained topics {len(mq.retained(broker, wait=0.3))}")
    assert failures == []
    assert average <= 1.1, per_interval
    assert max(per_interval) <= 2, per_interval
    assert sum(per_interval) >= INTERVALS // 2  # the figures were really kept fresh
    for machine in machines:
        assert machine.json()["status"] == "ok"
