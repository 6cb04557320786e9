"""The cached output line: served while valid, dropped when anything it shows changes."""

from __future__ import annotations

import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmeter_bar.store.cache import Store
from support import cli


def _poke(tmp_path, key: str, used: float, bump: bool) -> None:
    """Rewrite a record's figure directly; ``bump`` announces it as the engine does."""
    from llmeter_bar.store import fastpath

    store = Store(tmp_path / "cache")
    record = store.read(key)
    record["result"]["windows"][0]["used_percent"] = used
    store.write(key, record)
    if bump:
        fastpath.bump(store.cache)
    store.close()


def test_repeat_renders_are_served_from_the_output_cache(tmp_path, fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 40})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    first = cli.run("--format", "plain").stdout
    assert "40%" in first
    _poke(tmp_path, "fake", 41, bump=False)  # a change nobody announced...
    assert cli.run("--format", "plain").stdout == first  # ...is not seen: the line came from the cache
    assert "41%" in cli.run("--format", "plain", LLMETER_BAR_OUTPUT_CACHE="0").stdout
    _poke(tmp_path, "fake", 42, bump=True)
    assert "42%" in cli.run("--format", "plain").stdout


def test_a_refresh_invalidates_the_cached_line(tmp_path, fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 40})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    assert "40%" in cli.run("--format", "tmux").stdout
    fake_server.reply("/usage/fake", {"used": 77})
    store = Store(tmp_path / "cache")
    store.update("fake", next_at=0)
    store.close()
    assert "77%" in cli.run("refresh").stdout.replace("fake: ok", "77%")
    assert "77%" in cli.run("--format", "tmux").stdout


def test_a_config_change_invalidates_the_cached_line(tmp_path, fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 40})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    assert "Fake" in cli.run("--format", "plain").stdout
    write_config(cli.fake_config(fake_server.url).replace('name = "Fake"', 'name = "Renamed"') + "\n")
    assert "40%" in cli.run("--format", "plain").stdout


def test_formats_and_options_have_their_own_lines(fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 40})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    tmux = cli.run("--format", "tmux").stdout
    plain = cli.run("--format", "plain").stdout
    assert tmux != plain and "#[" in tmux and "#[" not in plain
    assert cli.run("--format", "tmux").stdout == tmux


def test_while_a_due_provider_is_being_fetched_repeat_renders_are_cache_hits(tmp_path, fake_server, write_config):
    fake_server.reply("/usage/fake", {"used": 40})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    fake_server.reply("/usage/fake", {"used": 60}, delay=2.5)  # the refresher's answer takes a while
    store = Store(tmp_path / "cache")
    store.update("fake", next_at=0)  # the interval ran out
    store.close()
    first = cli.run("--format", "tmux").stdout  # starts the one refresher
    assert "40%" in first
    cli.wait_until(lambda: fake_server.hits.get("/usage/fake", 0) == 2, timeout=5)
    _poke(tmp_path, "fake", 41, bump=False)
    # The refresher still runs: the line cannot change before it writes, so it is
    # served from the output cache rather than rendered anew.
    assert cli.run("--format", "tmux").stdout == first
    # Its write announces itself: the new figure shows at once.
    cli.wait_until(lambda: "60%" in cli.run("--format", "tmux").stdout, timeout=10)


def test_a_write_landing_mid_render_is_not_filed_as_the_current_line(tmp_path, fake_server, write_config,
                                                                        monkeypatch, capsys):
    """A refresher that writes between a render's read and its store must not
    leave the old figures cached under the new generation."""
    from llmeter_bar.fetch import engine
    from llmeter_bar.cli import entry

    fake_server.reply("/usage/fake", {"used": 40})
    write_config(cli.fake_config(fake_server.url))
    cli.run("refresh")
    real_collect = engine.collect

    def collect_then_a_refresher_writes(*args, **kwargs):
        results = real_collect(*args, **kwargs)
        _poke(tmp_path, "fake", 55, bump=True)
        return results

    with monkeypatch.context() as patch:
        patch.setattr(engine, "collect", collect_then_a_refresher_writes)
        assert entry.main(["--format", "plain"]) == 0
    assert "40%" in capsys.readouterr().out  # what was read when the render began
    assert "55%" in cli.run("--format", "plain").stdout


