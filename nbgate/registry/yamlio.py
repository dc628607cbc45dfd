"""YAML for revision files: a canonical layout PyYAML reads back exactly, and a fast reader for it.

PyYAML is the authority on what a file means. Its C loader still builds every
node in Python (about 300 µs for a revision file) and ``nbgate registry
verify`` reads tens of thousands of files, so ``dumps`` writes a canonical
subset of YAML and ``loads`` has a fast path for exactly that subset:

* block mappings, two-space indentation, keys in the record's order;
* lists (and anything inside lists) in flow style, written as JSON;
* strings plain only when YAML 1.1 cannot read them as anything else (they
  start with a letter, hold no indicator characters and are not a boolean or
  null word), otherwise JSON-quoted; numbers as PyYAML writes them.

The fast path parses that layout line by line and keeps the result only if
dumping it gives back the very same bytes. Because ``yaml.safe_load(dumps(x))
== x`` for every value ``dumps`` accepts (tested), a result the fast path keeps
is the one PyYAML would produce. Anything else (comments, hand edits, another
layout) goes to ``yaml.CSafeLoader`` (``SafeLoader`` without libyaml), and so
does every file with the ``yaml-reader`` fast path off (``nbgate.fastpaths``).
"""

from __future__ import annotations

import math
import re
from typing import Any

import orjson

from nbgate import fastpaths

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./@+=<>()-]*(?: [A-Za-z0-9_./@+=<>()-]+)*\Z")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: YAML 1.1 reads these (in any case) as booleans or null; y/n only by some tools, quoted anyway.
_RESERVED = frozenset(("y", "yes", "n", "no", "true", "false", "on", "off", "null"))
#: Characters YAML rejects or folds inside a double-quoted scalar even though JSON leaves them raw.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]*(?:e[-+][0-9]+)?\Z")
_LINE = re.compile(r'( *)([A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*"):(?: (.+))?\Z')
#: PyYAML refuses implicit keys longer than 1024 characters.
_MAX_KEY = 1000


class _Fallback(Exception):
    """The value needs PyYAML's own emitter."""


def _quoted(text: str) -> str:
    if _UNSAFE.search(text):
        raise _Fallback
    return orjson.dumps(text).decode("utf-8")


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise _Fallback
    text = repr(value).lower()
    # PyYAML's resolver needs a dot in a float ("1e+16" would read back as a string)
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


def _scalar(value: Any, *, flow: bool) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        if not flow and _PLAIN.match(value) and value.lower() not in _RESERVED:
            return value
        return _quoted(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(item, flow=True) for item in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{_key(k, flow=True)}: {_scalar(v, flow=True)}" for k, v in value.items())
            + "}"
        )
    raise _Fallback


def _key(key: Any, *, flow: bool) -> str:
    if not isinstance(key, str) or len(key) > _MAX_KEY:
        raise _Fallback
    if not flow and _KEY.match(key) and key.lower() not in _RESERVED:
        return key
    return _quoted(key)


def _block(mapping: dict[str, Any], indent: str, out: list[str]) -> None:
    for key, value in mapping.items():
        name = _key(key, flow=False)
        if isinstance(value, dict) and value:
            out.append(f"{indent}{name}:\n")
            _block(value, indent + "  ", out)
        else:
            out.append(f"{indent}{name}: {_scalar(value, flow=False)}\n")


def dumps(document: dict[str, Any]) -> bytes:
    """``document`` as UTF-8 YAML, in the canonical layout when its values allow it."""
    out: list[str] = []
    try:
        _block(document, "", out)
    except _Fallback:
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text: str = yaml.dump(
            document,
            Dumper=dumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=1 << 16,
        )
        return text.encode("utf-8")
    return "".join(out).encode("utf-8")


def _value(text: str) -> Any:
    first = text[0]
    if first in '"[{':
        return orjson.loads(text)
    if text == "null":
        return None
    if text == "true":
        return True
    if text == "false":
        return False
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


_MISSING = object()
#: Memo of scalar texts already proven canonical (shared by the thousands of files verify reads).
_SCALARS: dict[str, Any] = {}
_KEYS: dict[str, Any] = {}
_MEMO_LIMIT = 50_000
_LINE_MEMO: dict[str, tuple[int, str, Any, bool]] = {}
_DEPTHS = {" " * (2 * depth): depth for depth in range(64)}


