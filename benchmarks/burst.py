"""Burst budget: many bars asking at once when an interval ends, vs. the same
burst served from a fresh cache. The goal is at most 2x.

At an interval's end every provider is due: one of the renders must start the
refresh (a detached process), the others should still be served at cache-hit
speed. The script fills a cache from a local OpenRouter stand-in on 127.0.0.1,
then alternates bursts of N concurrent renders on a fresh cache and at an
interval's end (records due, cached lines past their due time: what the clock
does, without waiting for it), and prints the ratio of their medians.

    python benchmarks/burst.py [--renders 30] [--rounds 7] [--format tmux]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

KEY = {"data": {"label": "bench", "limit": 20, "usage": 13.5, "usage_monthly": 4.56}}
CREDITS = {"data": {"total_credits": 50, "total_usage": 13.5}}


class StandIn(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        StandIn.hits += 1
        body = json.dumps(KEY if self.path.endswith("/key") else CREDITS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def prepare(home: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMETER_BAR_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_STATE_HOME=str(home / "state"), XDG_RUNTIME_DIR=str(home / "run"),
               OPENROUTER_API_KEY="sk-or-bench")
    (home / "run").mkdir(mode=0o700)
    config = home / "config" / "llmeter-bar" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[general]\nproviders = ["openrouter"]\n\n[provider.openrouter]\nbase_url = "{url}"\n')
    return env


def interval_ends(env: dict[str, str]) -> None:
    """Every record due, every cached line past its due time; the figures unchanged."""
    code = (
        "from llmeter_bar.store.cache import Store\n"
        "s = Store()\n"
        "for k in s.keys():\n"
        "    r = s.read(k); r['next_at'] = 0.0; s.write(k, r)\n"
        "import time\n"
        "for n in list(s.cache.iterkeys()):\n"
        "    v = s.cache.get(n)\n"
        "    if isinstance(n, str) and n.startswith('out') and isinstance(v, str):\n"
        "        left = s.cache.get(n, expire_time=True)[1] - time.time()\n"
        "        s.cache.set(n, 'due 0.0\\n' + v.partition('\\n')[2], expire=left)\n"
        "s.close()\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def burst(argv: list[str], env: dict[str, str], n: int) -> list[float]:
    def one(_: int) -> float:
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return time.perf_counter() - start

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def settle(env: dict[str, str], script: Path) -> None:
    """Wait for the background refresher, so the next round starts fresh."""
    for _ in range(200):
        out = subprocess.run([str(script), "--format", "json"], env=env, capture_output=True, text=True).stdout
        if all(p.get("status") == "ok" for p in json.loads(out)["providers"]) and not any(
                b"_refresh" in Path(f"/proc/{pid}/cmdline").read_bytes()
                for pid in os.listdir("/proc") if pid.isdigit() and os.path.exists(f"/proc/{pid}/cmdline")):
            return
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--format", default="tmux")
    args = parser.parse_args()
    script = Path(sys.executable).parent / "llmeter-bar"
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    argv = [str(script), "--format", args.format]
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp), f"http://127.0.0.1:{server.server_address[1]}")
        subprocess.run([str(script), "refresh"], env=env, check=True, capture_output=True)
        hits, due = [], []
        for _ in range(args.rounds):
            subprocess.run(argv, env=env, check=True, capture_output=True)  # the line is cached
            hits.append(statistics.median(burst(argv, env, args.renders)))
            interval_ends(env)
            before = StandIn.hits
            due.append(statistics.median(burst(argv, env, args.renders)))
            settle(env, script)
            assert StandIn.hits - before == 2, f"expected one refresh (2 requests), saw {StandIn.hits - before}"
    server.shutdown()
    h, d = statistics.median(hits), statistics.median(due)
    print(f"{args.renders} concurrent `llmeter-bar --format {args.format}`, median of {args.rounds} rounds:")
    print(f"  fresh cache:        median render {h * 1000:.1f} ms")
    print(f"  at an interval end: median render {d * 1000:.1f} ms  ratio {d / h:.2f}x  (one refresh per round)")
    print("goal <= 2x")


if __name__ == "__main__":
    main()
