"""Where the files live: the quick XDG answer a cached render uses must be
the one platformdirs gives, or no answer at all."""

from __future__ import annotations

import os

import platformdirs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmeter_bar import paths

VALUES = st.one_of(
    st.just(""), st.just(" "), st.just("relative/dir"), st.just("~/tilde"),
    st.sampled_from(["/home/u", "/home/u/", "/home/u//", "/", "//", "/srv//x", "/tmp/with space", "/tmp/ünï"]),
    st.text(alphabet="/ab.~ ", max_size=12),
)
KINDS = {"config": platformdirs.user_config_dir, "cache": platformdirs.user_cache_dir,
         "state": platformdirs.user_state_dir}


@settings(max_examples=300, deadline=None)
@given(home=st.one_of(st.none(), VALUES), xdg=st.one_of(st.none(), VALUES), kind=st.sampled_from(sorted(KINDS)))
def test_quick_answer_is_platformdirs_answer_or_none(home, xdg, kind):
    variable = paths._KINDS[kind][0]
    saved = {name: os.environ.get(name) for name in ("HOME", variable)}
    try:
        for name, value in (("HOME", home), (variable, xdg)):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        quick = paths.xdg_quick(kind)
        if quick is not None:
            assert quick == KINDS[kind](paths.APP, appauthor=False)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_usual_values_get_a_quick_answer(kind, isolated_home, monkeypatch):
    monkeypatch.delenv(paths._KINDS[kind][0])
    assert paths.xdg_quick(kind) == str(isolated_home / paths._KINDS[kind][1] / "llmeter-bar")


def test_overrides_win_and_expand_the_tilde(monkeypatch, isolated_home):
    monkeypatch.setenv("LLMETER_BAR_CACHE_DIR", "~/elsewhere")
    assert paths.cache_dir_str() == f"{isolated_home}/elsewhere"
    assert str(paths.cache_dir()) == f"{isolated_home}/elsewhere"
    monkeypatch.delenv("LLMETER_BAR_CONFIG")
    monkeypatch.setenv("LLMETER_BAR_CONFIG_DIR", "~/conf")
    assert paths.config_file_str() == f"{isolated_home}/conf/config.toml"
    monkeypatch.delenv("LLMETER_BAR_CONFIG_DIR")
    assert paths.config_file() == isolated_home / ".config" / "llmeter-bar" / "config.toml"
