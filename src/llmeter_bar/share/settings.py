"""``[share]``: where the broker is, how to log in, what to publish and take.

The password is never in the config: LLMETER_BAR_SHARE_PASSWORD, else the entry
stored by ``llmeter-bar login share`` (which may also hold the account key).
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from llmeter_bar import logs
from llmeter_bar.errors import ConfigError

if TYPE_CHECKING:
    from llmeter_bar.config import Config

PASSWORD_ENV = "LLMETER_BAR_SHARE_PASSWORD"
STORE_ID = "share"
DEFAULT_TOPIC = "llmeter"
DEFAULT_DEADLINE = 1.0  # seconds a fetch waits on the broker before going on alone
MAX_DEADLINE = 2.0
_TOPIC = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")
_MACHINE_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")


@dataclass(slots=True)
class Share:
    url: str  # as configured, without any password
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None
    ca_file: Path | None
    topic: str
    machine: str
    publish: bool = True
    use_remote: bool = True
    home_assistant: bool = False
    key: str | None = None
    deadline: float = DEFAULT_DEADLINE

    @property
    def shown_url(self) -> str:
        scheme = "mqtts" if self.tls else "mqtt"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def machine_name(raw: str | None = None) -> str:
    """A topic-safe machine name: the configured one, else the host name."""
    name = _MACHINE_BAD.sub("-", (raw or socket.gethostname() or "machine").strip()).strip("-.")
    return (name or "machine")[:64]


def stored_entry() -> dict:
    """The ``login share`` entry ({} when none or unreadable)."""
    try:
        from llmeter_bar.store import credstore

        return credstore.get(STORE_ID) or {}
    except Exception:
        logs.exception("share: the stored login is unreadable")
        return {}


def parse_broker(url: str) -> tuple[str, int, bool, str | None]:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ConfigError(f"share.broker must start with mqtt:// or mqtts://, got {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"share.broker has a bad port: {url!r}") from None
    if not parts.hostname:
        raise ConfigError(f"share.broker names no host: {url!r}")
    if parts.password:
        logs.register_secret(unquote(parts.password))
    tls = parts.scheme == "mqtts"
    user = unquote(parts.username) if parts.username else None
    return parts.hostname, port or (8883 if tls else 1883), tls, user


def load(config: Config) -> Share | None:
    """The share settings, or None when no broker is configured. ConfigError when wrong."""
    section = config.section("share")
    broker = section.get("broker")
    if not broker:
        return None
    host, port, tls, user = parse_broker(str(broker))
    topic = str(section.get("topic") or DEFAULT_TOPIC).strip("/")
    if not _TOPIC.match(topic):
        raise ConfigError(f"share.topic may hold letters, digits, '_', '-', '.' and '/' only, got {topic!r}")
    entry = stored_entry()
    password = os.environ.get(PASSWORD_ENV) or entry.get("password") or None
    key = section.get("key") or entry.get("key") or None
    logs.register_secret(password)
    logs.register_secret(key)
    ca_file = section.get("ca_file")
    return Share(
        url=str(broker),
        host=host,
        port=port,
        tls=tls,
        username=user,
        password=password,
        ca_file=Path(str(ca_file)).expanduser() if ca_file else None,
        topic=topic,
        machine=machine_name(section.get("machine")),
        publish=bool(section.get("publish", True)),
        use_remote=bool(section.get("use_remote", True)),
        home_assistant=bool(section.get("home_assistant", False)),
        key=str(key) if key else None,
        # Capped: the broker's share must fit in the refresher's hard deadline (fetch/worker.py).
        deadline=min(float(section.get("timeout", DEFAULT_DEADLINE)), MAX_DEADLINE),
    )


def load_quietly(config: Config | None = None) -> Share | None:
    """For the fetch hooks: None on any problem (doctor reports it)."""
    try:
        if config is None:
            from llmeter_bar.config import load as load_config

            config = load_config()
        return load(config)
    except Exception as exc:
        logs.info("share: off (%s)", exc)
        return None


def remote_only(options: dict) -> bool:
    return str(options.get("source") or "").strip().lower() == "share"