def _canonical_value(text: str) -> Any:
    """The value of a block-level scalar text, or ``_MISSING`` if ``dumps`` would write it differently."""
    known = _SCALARS.get(text, _MISSING)
    if known is not _MISSING:
        return known
    try:
        value = _value(text)
        canonical = not (isinstance(value, dict) and value) and _scalar(value, flow=False) == text
    except (orjson.JSONDecodeError, _Fallback):
        return _MISSING
    if not canonical:
        return _MISSING
    if not isinstance(value, (list, dict)):  # only immutable values may be shared between documents
        if len(_SCALARS) > _MEMO_LIMIT:
            _SCALARS.clear()
        _SCALARS[text] = value
    return value


def _canonical_key(text: str) -> Any:
    known = _KEYS.get(text, _MISSING)
    if known is not _MISSING:
        return known
    try:
        key = orjson.loads(text) if text[0] == '"' else text
        if _key(key, flow=False) != text:
            return _MISSING
    except (orjson.JSONDecodeError, _Fallback):
        return _MISSING
    if len(_KEYS) > _MEMO_LIMIT:
        _KEYS.clear()
    _KEYS[text] = key
    return key


def _parse_line(line: str) -> tuple[int, str, Any, bool] | None:
    """``(depth, key, value, shareable)`` of one canonical line (value ``_MISSING`` opens a mapping)."""
    match = _LINE.match(line)
    if match is None:
        return None
    spaces, name, text = match.groups()
    depth = _DEPTHS.get(spaces, -1)
    key = _canonical_key(name)
    if depth < 0 or key is _MISSING:
        return None
    if text is None:
        return depth, key, _MISSING, True
    value = _canonical_value(text)
    if value is _MISSING:
        return None
    return depth, key, value, not isinstance(value, (list, dict))


def _fast(data: bytes) -> dict[str, Any] | None:
    """The document if ``data`` is exactly what ``dumps`` writes for it, else None.

    Equivalent to parsing the layout and checking ``dumps(result) == data``,
    fused into one pass: every line must be one ``key: value`` (or ``key:``
    opening a non-empty mapping) whose key and value texts are the ones
    ``dumps`` writes, at the indentation of its mapping, without duplicates.
    Lines repeat across revision files (``action: promote``, ``kernel:
    python3``...), so parsed lines are memoised.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.endswith("\n"):
        return None
    root: dict[str, Any] = {}
    stack: list[dict[str, Any]] = [root]
    current, level, expect_child = root, 0, False
    memo = _LINE_MEMO
    if len(memo) > _MEMO_LIMIT:
        memo.clear()
    for line in text[:-1].split("\n"):
        entry = memo.get(line)
        if entry is None:
            entry = _parse_line(line)
            if entry is None:
                return (
                    None  # not `key: value` (a comment, list item, blank line...) or not canonical
                )
            if entry[3]:
                memo[line] = entry
        depth, key, value, _ = entry
        if depth != level:
            if depth > level or expect_child:
                return None
            del stack[depth + 1 :]
            current, level = stack[depth], depth
        if key in current:
            return None
        if value is _MISSING:
            child: dict[str, Any] = {}
            current[key] = child
            stack.append(child)
            current, level, expect_child = child, level + 1, True
        else:
            current[key] = value
            expect_child = False
    return None if expect_child else root


def loads(data: bytes) -> Any:
    """Parse YAML bytes: the fast path for canonical files, PyYAML's safe loader otherwise.

    Raises ``yaml.YAMLError`` (from PyYAML) for malformed input.
    """
    document = _fast(data) if fastpaths.enabled("yaml-reader") else None
    if document is not None:
        return document
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(data, Loader=loader)
    _reject_aliases(document)
    return document


class AliasError(ValueError):
    """A YAML anchor is used more than once (an alias)."""


def _reject_aliases(document: Any) -> None:
    """Refuse shared or cyclic containers, which only YAML aliases produce.

    A few aliases can stand for exponentially many nodes ("billion laughs"),
    which would blow up anything that walks or compares the parameters.
    """
    seen: set[int] = set()
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)):
            if id(item) in seen:
                raise AliasError(
                    "YAML anchors and aliases (&name, *name) are not allowed in revision files"
                )
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)
