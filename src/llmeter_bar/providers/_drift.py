"""Noticing upstream drift: the names of reply keys a parser did not understand.

Usage endpoints change without notice (new windows, renamed fields, codename
pools). A parser declares the shape it reads as a :data:`Shape` and calls
:func:`unknown_keys` on the reply; the names it gets back go into
``ProviderResult.unknown_fields``, ``doctor`` lists them with the date they were
first seen, and ``--format json`` carries them. Only key *names* are recorded,
never values, so nothing private can leak this way.

A shape is a dict from key to what is under it:

* ``None``: the key is understood and not looked into (a leaf, or a subtree
  the parser treats as opaque);
* a dict: a nested object with its own shape;
* ``{"[]": shape}``: a list whose object items have ``shape``;
* a key written ``"~regex"`` matches any key that full-matches the regex
  (``"~seven_day_\\w+"``); ``"*"`` matches every key.

Keys are reported as dotted paths: ``limits[].cap``, ``extra_usage.pool``.
"""

from __future__ import annotations

import re
from typing import Any, Union

Shape = Union[dict[str, Any], None]

MAX_NAMES = 40  # a reply that changed wholesale says so in 40 names
_NAME_CAP = 80  # key names are provider text: keep them short
_SAFE = re.compile(r"[^\w.\-]")
_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _pattern(key: str) -> re.Pattern[str]:
    found = _REGEX_CACHE.get(key)
    if found is None:
        found = _REGEX_CACHE[key] = re.compile(key[1:])
    return found


def _lookup(shape: dict[str, Any], key: str) -> tuple[bool, Shape]:
    if key in shape:
        return True, shape[key]
    for pattern, sub in shape.items():
        if pattern.startswith("~") and _pattern(pattern).fullmatch(key):
            return True, sub
    if "*" in shape:
        return True, shape["*"]
    return False, None


def _clean(name: str) -> str:
    """A key name safe to print anywhere: word characters only, bounded."""
    return _SAFE.sub("?", name)[:_NAME_CAP]


def _walk(value: Any, shape: Shape, path: str, out: list[str]) -> None:
    if shape is None or len(out) >= MAX_NAMES:
        return
    if isinstance(value, list):
        item_shape = shape.get("[]")
        if item_shape is not None:
            for item in value:
                _walk(item, item_shape, f"{path}[]", out)
        return
    if not isinstance(value, dict):
        return
    for key in value:
        name = f"{path}.{_clean(str(key))}" if path else _clean(str(key))
        known, sub = _lookup(shape, str(key))
        if not known:
            if name not in out:
                out.append(name)
            if len(out) >= MAX_NAMES:
                return
            continue
        _walk(value[key], sub, name, out)


def unknown_keys(value: Any, shape: Shape, prefix: str = "") -> list[str]:
    """Sorted names of the keys in ``value`` that ``shape`` does not describe."""
    out: list[str] = []
    _walk(value, shape, prefix, out)
    return sorted(out)


def merge(*groups: list[str]) -> list[str]:
    """Several parsers' findings as one sorted list without repeats."""
    return sorted({name for group in groups for name in group})[:MAX_NAMES]
