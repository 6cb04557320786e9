"""A real Mosquitto broker on 127.0.0.1 for the sharing tests: a free port, a
generated config in a tmp dir, plain or TLS with a password (certificates made
with openssl, the password file with mosquitto_passwd)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certs(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca, cert, key)."""
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    ext = folder / "san.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca),
        "-days", "2", "-subj", "/CN=llmeter test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert), "-days", "2", "-extfile", str(ext))
    return ca, cert, key


class Broker:
    def __init__(self, folder: Path, *, tls: bool = False, user: str | None = None,
                 password: str | None = None, certs: tuple[Path, Path, Path] | None = None) -> None:
        self.folder = folder
        self.tls = tls
        self.user, self.password = user, password
        self.port = free_port()
        self.ca: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        lines = [f"listener {self.port} 127.0.0.1", "persistence false", "log_dest file " + str(folder / "mosquitto.log"),
                 "log_type error", "log_type warning", "log_type notice"]
        if os.geteuid() == 0:
            lines.append("user root")  # else it drops to "mosquitto", who cannot read the tmp dir
        if tls:
            self.ca, cert, key = certs or make_certs(folder)
            lines += [f"cafile {self.ca}", f"certfile {cert}", f"keyfile {key}"]
        if user:
            passwd = folder / "passwd"
            subprocess.run([PASSWD, "-b", "-c", str(passwd), user, password or ""], check=True, capture_output=True)
            lines += ["allow_anonymous false", f"password_file {passwd}"]
        else:
            lines += ["allow_anonymous true"]
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n")

    @property
    def url(self) -> str:
        scheme = "mqtts" if self.tls else "mqtt"
        who = f"{self.user}@" if self.user else ""
        return f"{scheme}://{who}127.0.0.1:{self.port}"

    def start(self) -> Broker:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"mosquitto exited: {(self.folder / 'mosquitto.log').read_text()}")
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> Broker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def retained(broker: Broker, topic: str = "#", wait: float = 3.0) -> dict[str, bytes]:
    """Every retained message on the broker (read with a client of our own)."""
    import asyncio
    import ssl

    import aiomqtt

    async def read() -> dict[str, bytes]:
        context = ssl.create_default_context(cafile=str(broker.ca)) if broker.tls else None
        found: dict[str, bytes] = {}
        sync = f"zz-test-sync/{os.getpid()}-{time.monotonic_ns()}"
        async with aiomqtt.Client("127.0.0.1", broker.port, username=broker.user, password=broker.password,
                                  tls_context=context) as client:
            await client.subscribe(topic)
            await client.subscribe(sync)
            # Retained messages come first; once our own message is back, all of them are in.
            await client.publish(sync, b"end", qos=1)
            try:
                async with asyncio.timeout(wait):
                    async for message in client.messages:
                        if str(message.topic) == sync:
                            break
                        if message.retain:
                            found[str(message.topic)] = bytes(message.payload)  # type: ignore[arg-type]
            except TimeoutError:
                pass
        return found

    return asyncio.run(read())


def put(broker: Broker, topic: str, payload: bytes, retain: bool = True) -> None:
    """Publish as some other client would (a hostile one, in some tests)."""
    import asyncio
    import ssl

    import aiomqtt

    async def send() -> None:
        context = ssl.create_default_context(cafile=str(broker.ca)) if broker.tls else None
        async with aiomqtt.Client("127.0.0.1", broker.port, username=broker.user, password=broker.password,
                                  tls_context=context) as client:
            await client.publish(topic, payload, qos=1, retain=retain)

    asyncio.run(send())
