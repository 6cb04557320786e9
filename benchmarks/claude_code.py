"""Claude Code status-line budget: a ``--format claude-code`` render whose stdin
carries the same rate limits as the last one (what Claude Code sends after almost
every message), vs. a bare interpreter, measured side by side. Goal: at most 3x.

Each run pipes a fresh payload, as Claude Code does: the session cost and
duration change every time, the rate limits do not. The render must then neither
write the cache nor render anew: the line comes from the output cache, keyed by
the payload's rate-limit content.

    python benchmarks/claude_code.py [--runs 60]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def prepare(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMETER_BAR_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' machines keep .pyc files
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_STATE_HOME=str(home / "state"))
    config = home / "config" / "llmeter-bar" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[general]\nproviders = ["claude"]\n[provider.claude]\nbase_url = "http://127.0.0.1:9"\n')
    return env


def payload(i: int, resets: int) -> bytes:
    return json.dumps({
        "session_id": "bench", "model": {"id": "claude-opus", "display_name": "Opus"},
        "cost": {"total_cost_usd": 0.01 * i, "total_duration_ms": 1000 * i},
        "rate_limits": {"five_hour": {"used_percentage": 42, "resets_at": resets},
                        "seven_day": {"used_percentage": 15, "resets_at": resets + 400000}},
    }).encode()


def timed(argv: list[str], env: dict[str, str], stdin: bytes = b"") -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    script = Path(sys.executable).parent / "llmeter-bar"
    resets = int(time.time()) + 3 * 3600
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        render = [str(script), "--format", "claude-code"]
        bare = [sys.executable, "-c", "pass"]
        for i in range(5):  # the first payload is stored; warm the page cache and .pyc files
            timed(render, env, payload(i, resets))
            timed(bare, env)
        db = Path(tmp) / "cache" / "llmeter-bar" / "cache.db"
        before = db.stat().st_mtime_ns
        lines, bares = [], []
        for i in range(args.runs):
            lines.append(timed(render, env, payload(100 + i, resets)))
            bares.append(timed(bare, env))
        written = db.stat().st_mtime_ns != before
    s, b = statistics.median(lines), statistics.median(bares)
    print(f"python -c pass: median {b * 1000:.1f} ms over {args.runs} runs")
    print(f"llmeter-bar --format claude-code, unchanged rate limits: median {s * 1000:.1f} ms  "
          f"ratio {s / b:.2f}x (goal <= 3x)")
    print(f"cache database written during the runs: {'yes' if written else 'no'}")


if __name__ == "__main__":
    main()
