"""3xx secrets: credentials in sources, outputs and notebook metadata, always masked.

Every message shows at most the first four characters of a secret followed
by ``****`` (fewer for short secrets), so no output format ever carries one
in full; ``mask_text`` applies the same masking to every other rule's
messages. Secrets are looked for in every cell's source, in code cells'
text-like outputs (streams, ``text/*``, JSON, errors; not images), in cell
metadata and in the notebook's metadata (papermill records run parameters
there).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson

from nbgate.lint.checkers import checker
from nbgate.lint.context import Context
from nbgate.lint.registry import ERROR, Finding, finding, rule

AWS = rule(
    "NBG301",
    "aws-key",
    ERROR,
    "An AWS access key id (`AKIA...`, `ASIA...`) or an `aws_secret_access_key` value.",
    '`aws_access_key_id = "AKIA..."` (AKIA and 16 more capitals and digits)',
)
TOKEN = rule(
    "NBG302",
    "service-token",
    ERROR,
    "A service token recognised by its own shape: GitHub (`ghp_`, `github_pat_`...), GitLab (`glpat-`), "
    "Slack (`xoxb-`..., webhook URL), a JWT (`eyJ...`), an Azure storage `AccountKey=`, Stripe "
    "(`sk_live_`, `rk_live_`), SendGrid (`SG.`), npm (`npm_`), Google (`AIza`, `GOCSPX-`), OpenAI "
    "(`sk-proj-`), Anthropic (`sk-ant-`) or Hugging Face (`hf_`).",
    '`print("ghp_" + 36 characters)` left in an output',
)
PRIVATE_KEY = rule(
    "NBG303",
    "private-key",
    ERROR,
    "A private key block (`-----BEGIN ... PRIVATE KEY-----`).",
    "a cell that writes `-----BEGIN RSA PRIVATE KEY-----` to a file",
)
URL_PASSWORD = rule(
    "NBG304",
    "password-in-url",
    ERROR,
    "A URL with a password in it (`scheme://user:password@host`).",
    '`create_engine("postgresql://etl:Tr0ub4dor@db:5432/prod")`',
)
ASSIGNED = rule(
    "NBG305",
    "high-entropy-secret",
    ERROR,
    "A high-entropy string (16+ characters, at least `lint.secret_min_entropy` bits per character) "
    "assigned to a name listed in `lint.secret_names` (`token`, `api_key`, `password`...).",
    '`API_KEY = "q7T..."` (24 random letters and digits)',
)


class _Pattern(NamedTuple):
    code: str
    kind: str
    regex: re.Pattern[str]
    group: int
    # substrings (of the lower-cased text) one of which must occur for the regex to match:
    # ``in`` runs at memory speed, so large outputs skip the regexes entirely
    hints: tuple[str, ...]
    # tokens made of letters and digits only: the match must mix lower case, upper case and digits
    mixed: bool = False


_AWS_PREFIXES = (
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "AIDA",
    "AROA",
    "AIPA",
    "ANPA",
    "ANVA",
    "APKA",
    "AGPA",
)
_PATTERNS = (
    _Pattern(
        "NBG301",
        "AWS access key id",
        re.compile(rf"(?<![A-Z0-9])((?:{'|'.join(_AWS_PREFIXES)})[A-Z0-9]{{16}})(?![A-Z0-9])"),
        1,
        tuple(p.lower() for p in _AWS_PREFIXES),
    ),
    _Pattern(
        "NBG301",
        "AWS secret access key",
        re.compile(
            r"(?i)aws_?secret(?:_?access)?_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        1,
        ("secret",),
    ),
    _Pattern(
        "NBG302",
        "GitHub token",
        re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,255})(?![A-Za-z0-9])"),
        1,
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    ),
    _Pattern(
        "NBG302",
        "GitHub token",
        re.compile(r"\b(github_pat_[A-Za-z0-9_]{50,255})"),
        1,
        ("github_pat_",),
    ),
    _Pattern("NBG302", "GitLab token", re.compile(r"\b(glpat-[A-Za-z0-9_-]{20,})"), 1, ("glpat-",)),
    _Pattern(
        "NBG302", "Slack token", re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{10,})"), 1, ("xox",)
    ),
    _Pattern(
        "NBG302",
        "Slack webhook",
        re.compile(r"hooks\.slack\.com/services/(T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+)"),
        1,
        ("hooks.slack.com",),
    ),
    _Pattern(
        "NBG302",
        "JWT",
        re.compile(r"\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})"),
        1,
        ("eyj",),
    ),
    _Pattern(
        "NBG302",
        "Azure storage account key",
        re.compile(r"(?i:accountkey)=([A-Za-z0-9+/]{40,}={0,2})"),
        1,
        ("accountkey=",),
    ),
    _Pattern(
        "NBG302", "Stripe key", re.compile(r"\b((?:sk|rk)_live_[A-Za-z0-9]{20,})"), 1, ("_live_",)
    ),
    _Pattern(
        "NBG302",
        "SendGrid key",
        re.compile(r"\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})"),
        1,
        ("sg.",),
    ),
    _Pattern(
        "NBG302",
        "npm token",
        re.compile(r"\b(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])"),
        1,
        ("npm_",),
        True,
    ),
    _Pattern(
        "NBG302",
        "Google API key",
        re.compile(r"\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])"),
        1,
        ("aiza",),
    ),
    _Pattern(
        "NBG302",
        "Google OAuth client secret",
        re.compile(r"\b(GOCSPX-[A-Za-z0-9_-]{28})"),
        1,
        ("gocspx-",),
    ),
    _Pattern(
        "NBG302",
        "OpenAI key",
        re.compile(
            r"\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})"
        ),
        1,
        ("sk-proj-", "sk-svcacct-", "sk-admin-", "t3blbkfj"),
    ),
    _Pattern(
        "NBG302", "Anthropic key", re.compile(r"\b(sk-ant-[A-Za-z0-9_-]{32,})"), 1, ("sk-ant-",)
    ),
    _Pattern(
        "NBG302",
        "Hugging Face token",
        re.compile(r"\b(hf_[A-Za-z0-9]{34,40})(?![A-Za-z0-9])"),
        1,
        ("hf_",),
        True,
    ),
    _Pattern(
        "NBG303",
        "private key block",
        re.compile(
            r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----"
        ),
        1,
        ("-----begin",),
    ),
    _Pattern(
        "NBG304",
        "password in URL",
        re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s/:@'\"]+:)([^\s@'\"]+)@(?=[^\s/'\"@])"),
        2,
        ("://",),
    ),
)
# URL passwords that are templates, not secrets: ``{password}``, ``${PW}``, ``$PW``, ``%(pw)s``, ``<pw>``,
# ``****``, ``password``; and ``host:8888/path/@x`` (a port and a path, not a password)
_PLACEHOLDER = re.compile(
    r"^(?:[*xX.#_-]+|\{\{?[^{}]*\}\}?|\$\{[^}]*\}|(?-i:\$[A-Z_][A-Z0-9_]*)|%\([^)]*\)s|%s|<[^<>]*>|\[[^\]]*\]"
    r"|(?:pass(?:word|wd)?|pwd|secret|token|changeme)|[0-9]{1,5}/.*)$",
    re.IGNORECASE,
)
_MIXED = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"))
_TEXT_OUTPUT = ("text/", "application/json", "application/javascript", "image/svg+xml")


# ``name = "value"``, ``name: str = "value"``, ``"name": "value"`` (dicts, JSON, YAML)
_QUOTED = re.compile(
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::\s*[\w\[\], .|]+\s*=|[:=])\s*"""
    r"""[rRbBuU]{0,2}(?P<q>["'])(?P<value>[^"'\s]{16,})(?P=q)"""
)
# ``NAME=value`` as printed by ``env``, in query strings and command lines (outputs only: in
# code this is a keyword argument whose value is an expression)
_BARE = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<value>[A-Za-z0-9+/=_.~-]{16,})(?![\w(])"
)


