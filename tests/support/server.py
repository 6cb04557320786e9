"""A real HTTP server on 127.0.0.1 that counts requests and answers as told."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeServer:
    def __init__(self) -> None:
        self.replies: dict[str, Reply] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.echo_headers = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self.do_GET()

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                with server.lock:
                    server.hits[self.path] += 1
                    server.requests.append((self.path, dict(self.headers)))
                bare = self.path.split("?", 1)[0]
                reply = server.replies.get(self.path) or server.replies.get(bare) or server.fallback(self)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body if isinstance(reply.body, (bytes, str)) else json.dumps(reply.body)
                data = body.encode() if isinstance(body, str) else body
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fallback(self, handler: BaseHTTPRequestHandler) -> Reply:
        if self.echo_headers:
            # A hostile upstream that echoes the credentials it was sent.
            return Reply(502, {"error": "bad gateway", "received": dict(handler.headers)})
        return Reply(404, {"error": "unknown"})

    def reply(self, path: str, body: Any = None, status: int = 200, **kw: Any) -> None:
        self.replies[path] = Reply(status=status, body=body, **kw)
