"""A stalled upstream costs at most the configured timeout plus one second, and
never makes a later call hang. Run one at a time: nothing else competes."""

from __future__ import annotations

import pytest

from support import allproviders, e2e

TIMEOUT = 1.0
SLOW = ("never_answer", "headers_then_stall", "huge_body", "tls_self_signed")


@pytest.fixture
def setup(faults, tmp_path, isolated_home):
    allproviders.plant(isolated_home)
    (tmp_path / "config").mkdir(exist_ok=True)

    def env_for(mode: str, name: str) -> dict[str, str]:
        root = tmp_path / name
        (root / "config").mkdir(parents=True)
        (root / "config" / "config.toml").write_text(
            allproviders.config(lambda p: faults.base_url(mode, p), timeout=TIMEOUT))
        return e2e.isolated_env(root, home=isolated_home)

    return env_for


@pytest.mark.parametrize("fault", SLOW)
def test_a_stalled_fetch_ends_within_timeout_plus_one_second(setup, fault):
    # The command's own start-up (interpreter, aiohttp import) measured the same way.
    baseline = min(e2e.run("--format", "json", "--wait", env=setup("good", f"good{i}")).elapsed for i in range(2))
    for fmt in ("json", "tmux"):
        env = setup(fault, f"{fault}-{fmt}")
        run = e2e.run("--format", fmt, "--wait", env=env)
        assert run.returncode == 0 and run.stderr == ""
        assert run.elapsed <= baseline + TIMEOUT + 1.0, f"{fault}: {run.elapsed:.2f} s (start-up {baseline:.2f} s)"
        if fmt == "json":
            kinds = {p["error"]["kind"] for p in run.json()["providers"]}
            assert kinds <= {"network", "parse"}, kinds
        else:
            e2e.host_text(fmt, run)
        # The next calls find nothing due: no fetch, no wait.
        again = e2e.run("--format", fmt, "--wait", env=env)
        assert again.elapsed <= baseline + 0.5, f"a later call took {again.elapsed:.2f} s"
