"""Hostile JSON and files, handled once: duplicate keys, depth, lone surrogates, non-regular files.

Reading a notebook must never hang or crash and never silently resolve an
ambiguity, so:

* ``read_regular`` opens only regular files (a FIFO named ``x.ipynb`` would
  block ``open`` forever; a device or socket is never a notebook);
* ``check_shape`` refuses a document nested deeper than ``MAX_DEPTH`` (deeper
  values crash recursive code downstream: nbformat, papermill, jsonschema)
  and one whose objects repeat a key (``"cells": [...], "cells": []``: JSON
  parsers silently keep the last one). Duplicates are found cheaply: the
  parsed tree's key count is compared with an upper bound counted over the
  raw bytes, and only when they differ are the bytes parsed again keeping
  every key;
* ``dumps_bytes`` serialises like ``orjson.dumps`` but writes a lone
  surrogate (valid in JSON as ``"\\ud83d"``, invalid in UTF-8) escaped,
  exactly as ``json.dumps`` does, instead of failing.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import orjson

#: The deepest nesting of arrays and objects a notebook may have (the notebook itself is level 1).
MAX_DEPTH = 100

_LEAVES = frozenset((str, int, float, bool, type(None)))
_SURROGATE = re.compile("[\ud800-\udfff]")
_KEY_SPACED = re.compile(rb'"[ \t\r\n]+:')
_KEY_ANY = re.compile(rb'"[ \t\r\n]*:')
_KEY_ESCAPED = re.compile(rb'\\"[ \t\r\n]*:')
_KEY_BACKSLASH = re.compile(rb'\\\\"[ \t\r\n]*:')


class ShapeError(ValueError):
    """The JSON is well-formed but nbgate refuses it (the message says why)."""


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def escape_surrogates(text: str) -> str:
    """Replace each lone surrogate in JSON text by its ``\\uXXXX`` escape (as ``json.dumps`` writes it).

    Surrogates can only occur inside JSON strings, so this never changes the
    document's structure.
    """
    return _SURROGATE.sub(_escape, text)


def dumps_bytes(value: Any, *, sort_keys: bool = False) -> bytes:
    """``orjson.dumps(value)``, falling back to the stdlib for lone surrogates and huge integers."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    except (TypeError, orjson.JSONEncodeError):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)
        return escape_surrogates(text).encode("utf-8")


def _key_bound(raw: bytes, keys: int = -1) -> int:
    """An upper bound on the number of object keys written in ``raw`` (exact for nbformat's layout).

    Every key ends with an unescaped quote (preceded by an even number of
    backslashes) and a colon. Occurrences preceded by exactly one backslash
    are escaped quotes inside strings (``{\\"a\\": 1}`` in a source) and
    are not counted; those preceded by two or more are counted again. When
    the plain count already equals ``keys`` the corrections are skipped:
    they could only lower it.
    """
    if _KEY_SPACED.search(raw) is None:  # nbformat's own layout: plain byte counts suffice
        bound = raw.count(b'":')
        if bound != keys:
            bound += raw.count(b'\\\\":') - raw.count(b'\\":')
        return bound
    return (
        len(_KEY_ANY.findall(raw))
        - len(_KEY_ESCAPED.findall(raw))
        + len(_KEY_BACKSLASH.findall(raw))
    )


def _keys_and_depth(value: Any) -> tuple[int, int]:
    """How many object keys ``value`` holds, and its nesting depth (iterative: no recursion limit)."""
    keys = 0
    deepest = 0
    stack = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        item, depth = pop()
        if depth > deepest:
            deepest = depth
            if depth > MAX_DEPTH:
                break
        if type(item) is dict:
            keys += len(item)
            children: Any = item.values()
        else:
            children = item
        if _LEAVES.issuperset(
            map(type, children)
        ):  # at C speed: most lists hold only strings (lines)
            continue
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                push((child, depth + 1))
    return keys, deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ShapeError(
                    f"duplicate JSON key {key!r} (JSON readers silently keep only the last one)"
                )
            seen.add(key)
    return result


def loads_strict(text: str) -> Any:
    """``json.loads`` that raises ``ShapeError`` on a duplicate key."""
    return json.loads(text, object_pairs_hook=_no_duplicates)


def check_shape(value: Any, raw: bytes | None) -> None:
    """Raise ``ShapeError`` if ``value`` (parsed from ``raw``) nests too deeply or repeats a key.

    With ``raw=None`` only the depth is checked (the value came from
    ``loads_strict``, which already refused duplicates).
    """
    if type(value) is not dict and type(value) is not list:
        return
    keys, depth = _keys_and_depth(value)
    if depth > MAX_DEPTH:
        raise ShapeError(f"nested more than {MAX_DEPTH} levels deep")
    if raw is not None and _key_bound(raw, keys) != keys:
        try:
            loads_strict(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            pass  # orjson read it; the stdlib's view of odd input does not matter here


def read_regular(path: Path) -> bytes:
    """The bytes of ``path``, refusing anything that is not a regular file (without blocking on it).

    Raises ``OSError`` (as ``open`` would) or ``IsADirectoryError`` /
    ``ShapeError`` naming what the path is instead.
    """
    info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "Is a directory", str(path))
    if not stat.S_ISREG(info.st_mode):
        raise ShapeError(f"not a regular file ({_kind(info.st_mode)})")
    # O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening it still returns
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ShapeError(f"not a regular file ({_kind(info.st_mode)})")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a file"
