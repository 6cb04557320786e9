"""Broker faults never break a bar or stop the local fetch; hostile messages are
ignored (logged once) or escaped; nothing secret ever reaches the broker."""

from __future__ import annotations

import hashlib
import json
import socket
import time

from share.conftest import ACCOUNT_ID, EMAIL, PASSWORD, SHARE_KEY, TOKEN, make_machine, records, usage
from support import broker as mq
from support import e2e


def test_broker_killed_mid_run(tmp_path, broker, fake_server):
    usage(fake_server, 11)
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    desktop = make_machine(tmp_path, "desktop", broker, fake_server.url)
    laptop.run("refresh")
    assert "shared by laptop" in desktop.run("refresh").stdout
    broker.stop()
    usage(fake_server, 12)
    started = time.monotonic()
    out = laptop.run("refresh")
    assert "vendor: ok" in out.stdout and time.monotonic() - started < 8, out
    assert fake_server.hits["/usage/vendor"] == 2
    bar = laptop.run("--format", "tmux")
    assert e2e.host_text("tmux", bar) and "12%" in bar.stdout
    doctor = laptop.run("doctor")
    assert "share" in doctor.stdout and "cannot reach" in doctor.stdout, doctor.stdout


def test_a_broker_that_never_answers_costs_only_its_deadline(tmp_path, fake_server):
    usage(fake_server, 3)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never speaks MQTT

    class Silent:
        url = f"mqtt://127.0.0.1:{silent.getsockname()[1]}"
        ca = None
        password = None

    try:
        machine = make_machine(tmp_path, "laptop", Silent, fake_server.url)  # type: ignore[arg-type]
        started = time.monotonic()
        out = machine.run("refresh")
        assert "vendor: ok" in out.stdout, out
        assert time.monotonic() - started < 6
        assert machine.json()["windows"][0]["used_percent"] == 3
        assert "did not answer" in machine.run("doctor").stdout
    finally:
        silent.close()


def test_wrong_password_and_tls_errors_fall_back_to_a_local_fetch(tmp_path, tls_broker, fake_server):
    usage(fake_server, 8)
    wrong = make_machine(tmp_path, "wrong", tls_broker, fake_server.url, LLMETER_BAR_SHARE_PASSWORD="nope-nope-nope")
    assert "vendor: ok" in wrong.run("refresh").stdout
    doctor = wrong.run("doctor").stdout
    assert "refused the login" in doctor and "login share" in doctor, doctor
    no_ca = make_machine(tmp_path, "no-ca", tls_broker, fake_server.url)
    config = no_ca.root / "config" / "config.toml"
    config.write_text("\n".join(l for l in config.read_text().splitlines() if not l.startswith("ca_file")))
    assert "vendor: ok" in no_ca.run("refresh").stdout
    assert "TLS" in no_ca.run("doctor").stdout
    assert fake_server.hits["/usage/vendor"] == 2
    assert mq.retained(tls_broker) == {}


def test_malformed_retained_messages_are_ignored_and_logged_once(tmp_path, broker, fake_server):
    usage(fake_server, 21)
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    # publish = false: the desktop never overwrites the bad message with its own record
    desktop = make_machine(tmp_path, "desktop", broker, fake_server.url, extra_share="publish = false")
    laptop.run("refresh")
    (topic,) = records(mq.retained(broker))
    for bad in (b'{"id": "vendor", "machine": "x", "windows": [{"id": "a", "used_percent": NaN}]}',
                json.dumps({"id": "vendor", "machine": "evil", "fetched_at": "2999-01-01T00:00:00Z",
                            "windows": [{"id": "w", "label": "x", "used_percent": 99}]}).encode(),
                b"[" * 100000):
        mq.put(broker, topic, bad)
        out = desktop.run("refresh")
        assert "vendor: ok" in out.stdout and "shared" not in out.stdout, out
    log = desktop.log()
    assert log.count("ignored a message") == 3, log
    desktop.run("refresh")  # the same bad message again: not logged again
    assert desktop.log().count("ignored a message") == 3


def test_markup_in_a_shared_record_never_restyles_a_bar(tmp_path, broker, fake_server):
    usage(fake_server, 1)
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    desktop = make_machine(tmp_path, "desktop", broker, fake_server.url)
    laptop.run("refresh")
    (topic,) = records(mq.retained(broker))
    hostile = {"id": "vendor", "name": "#[fg=red]Evil", "machine": "#[bg=red]m%{F#f00}\x1b[31m",
               "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "plan": "<span>pl</span>#[x]",
               "windows": [{"id": "five_hour", "label": "%{F#ff0000}5h<b>\u202e", "used_percent": 64}]}
    mq.put(broker, topic, json.dumps(hostile).encode())
    assert "shared by" in desktop.run("refresh").stdout
    entry = desktop.json()
    assert entry["windows"][0]["used_percent"] == 64 and "Evil" not in entry["name"]  # our name, not theirs
    assert entry["source"] == "share:bg-red-m-F-f00-31m"
    assert fake_server.hits["/usage/vendor"] == 1
    for fmt in ("tmux", "polybar", "waybar", "i3blocks", "claude-code"):
        text = e2e.host_text(fmt, desktop.run("--format", fmt))  # escaped as each host needs
        assert "64%" in text
    long = desktop.run("--long").stdout
    assert "\u202e" not in long and "\x1b[31" not in long and "via share:bg-red-m-F-f00-31m" in long


def test_nothing_secret_reaches_the_broker(tmp_path, tls_broker, fake_server):
    usage(fake_server, 50)
    fake_server.replies["/usage/vendor"].body = {"used": 50, "plan": "max", "email": EMAIL}
    extra = "home_assistant = true"
    laptop = make_machine(tmp_path, "laptop", tls_broker, fake_server.url, extra_share=extra)
    desktop = make_machine(tmp_path, "desktop", tls_broker, fake_server.url, extra_share=extra)
    assert "vendor: ok" in laptop.run("refresh").stdout
    fake_server.reply("/usage/vendor", {"error": "slow down"}, status=429, headers={"Retry-After": "600"})
    laptop.run("refresh")  # a 429 wait is published too
    desktop.run("refresh")
    seen = mq.retained(tls_broker)
    assert any(t.startswith("homeassistant/") for t in seen) and records(seen)
    forbidden = [TOKEN, EMAIL, SHARE_KEY, PASSWORD, ACCOUNT_ID, "someone.secret", "sk-vendor"]
    forbidden += [hashlib.sha256(s.encode()).hexdigest()[:16] for s in (TOKEN, ACCOUNT_ID, EMAIL)]
    for topic, payload in seen.items():
        for secret in forbidden:
            assert secret not in topic and secret.encode() not in payload, (topic, secret)
    for machine in (laptop, desktop):
        log = machine.log()
        for secret in (TOKEN, SHARE_KEY, PASSWORD):
            assert secret not in log
    # The authorisation went to the vendor only, and only from the laptop.
    assert [h.get("Authorization") for _, h in fake_server.requests] == [f"Bearer {TOKEN}"] * 2
