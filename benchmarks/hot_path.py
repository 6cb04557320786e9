"""Hot-path budget: a render served from a fresh cache vs. a bare interpreter.

Runs the installed ``llmeter-bar`` console script and ``python -c pass``
interleaved, many times, and prints the ratio of their medians. The goal is at
most 6x (stretch 5x). Dirs are moved with XDG_* variables, not llmeter-bar's own
overrides, so platformdirs is on the measured path as it is for a user.

    python benchmarks/hot_path.py [--runs 60] [--format tmux]
"""

from __future__ import annotations

import argparse
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
    config.write_text('[general]\nproviders = ["claude", "codex"]\n')
    fill = (
        "from llmeter_bar.store.cache import Store\n"
        "from llmeter_bar.demo import demo_results\n"
        "store = Store()\n"
        "for r in demo_results(['claude', 'codex']):\n"
        "    store.write(r.key, {'result': r.to_dict(), 'attempt_at': 1, 'next_at': 4e9})\n"
        "store.close()\n"
    )
    subprocess.run([sys.executable, "-c", fill], env=env, check=True)
    return env


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--format", default="tmux")
    args = parser.parse_args()
    script = Path(sys.executable).parent / "llmeter-bar"
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        render = [str(script), "--format", args.format]
        bare = [sys.executable, "-c", "pass"]
        # A miss, as the first render after a data change pays it: the config
        # parsed, the line rendered (with the next minutes' lines) and stored.
        # TZ is part of the output cache's key, so a new value each run is a
        # miss; TZ strings it cannot parse mean UTC, so the output is the same.
        def miss_env(i: int) -> dict[str, str]:
            return dict(env, TZ="UTC" + "0" * (i + 1))

        for i in range(5):  # warm the page cache and write .pyc files
            timed(render, env)
            timed(render, miss_env(1000 + i))
            timed(bare, env)
        hits, misses, bares = [], [], []
        for i in range(args.runs):
            hits.append(timed(render, env))
            misses.append(timed(render, miss_env(i)))
            bares.append(timed(bare, env))
    h, m, b = (statistics.median(x) for x in (hits, misses, bares))
    print(f"python -c pass: median {b * 1000:.1f} ms over {args.runs} runs")
    print(f"llmeter-bar --format {args.format}, fresh cache, 2 providers:")
    print(f"  output cached (most renders):     median {h * 1000:.1f} ms  ratio {h / b:.2f}x")
    print(f"  rendered anew (first per change): median {m * 1000:.1f} ms  ratio {m / b:.2f}x")
    print("goal <= 6x, stretch 5x")


if __name__ == "__main__":
    main()
