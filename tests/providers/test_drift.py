"""The drift detector: names of reply keys a parser did not declare, never values."""

from __future__ import annotations

from llmeter_bar.models import ProviderResult
from llmeter_bar.providers._drift import MAX_NAMES, merge, unknown_keys

SHAPE = {
    "five_hour": {"utilization": None, "resets_at": None},
    "~seven_day_\\w+": {"utilization": None, "resets_at": None},
    "limits": {"[]": {"kind": None, "percent": None, "scope": None}},
    "opaque": None,
}


def test_declared_keys_patterns_and_opaque_subtrees_are_understood():
    body = {
        "five_hour": {"utilization": 3, "resets_at": None},
        "seven_day_opus": {"utilization": 1},
        "seven_day_cedar": None,
        "limits": [{"kind": "session", "percent": 2, "scope": {"model": {"anything": 1}}}],
        "opaque": {"whatever": {"deep": 1}},
    }
    assert unknown_keys(body, SHAPE) == []


def test_new_keys_are_reported_as_dotted_paths_without_values():
    body = {
        "five_hour": {"utilization": 3, "window_minutes": 300},
        "limits": [{"kind": "session", "cap_minor": 5}, {"kind": "x", "cap_minor": 6}, "junk"],
        "cedar_ember": {"token": "sk-ant-secret"},
        "bad key\n\x1b[31m": 1,
    }
    names = unknown_keys(body, SHAPE)
    assert names == sorted(["bad?key???31m", "cedar_ember", "five_hour.window_minutes", "limits[].cap_minor"])
    assert not any("sk-ant" in n or "token" in n for n in names)


def test_non_object_replies_and_caps():
    assert unknown_keys([1, 2], SHAPE) == []
    assert unknown_keys("text", SHAPE) == []
    many = {f"k{i}": i for i in range(200)}
    assert len(unknown_keys(many, SHAPE)) == MAX_NAMES
    assert merge(["b", "a"], ["a", "c"]) == ["a", "b", "c"]


def test_unknown_fields_survive_the_cache_round_trip():
    result = ProviderResult(id="x", name="X", unknown_fields=["a.b"])
    assert ProviderResult.from_dict(result.to_dict()).unknown_fields == ["a.b"]
    assert ProviderResult.from_dict({"id": "x"}).unknown_fields == []