LINES = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=LINES, code=st.sampled_from([0, 1, 33]))
def test_what_diskcache_stored_the_direct_reader_prints(tmp_path, monkeypatch, capsys, text, code):
    """The hit path reads diskcache's table itself: whatever a render stored
    through diskcache comes back byte for byte, exit code included."""
    from llmeter_bar.store import fastpath

    argv = ["--format", "plain"]
    store = Store()
    try:
        fastpath.bump(store.cache)
        generation = fastpath.generation(store)
        fastpath.remember(store, argv, [(time.time() - 1, time.time() + 30, code, text)], False, generation,
                          due=time.time() + 60)
    finally:
        store.close()
    capsys.readouterr()
    assert fastpath.lookup(argv) == code
    assert capsys.readouterr().out == text + "\n"


def test_the_direct_reader_misses_what_it_cannot_read_as_diskcache_would(capsys):
    from llmeter_bar.store import fastpath

    now = time.time()
    store = Store()
    try:
        assert fastpath.lookup(["--format", "plain"]) is None  # nothing stored
        generation = fastpath.generation(store)
        # Long enough that diskcache keeps it in a file of its own, not in the table:
        # read from that file (a bar with hundreds of accounts keeps its hit path).
        big = [(now - 1, now + 30, 0, "x" * 40_000)]
        fastpath.remember(store, ["--format", "plain"], big, False, generation, due=now + 60)
        assert fastpath.lookup(["--format", "plain"]) == 0
        assert store.cache.get(fastpath.key(["--format", "plain"], generation, False)) == fastpath.encode(big, now + 60)
        fastpath.remember(store, ["--format", "tmux"], [(now - 1, time.time() + 3, 0, "gone")], False, generation,
                          due=now + 60)
        assert fastpath.lookup(["--format", "tmux"]) == 0
        time.sleep(3.2)
        assert fastpath.lookup(["--format", "tmux"]) is None  # expired, as diskcache's get would say
    finally:
        store.close()
    assert capsys.readouterr().out == "x" * 40_000 + "\ngone\n"


