"""An aiohttp server on 127.0.0.1 that impersonates every provider, healthy or broken.

Routing is by path prefix, so one server serves every fault at once:
``/{mode}/{provider}/{provider's own path}``. A provider's ``base_url`` is set to
``{url}/{mode}/{provider}``; ``mode`` is ``good``, ``hostile`` or a fault name
from :data:`FAULTS`. Faults that live below HTTP (refused connections, TLS, a
listener that accepts and never answers) get their own addresses: see
:meth:`FaultServer.base_url`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import subprocess
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

from support import payloads

BIG = b'{"pad": "' + b"x" * (20 * 1024 * 1024) + b'"}'
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>\n<hr>nginx</body></html>"

# fault -> (status, body, headers); None marks faults handled by code below.
STATUS_FAULTS: dict[str, tuple[int, str, dict[str, str]]] = {
    "http400": (400, '{"error": {"type": "invalid_request_error", "message": "bad request"}}', {}),
    "http401": (401, '{"error": {"type": "authentication_error", "message": "invalid token"}}', {}),
    "http403": (403, '{"error": {"type": "permission_error", "message": "forbidden"}}', {}),
    "http404": (404, '{"error": "not found"}', {}),
    "http429_retry120": (429, '{"error": "rate limited"}', {"Retry-After": "120"}),
    "http429_retry0": (429, '{"error": "rate limited"}', {"Retry-After": "0"}),
    "http429_bare": (429, '{"error": "rate limited"}', {}),
    "http500": (500, '{"error": "internal"}', {}),
    "http502_html": (502, HTML_502, {"Content-Type": "text/html"}),
    "http503": (503, "Service Unavailable", {"Content-Type": "text/plain"}),
}
SHAPE_FAULTS = ("shape_list", "shape_strings", "shape_nulls", "shape_negative", "shape_over100", "shape_nan")
BODY_FAULTS = ("not_json", "empty_body", "huge_body")
STALL_FAULTS = ("never_answer", "headers_then_stall")
ADDRESS_FAULTS = ("refused", "redirect_loop", "tls_plain_listener", "tls_self_signed")
FAULTS = (*STATUS_FAULTS, *SHAPE_FAULTS, *BODY_FAULTS, *STALL_FAULTS, *ADDRESS_FAULTS)


_CREDENTIAL_HEADERS = ("authorization", "cookie", "x-api-key", "api-key", "x-goog-api-key", "x-auth-token")
ECHO_FORMS = 5


def echo_form(headers: Any, form: int) -> str:
    """What a careless upstream echoes of the credentials it was sent: form 0 the
    header values, 1 each cookie or bearer value alone, 2 those URL-decoded, 3 those
    URL-encoded, 4 every JWT inside them. The secret comes first, before any cut."""
    import re
    from urllib.parse import quote, unquote

    values = [v for k, v in headers.items() if k.lower() in _CREDENTIAL_HEADERS]
    if form == 0:
        return " ".join(values)
    bare = []
    for value in values:
        if value.lower().startswith("bearer "):
            bare.append(value[7:])
        for part in value.split(";"):
            _, eq, rest = part.strip().partition("=")
            if eq:
                bare.append(rest)
        bare.append(value)
    if form == 1:
        return " ".join(bare)
    if form == 2:
        return " ".join(unquote(v) for v in bare)
    if form == 3:
        return " ".join(quote(v, safe="") for v in bare)
    return " ".join(j for v in bare for j in re.findall(r"eyJ[\w-]+\.[\w-]+\.[\w-]*", unquote(v)))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed_context(folder: Path) -> ssl.SSLContext | None:
    """A server TLS context with a throw-away self-signed certificate; None without openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class FaultServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stall = 30.0  # how long a stalling answer hangs (longer than any client timeout)
        self.gate = threading.Event()  # mode "gated" answers only once this is set
        self.hostile: dict[str, Any] = {}
        self._tls = tls
        self._held: set[asyncio.Task[Any]] = set()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.refused_port = _free_port()  # bound once, then released: nothing listens there

    # -- lifecycle -------------------------------------------------------------
    def __enter__(self) -> FaultServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: Any) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    async def _start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{self.port}"
        self.tls_port = None
        if self._tls is not None:
            tls_site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._tls)
            await tls_site.start()
            self.tls_port = tls_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        # Accepts connections and never sends a byte.
        self._mute = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        self.mute_port = self._mute.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        for task in list(self._held):
            task.cancel()
        self._mute.close()
        await self._runner.cleanup()

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._held.add(task)
        with self.lock:
            self.hits["never_answer:connection"] += 1
        try:
            await asyncio.sleep(self.stall)
        except asyncio.CancelledError:
            pass
        finally:
            self._held.discard(task)
            writer.close()

    # -- addressing ------------------------------------------------------------
    def base_url(self, mode: str, provider: str) -> str:
        if mode == "refused":
            return f"http://127.0.0.1:{self.refused_port}/refused/{provider}"
        if mode == "never_answer":
            return f"http://127.0.0.1:{self.mute_port}/never_answer/{provider}"
        if mode == "tls_plain_listener":
            return f"https://127.0.0.1:{self.port}/good/{provider}"
        if mode == "tls_self_signed":
            return f"https://127.0.0.1:{self.tls_port}/good/{provider}"
        return f"{self.url}/{mode}/{provider}"

    def count(self, mode: str, provider: str | None = None) -> int:
        prefix = f"/{mode}/" + (f"{provider}/" if provider else "")
        with self.lock:
            return sum(n for path, n in self.hits.items() if path.startswith(prefix))

    # -- answers ---------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        mode, _, rest = request.path.lstrip("/").partition("/")
        provider, _, tail = rest.partition("/")
        with self.lock:
            self.hits[request.path] += 1
        if mode in STATUS_FAULTS:
            status, body, headers = STATUS_FAULTS[mode]
            return web.Response(status=status, text=body, headers=headers,
                                content_type=None if "Content-Type" in headers else "application/json")
        if mode.startswith("echoform"):  # echoes each credential header in one derived form
            return web.Response(status=400, text=json.dumps({"error": echo_form(request.headers, int(mode[8:]))}))
        if mode == "hostile_error":  # an error page whose body ends up in the message
            return web.Response(status=502, text=payloads.HOSTILE, content_type="text/html")
        if mode == "echo":  # a hostile upstream that echoes the credentials it was sent
            return web.Response(status=502, text=json.dumps({"received": dict(request.headers),
                                                             "query": request.query_string}))
        if mode == "redirect_loop":
            raise web.HTTPFound(request.path_qs)
        if mode == "not_json":
            return web.Response(text="<html>Please enable cookies.</html> not json {", content_type="text/html")
        if mode == "empty_body":
            return web.Response(body=b"", content_type="application/json")
        if mode == "huge_body":
            return web.Response(body=BIG, content_type="application/json")
        if mode == "headers_then_stall":
            response = web.StreamResponse(headers={"Content-Type": "application/json", "Content-Length": "4096"})
            await response.prepare(request)
            await response.write(b'{"five_hour": ')
            await asyncio.sleep(self.stall)
            return response
        if mode == "gated":  # healthy answers, held until the test opens the gate
            while not self.gate.is_set():
                await asyncio.sleep(0.05)
        answer = payloads.good("/" + tail, self.hostile if mode == "hostile" else None, provider)
        if answer is None:
            return web.Response(status=404, text='{"error": "no such endpoint"}', content_type="application/json")
        if mode in SHAPE_FAULTS:
            answer = payloads.mutate(answer, mode)
        if isinstance(answer, str):
            return web.Response(text=answer, content_type="text/html")
        # allow_nan: a NaN literal is what a broken upstream would send.
        return web.Response(text=json.dumps(answer, allow_nan=True), content_type="application/json")
