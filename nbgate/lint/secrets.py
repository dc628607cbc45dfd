"""3xx secrets: credentials in sources, outputs and notebook metadata, always masked.

Every message shows at most the first four characters of a secret followed
by ``****`` (fewer for short secrets), so no output format ever carries one
in full. Secrets are looked for in every cell's source, in code cells'
text-like outputs (streams, ``text/*``, JSON, errors; not images) and in the
notebook's metadata (papermill records run parameters there).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson

from nbgate.lint.context import Context
from nbgate.lint.registry import ERROR, Finding, checker, finding, rule

AWS = rule(
    "NBG301", "aws-key", ERROR,
    "An AWS access key id (`AKIA...`, `ASIA...`) or an `aws_secret_access_key` value.",
    "`aws_access_key_id = \"AKIA...\"` (AKIA and 16 more capitals and digits)",
)
TOKEN = rule(
    "NBG302", "service-token", ERROR,
    "A GitHub (`ghp_`, `github_pat_`...), GitLab (`glpat-`) or Slack (`xoxb-`..., webhook URL) token.",
    "`print(\"ghp_\" + 36 characters)` left in an output",
)
PRIVATE_KEY = rule(
    "NBG303", "private-key", ERROR,
    "A private key block (`-----BEGIN ... PRIVATE KEY-----`).",
    "a cell that writes `-----BEGIN RSA PRIVATE KEY-----` to a file",
)
URL_PASSWORD = rule(
    "NBG304", "password-in-url", ERROR,
    "A URL with a password in it (`scheme://user:password@host`).",
    "`create_engine(\"postgresql://etl:Tr0ub4dor@db:5432/prod\")`",
)
ASSIGNED = rule(
    "NBG305", "high-entropy-secret", ERROR,
    "A high-entropy string (16+ characters, at least `lint.secret_min_entropy` bits per character) "
    "assigned to a name listed in `lint.secret_names` (`token`, `api_key`, `password`...).",
    "`API_KEY = \"q7T...\"` (24 random letters and digits)",
)


class _Pattern(NamedTuple):
    code: str
    kind: str
    regex: re.Pattern[str]
    group: int
    # substrings (of the lower-cased text) one of which must occur for the regex to match:
    # ``in`` runs at memory speed, so large outputs skip the regexes entirely
    hints: tuple[str, ...]


_AWS_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA", "AGPA")
_PATTERNS = (
    _Pattern("NBG301", "AWS access key id", re.compile(
        rf"(?<![A-Z0-9])((?:{'|'.join(_AWS_PREFIXES)})[A-Z0-9]{{16}})(?![A-Z0-9])"), 1,
        tuple(p.lower() for p in _AWS_PREFIXES)),
    _Pattern("NBG301", "AWS secret access key", re.compile(
        r"(?i)aws_?secret(?:_?access)?_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"), 1,
        ("secret",)),
    _Pattern("NBG302", "GitHub token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,255})(?![A-Za-z0-9])"), 1,
             ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    _Pattern("NBG302", "GitHub token", re.compile(r"\b(github_pat_[A-Za-z0-9_]{50,255})"), 1, ("github_pat_",)),
    _Pattern("NBG302", "GitLab token", re.compile(r"\b(glpat-[A-Za-z0-9_-]{20,})"), 1, ("glpat-",)),
    _Pattern("NBG302", "Slack token", re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{10,})"), 1, ("xox",)),
    _Pattern("NBG302", "Slack webhook", re.compile(
        r"hooks\.slack\.com/services/(T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+)"), 1, ("hooks.slack.com",)),
    _Pattern("NBG303", "private key block", re.compile(
        r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----"), 1,
        ("-----begin",)),
    _Pattern("NBG304", "password in URL", re.compile(
        r"\b([a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s/:@'\"]+:)([^\s/@'\"]+)@(?=[^\s/'\"@])"), 2, ("://",)),
)
# URL passwords that are templates, not secrets: ``{password}``, ``${PW}``, ``****``, ``password``
_PLACEHOLDER = re.compile(
    r"^(?:[*xX.#_-]+|[{$<%\[].*|(?:pass(?:word|wd)?|pwd|secret|token|changeme))$", re.IGNORECASE
)
_TEXT_OUTPUT = ("text/", "application/json", "application/javascript", "image/svg+xml")


# ``name = "value"``, ``name: str = "value"``, ``"name": "value"`` (dicts, JSON, YAML)
_QUOTED = re.compile(
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::\s*[\w\[\], .|]+\s*=|[:=])\s*"""
    r"""[rRbBuU]{0,2}(?P<q>["'])(?P<value>[^"'\s]{16,})(?P=q)"""
)
# ``NAME=value`` as printed by ``env``, in query strings and command lines (outputs only: in
# code this is a keyword argument whose value is an expression)
_BARE = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<value>[A-Za-z0-9+/=_.~-]{16,})(?![\w(])")


@functools.lru_cache(maxsize=8)
def _name_regex(names: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(re.escape(n.lower()) for n in sorted(names, key=len, reverse=True) if n)
    return re.compile(rf"(?:^|_)(?:{words or '(?!)'})(?:$|_)")


@functools.lru_cache(maxsize=8)
def _any_hint(names: tuple[str, ...]) -> re.Pattern[str]:
    """Every pattern's hints and every secret name in one regex (over lower-cased text)."""
    words = [hint for pattern in _PATTERNS for hint in pattern.hints] + [n.lower() for n in names if n]
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def mask(secret: str) -> str:
    """The first few characters of ``secret`` and ``****``: never more than a quarter of it."""
    return secret[: min(4, len(secret) // 4)] + "****"


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in Counter(text).values())


class _Hit(NamedTuple):
    code: str
    message: str
    offset: int


def _scan(text: str, ctx: Context, *, output: bool = False) -> Iterator[_Hit]:
    """Secrets in one piece of text, each reported once (the most specific rule wins)."""
    enabled = ctx.options.enabled
    lowered = text.lower()
    if not _any_hint(ctx.options.secret_names).search(lowered):
        return  # the common case: one pass over the text instead of one per pattern
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        if pattern.code not in enabled or not any(hint in lowered for hint in pattern.hints):
            continue
        for match in pattern.regex.finditer(text):
            secret = match.group(pattern.group)
            start, end = match.span(pattern.group)
            if pattern.code == "NBG304":
                if _PLACEHOLDER.match(secret):
                    continue
                shown = f"{match.group(1)}{mask(secret)}@..."
            elif pattern.code == "NBG303":
                shown = f"(-----BEGIN {secret}-----)"
            else:
                shown = repr(mask(secret))
            taken.append((start, end))
            yield _Hit(pattern.code, f"{pattern.kind} {shown}", start)
    if "NBG305" in enabled:
        yield from _assigned(text, lowered, ctx, taken, output)


def _assigned(text: str, lowered: str, ctx: Context, taken: list[tuple[int, int]], output: bool) -> Iterator[_Hit]:
    names = _name_regex(ctx.options.secret_names)
    if not any(name in lowered for name in ctx.options.secret_names):
        return
    matches = list(_QUOTED.finditer(text))
    if output:
        matches.extend(_BARE.finditer(text))
    for match in matches:
        value = match.group("value")
        start, end = match.span("value")
        if any(s < end and start < e for s, e in taken):
            continue
        name = match.group("name").rsplit(".", 1)[-1]
        normalized = _CAMEL.sub("_", name).lower().replace("-", "_")
        if not names.search(normalized):
            continue
        if value.startswith(("/", "./", "../", "${", "{", "<")) or "://" in value:
            continue
        bits = entropy(value)
        if bits < ctx.options.secret_min_entropy:
            continue
        taken.append((start, end))
        yield _Hit("NBG305", f"high-entropy value {mask(value)!r} assigned to {name!r} ({bits:.1f} bits/char)",
                   start)


def _output_texts(output: Any) -> Iterator[str]:
    if not isinstance(output, dict):
        return
    kind = output.get("output_type")
    if kind == "stream" and isinstance(output.get("text"), str):
        yield output["text"]
    elif kind in ("execute_result", "display_data") and isinstance(output.get("data"), dict):
        for mime, value in output["data"].items():
            if not isinstance(mime, str) or not mime.startswith(_TEXT_OUTPUT):
                continue
            if isinstance(value, str):
                yield value
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                yield "".join(value)
            else:
                yield _dump(value)
    elif kind == "error":
        parts = [output.get("ename"), output.get("evalue")]
        traceback = output.get("traceback")
        if isinstance(traceback, list):
            parts.extend(traceback)
        yield "\n".join(p for p in parts if isinstance(p, str))


def _dump(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return ""


@checker(AWS, TOKEN, PRIVATE_KEY, URL_PASSWORD, ASSIGNED)
def secrets(ctx: Context) -> Iterator[Finding]:
    """NBG301 to NBG305 in sources, outputs and notebook metadata."""
    for view in ctx.cells:
        source = view.source
        for hit in _scan(source, ctx):
            yield finding(hit.code, hit.message, view.number, source.count("\n", 0, hit.offset) + 1)
        for index, output in enumerate(view.outputs, 1):
            label = output.get("output_type", "output") if isinstance(output, dict) else "output"
            for text in _output_texts(output):
                for hit in _scan(text, ctx, output=True):
                    yield finding(hit.code, f"{hit.message} in output {index} ({label})", view.number)
    metadata = _dump(ctx.nb.get("metadata", {}))
    for hit in _scan(metadata, ctx, output=True):
        yield finding(hit.code, f"{hit.message} in notebook metadata")