def test_a_render_also_writes_the_next_minutes_and_each_shows_its_own_countdown(write_config, monkeypatch, capsys):
    """Countdowns tick once a minute: the lines of the next minutes are rendered
    with the first, so those minutes' renders are hits showing the right time."""
    import math
    from datetime import datetime, timedelta, timezone

    from llmeter_bar.cli import entry
    from llmeter_bar.store import fastpath
    from llmeter_bar.fetch import refresh
    from llmeter_bar.config import load
    from llmeter_bar.models import ProviderResult, Window

    write_config(cli.fake_config("http://127.0.0.1:9", interval=3600))
    now = time.time()
    resets = now + 30 * 60 + 17
    fetched = datetime.fromtimestamp(now, timezone.utc)
    result = ProviderResult(id="fake", name="Fake", fetched_at=fetched, windows=[
        Window("five_hour", "5h", 40.0, fetched + timedelta(seconds=resets - now), 18000)])
    store = Store()
    refresh.record_outcome(store, load().settings_for("fake"), result, now, 3600)
    store.close()
    assert entry.main(["--format", "plain"]) == 0
    assert capsys.readouterr().out == "Fake 40% 31m\n"
    real_time = time.time
    minute = (now // 60 + 1) * 60
    for k in range(fastpath.AHEAD):
        at = minute + 60 * k + 5
        monkeypatch.setattr(time, "time", lambda at=at: at)
        assert fastpath.lookup(["--format", "plain"]) == 0, f"minute +{k + 1} was not written ahead"
        assert capsys.readouterr().out == f"Fake 40% {math.ceil((resets - (minute + 60 * k)) / 60)}m\n"
    monkeypatch.setattr(time, "time", lambda: minute + 60 * fastpath.AHEAD + 5)
    assert fastpath.lookup(["--format", "plain"]) is None  # beyond what was rendered ahead
    monkeypatch.setattr(time, "time", real_time)


def test_once_due_one_render_takes_the_turn_to_refresh_and_the_rest_print_the_line(monkeypatch, capsys):
    from llmeter_bar.store import fastpath

    now = time.time()
    argv = ["--format", "plain"]
    store = Store()
    try:
        generation = fastpath.generation(store)
        fastpath.remember(store, argv, [(now - 1, now + 600, 0, "Fake 40%")], False, generation, due=now + 100)
        assert [fastpath.lookup(argv) for _ in range(3)] == [0, 0, 0]  # not due yet: plain hits
        monkeypatch.setattr(time, "time", lambda: now + 101)
        turns = [fastpath.lookup(argv) for _ in range(5)]
        assert turns == [None, 0, 0, 0, 0]  # the first goes the slow way (which starts the refresh)
        monkeypatch.setattr(time, "time", lambda: now + 101 + fastpath.TURN + 1)
        assert [fastpath.lookup(argv) for _ in range(3)] == [None, 0, 0]  # that one never refreshed: next turn
    finally:
        store.close()
    assert capsys.readouterr().out == "Fake 40%\n" * 9


def test_long_lines_keep_fewer_minutes_ahead_but_stay_readable(capsys):
    """diskcache moves a str of 32768 characters or more into a file of its
    own, which the direct reader does not read: the minutes ahead are cut to fit."""
    from llmeter_bar.store import fastpath

    now = time.time()
    line = "é" * 4000  # seven such lines fit, eleven would not
    lines = [(now - 1 + 60 * i, now + 59 + 60 * i, 0, line) for i in range(11)]
    store = Store()
    try:
        fastpath.remember(store, ["--format", "waybar"], lines, False, fastpath.generation(store), due=now + 900)
        assert fastpath.lookup(["--format", "waybar"]) == 0
    finally:
        store.close()
    assert capsys.readouterr().out == line + "\n"


def test_a_hit_path_that_cannot_find_the_cache_falls_through_quietly(monkeypatch, capsys):
    """No HOME and no XDG dirs: platformdirs raises; the slow path decides."""
    from llmeter_bar import paths
    from llmeter_bar.store import fastpath

    def nowhere() -> str:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(paths, "cache_dir_str", nowhere)
    assert fastpath.lookup(["--format", "tmux"]) is None
    assert capsys.readouterr() == ("", "")


def _accounts(n: int, url: str) -> str:
    return cli.fake_config(url) + "".join(f"[provider.fake.accounts.acct{i:03d}]\n" for i in range(n))


def test_a_bar_with_hundreds_of_accounts_keeps_its_hit_path(tmp_path, fake_server, write_config):
    """Past ~150 accounts the waybar line is over diskcache's inline limit: it is
    stored in a file and served from there, not rendered (and written) each time."""
    import subprocess
    import sys

    from datetime import datetime, timezone

    from llmeter_bar.models import ProviderResult, Window

    write_config(_accounts(450, fake_server.url))
    store = Store(tmp_path / "cache")
    now = time.time()
    for i in range(450):
        result = ProviderResult(id="fake", name="Fake", instance=f"acct{i:03d}", source="api",
                                fetched_at=datetime.fromtimestamp(now, timezone.utc),
                                windows=[Window("w", "5h", float(i % 100), None, None)])
        store.write(f"fake:acct{i:03d}", {"result": result.to_dict(), "attempt_at": now, "next_at": now + 3600})
    store.close()
    first = cli.run("--format", "waybar")
    assert len(first.stdout) > 40_000 and json.loads(first.stdout)["tooltip"].count("\r") > 450
    files = sorted(p for p in (tmp_path / "cache").rglob("*.val"))
    assert len(files) == 1  # the long line, in diskcache's own file
    probe = subprocess.run([sys.executable, "-c", HIT_PROBE, "--format", "waybar"], capture_output=True, text=True,
                           env=cli.env())
    assert probe.stdout == first.stdout  # \r in the tooltip intact
    assert "llmeter_bar.render" not in probe.stderr.split("\n")  # served, not rendered
    for _ in range(3):
        assert cli.run("--format", "waybar").stdout == first.stdout
    assert sorted(p for p in (tmp_path / "cache").rglob("*.val")) == files  # no new file per render


HIT_PROBE = """
import sys
from llmeter_bar.cli.entry import main
main(sys.argv[1:])
sys.stderr.write("\\n".join(sorted(sys.modules)))
"""
