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

import math
from collections import Counter
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson

from nbgate.lint.checkers import checker
from nbgate.lint.context import Context
from nbgate.lint.registry import ERROR, Finding, finding, rule
from nbgate.lint.secret_patterns import (
    BARE,
    CAMEL,
    MIXED,
    PATTERNS,
    PLACEHOLDER,
    QUOTED,
    any_hint,
    name_regex,
)

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

_TEXT_OUTPUT = ("text/", "application/json", "application/javascript", "image/svg+xml")


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
    if not any_hint(ctx.options.secret_names).search(lowered):
        return  # the common case: one pass over the text instead of one per pattern
    taken: list[tuple[int, int]] = []
    for pattern in PATTERNS:
        if pattern.code not in enabled or not any(hint in lowered for hint in pattern.hints):
            continue
        for match in pattern.regex.finditer(text):
            secret = match.group(pattern.group)
            start, end = match.span(pattern.group)
            if pattern.mixed and not all(kind.search(secret) for kind in MIXED):
                continue
            if pattern.code == "NBG304":
                if PLACEHOLDER.match(secret):
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
    if not any_hint(names).search(lowered):
        return text
    spans: list[tuple[int, int]] = []
    for pattern in PATTERNS:
        if pattern.code == "NBG303" or not any(hint in lowered for hint in pattern.hints):
            continue  # a private key's header is no secret; its body never reaches a message
        for match in pattern.regex.finditer(text):
            secret = match.group(pattern.group)
            if pattern.mixed and not all(kind.search(secret) for kind in MIXED):
                continue
            if pattern.code == "NBG304" and PLACEHOLDER.match(secret):
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
    names = name_regex(secret_names)
    if not any(name in lowered for name in secret_names):
        return
    matches = list(QUOTED.finditer(text))
    if output:
        matches.extend(BARE.finditer(text))
    for match in matches:
        value = match.group("value")
        start, end = match.span("value")
        if any(s < end and start < e for s, e in taken):
            continue
        name = match.group("name").rsplit(".", 1)[-1]
        normalized = CAMEL.sub("_", name).lower().replace("-", "_")
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