@functools.lru_cache(maxsize=8)
def _name_regex(names: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(re.escape(n.lower()) for n in sorted(names, key=len, reverse=True) if n)
    return re.compile(rf"(?:^|_)(?:{words or '(?!)'})(?:$|_)")


@functools.lru_cache(maxsize=8)
def _any_hint(names: tuple[str, ...]) -> re.Pattern[str]:
    """Every pattern's hints and every secret name in one regex (over lower-cased text)."""
    words = [hint for pattern in _PATTERNS for hint in pattern.hints] + [
        n.lower() for n in names if n
    ]
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
            if pattern.mixed and not all(kind.search(secret) for kind in _MIXED):
                continue
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
        yield from _assigned(
            text, lowered, ctx.options.secret_names, ctx.options.secret_min_entropy, taken, output
        )


def mask_text(text: str, names: tuple[str, ...] = (), min_entropy: float = 3.0) -> str:
    """``text`` with every secret the 3xx rules would find replaced by its ``mask``.

    For other rules' messages (a path, a ``%run`` name, a cell id can hold a
    token): whichever rules are enabled, nothing leaves nbgate unmasked.
    """
    lowered = text.lower()
    if not _any_hint(names).search(lowered):
        return text
    spans: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        if pattern.code == "NBG303" or not any(hint in lowered for hint in pattern.hints):
            continue  # a private key's header is no secret; its body never reaches a message
        for match in pattern.regex.finditer(text):
            secret = match.group(pattern.group)
            if pattern.mixed and not all(kind.search(secret) for kind in _MIXED):
                continue
            if pattern.code == "NBG304" and _PLACEHOLDER.match(secret):
                continue
            spans.append(match.span(pattern.group))
    spans += [
        (hit.offset, hit.offset + len(value))
        for hit, value in _assigned_values(text, lowered, names, min_entropy, list(spans), True)
    ]
    for start, end in sorted(spans, reverse=True):
        if end <= len(text) and "****" not in text[start:end]:
            text = text[:start] + mask(text[start:end]) + text[end:]
    return text


def _assigned(  # noqa: PLR0917 - private helper or library override, arguments in order
    text: str,
    lowered: str,
    names: tuple[str, ...],
    min_entropy: float,
    taken: list[tuple[int, int]],
    output: bool,
) -> Iterator[_Hit]:
    for hit, _ in _assigned_values(text, lowered, names, min_entropy, taken, output):
        yield hit


def _assigned_values(  # noqa: PLR0917 - private helper or library override, arguments in order
    text: str,
    lowered: str,
    secret_names: tuple[str, ...],
    min_entropy: float,
    taken: list[tuple[int, int]],
    output: bool,
) -> Iterator[tuple[_Hit, str]]:
    names = _name_regex(secret_names)
    if not any(name in lowered for name in secret_names):
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
        if bits < min_entropy:
            continue
        taken.append((start, end))
        yield (
            _Hit(
                "NBG305",
                f"high-entropy value {mask(value)!r} assigned to {name!r} ({bits:.1f} bits/char)",
                start,
            ),
            value,
        )


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
                    yield finding(
                        hit.code, f"{hit.message} in output {index} ({label})", view.number
                    )
        metadata = view.cell.get("metadata")
        if metadata:
            for hit in _scan(_dump(metadata), ctx, output=True):
                yield finding(hit.code, f"{hit.message} in the cell's metadata", view.number)
    metadata = _dump(ctx.nb.get("metadata", {}))
    for hit in _scan(metadata, ctx, output=True):
        yield finding(hit.code, f"{hit.message} in notebook metadata")
