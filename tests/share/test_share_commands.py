"""``share status``, ``share forget``, ``login share`` and the Home Assistant discovery configs."""

from __future__ import annotations

import json

from share.conftest import ACCOUNT_ID, PASSWORD, SHARE_KEY, make_machine, records, usage
from support import broker as mq

# What Home Assistant's MQTT sensor accepts in a discovery config (full key names),
# from home-assistant/core homeassistant/components/mqtt/sensor.py (PLATFORM_SCHEMA_MODERN)
# and the entity and availability schemas it extends (mqtt/entity.py, mqtt/schemas.py).
HA_SENSOR_KEYS = {
    "availability", "availability_mode", "availability_template", "availability_topic", "device",
    "device_class", "enabled_by_default", "encoding", "entity_category", "entity_picture", "expire_after",
    "force_update", "icon", "json_attributes_template", "json_attributes_topic", "last_reset_value_template",
    "name", "object_id", "default_entity_id", "options", "origin", "payload_available", "payload_not_available",
    "platform", "qos", "state_class", "state_topic", "suggested_display_precision", "unique_id",
    "unit_of_measurement", "value_template",
}
HA_DEVICE_KEYS = {"configuration_url", "connections", "hw_version", "identifiers", "manufacturer", "model",
                  "model_id", "name", "serial_number", "suggested_area", "sw_version", "via_device"}
HA_AVAILABILITY_KEYS = {"topic", "payload_available", "payload_not_available", "value_template"}
HA_DEVICE_CLASSES_USED = {"timestamp", "monetary"}
HA_STATE_CLASSES = {"measurement", "total", "total_increasing", "measurement_angle"}


def test_status_shows_keys_and_machines_never_ids(tmp_path, broker, fake_server):
    usage(fake_server, 9)
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url)
    desktop = make_machine(tmp_path, "desktop", broker, fake_server.url)
    laptop.run("refresh")
    out = desktop.run("share", "status")
    assert out.returncode == 0, out
    (topic,) = records(mq.retained(broker))
    account = topic.split("/")[2]
    assert f"local    vendor           account {account}" in out.stdout
    assert f"shared   vendor           account {account} (here: vendor): fetched by laptop" in out.stdout
    assert broker.url in out.stdout
    assert ACCOUNT_ID not in out.stdout and SHARE_KEY not in out.stdout


def test_forget_removes_only_this_machines_messages(tmp_path, broker, fake_server):
    usage(fake_server, 9)
    extra = "home_assistant = true"
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url, extra_share=extra)
    other = make_machine(tmp_path, "other", broker, fake_server.url, extra_share=extra,
                         provider_extra='share_as = "team"')
    laptop.run("refresh")
    other.run("refresh")
    before = mq.retained(broker)
    assert len(records(before)) == 2 and any(t.startswith("homeassistant/sensor/llmeter_laptop_") for t in before)
    out = laptop.run("share", "forget")
    assert out.returncode == 0 and "removed" in out.stdout, out
    after = mq.retained(broker)
    assert not any("laptop" in t or b'"laptop"' in p for t, p in after.items()), after
    assert [p["machine"] for p in records(after).values()] == ["other"]
    assert any(t.startswith("homeassistant/sensor/llmeter_other_") for t in after)


def test_home_assistant_discovery_configs_are_what_ha_accepts(tmp_path, broker, fake_server):
    fake_server.reply("/usage/vendor", {"used": 30, "plan": "pro"})
    laptop = make_machine(tmp_path, "laptop", broker, fake_server.url, extra_share="home_assistant = true")
    laptop.run("refresh")
    seen = mq.retained(broker)
    configs = {t: json.loads(p) for t, p in seen.items() if t.startswith("homeassistant/")}
    assert sorted(t.split("/")[-2] for t in configs) == ["five_hour_resets", "five_hour_used", "status"]
    (state_topic,) = records(seen)
    uniques = set()
    for topic, config in configs.items():
        assert topic.startswith("homeassistant/sensor/llmeter_laptop_vendor/") and topic.endswith("/config")
        assert set(config) <= HA_SENSOR_KEYS, set(config) - HA_SENSOR_KEYS
        assert set(config["device"]) <= HA_DEVICE_KEYS
        assert config["device"]["identifiers"] == ["llmeter_laptop_vendor"]
        assert all(set(a) <= HA_AVAILABILITY_KEYS for a in config["availability"])
        assert config["availability"][0]["topic"] == "llmeter/v1/_machines/laptop/availability"
        assert config.get("device_class", "timestamp") in HA_DEVICE_CLASSES_USED
        assert config.get("state_class", "total") in HA_STATE_CLASSES
        assert config["state_topic"] == state_topic and config["qos"] == 1
        assert isinstance(config["expire_after"], int) and config["expire_after"] > 0
        uniques.add(config["unique_id"])
    assert len(uniques) == len(configs)
    used = configs["homeassistant/sensor/llmeter_laptop_vendor/five_hour_used/config"]
    assert used["unit_of_measurement"] == "%" and used["state_class"] == "measurement"
    assert seen["llmeter/v1/_machines/laptop/availability"] == b"online"
    # The value templates read fields the record really carries.
    record = json.loads(seen[state_topic])
    assert record["windows"][0]["id"] == "five_hour" and record["status"] == "ok" and record["machine"] == "laptop"


def test_login_share_stores_password_and_key_checked_against_the_broker(tmp_path, tls_broker, fake_server):
    machine = make_machine(tmp_path, "laptop", tls_broker, fake_server.url, LLMETER_BAR_SHARE_PASSWORD="")
    config = machine.root / "config" / "config.toml"
    config.write_text(config.read_text().replace(f'key = "{SHARE_KEY}"\n', ""))
    machine.env.pop("LLMETER_BAR_SHARE_PASSWORD")
    import subprocess

    from support import cli

    def login(text: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(cli.SCRIPT), "login", "share", "--key-stdin"], input=text, capture_output=True,
                              text=True, env=machine.env, timeout=30)

    refused = login("not-the-password\nmy-shared-key-123\n")
    assert refused.returncode != 0 and "refused the login" in refused.stderr, refused
    assert "not-the-password" not in refused.stderr
    accepted = login(f"{PASSWORD}\nmy-shared-key-123\n")
    assert accepted.returncode == 0, accepted
    assert PASSWORD not in accepted.stderr + accepted.stdout
    stored = (machine.root / "config" / "credentials.json")
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    assert "broker   " in machine.run("share", "status").stdout
    usage(fake_server, 5)
    assert "vendor: ok" in machine.run("refresh").stdout
    assert len(records(mq.retained(tls_broker))) == 1  # logged in with the stored password, keyed with the stored key
