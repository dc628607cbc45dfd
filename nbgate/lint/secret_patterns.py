"""The shapes the 3xx secrets rules look for: token regexes, placeholders, assignments.

``PATTERNS`` holds one regex per recognised credential (each with the cheap
substrings that must occur before it is tried); ``QUOTED`` and ``BARE`` find
values assigned to a name, which ``name_regex`` matches against
``lint.secret_names``. ``nbgate.lint.secrets`` runs them; this module only
declares them, so it registers no rule.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple


class Pattern(NamedTuple):
    """One credential shape: its rule code, what it is called in messages, and its regex."""

    code: str
    kind: str
    regex: re.Pattern[str]
    group: int
    # substrings (of the lower-cased text) one of which must occur for the regex to match:
    # ``in`` runs at memory speed, so large outputs skip the regexes entirely
    hints: tuple[str, ...]
    # tokens made of letters and digits only: the match must mix lower case, upper case and digits
    mixed: bool = False


AWS_PREFIXES = (
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
PATTERNS = (
    Pattern(
        "NBG301",
        "AWS access key id",
        re.compile(rf"(?<![A-Z0-9])((?:{'|'.join(AWS_PREFIXES)})[A-Z0-9]{{16}})(?![A-Z0-9])"),
        1,
        tuple(p.lower() for p in AWS_PREFIXES),
    ),
    Pattern(
        "NBG301",
        "AWS secret access key",
        re.compile(
            r"(?i)aws_?secret(?:_?access)?_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        1,
        ("secret",),
    ),
    Pattern(
        "NBG302",
        "GitHub token",
        re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,255})(?![A-Za-z0-9])"),
        1,
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    ),
    Pattern(
        "NBG302",
        "GitHub token",
        re.compile(r"\b(github_pat_[A-Za-z0-9_]{50,255})"),
        1,
        ("github_pat_",),
    ),
    Pattern("NBG302", "GitLab token", re.compile(r"\b(glpat-[A-Za-z0-9_-]{20,})"), 1, ("glpat-",)),
    Pattern("NBG302", "Slack token", re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{10,})"), 1, ("xox",)),
    Pattern(
        "NBG302",
        "Slack webhook",
        re.compile(r"hooks\.slack\.com/services/(T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+)"),
        1,
        ("hooks.slack.com",),
    ),
    Pattern(
        "NBG302",
        "JWT",
        re.compile(r"\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})"),
        1,
        ("eyj",),
    ),
    Pattern(
        "NBG302",
        "Azure storage account key",
        re.compile(r"(?i:accountkey)=([A-Za-z0-9+/]{40,}={0,2})"),
        1,
        ("accountkey=",),
    ),
    Pattern(
        "NBG302", "Stripe key", re.compile(r"\b((?:sk|rk)_live_[A-Za-z0-9]{20,})"), 1, ("_live_",)
    ),
    Pattern(
        "NBG302",
        "SendGrid key",
        re.compile(r"\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})"),
        1,
        ("sg.",),
    ),
    Pattern(
        "NBG302",
        "npm token",
        re.compile(r"\b(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])"),
        1,
        ("npm_",),
        True,
    ),
    Pattern(
        "NBG302",
        "Google API key",
        re.compile(r"\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])"),
        1,
        ("aiza",),
    ),
    Pattern(
        "NBG302",
        "Google OAuth client secret",
        re.compile(r"\b(GOCSPX-[A-Za-z0-9_-]{28})"),
        1,
        ("gocspx-",),
    ),
    Pattern(
        "NBG302",
        "OpenAI key",
        re.compile(
            r"\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})"
        ),
        1,
        ("sk-proj-", "sk-svcacct-", "sk-admin-", "t3blbkfj"),
    ),
    Pattern(
        "NBG302", "Anthropic key", re.compile(r"\b(sk-ant-[A-Za-z0-9_-]{32,})"), 1, ("sk-ant-",)
    ),
    Pattern(
        "NBG302",
        "Hugging Face token",
        re.compile(r"\b(hf_[A-Za-z0-9]{34,40})(?![A-Za-z0-9])"),
        1,
        ("hf_",),
        True,
    ),
    Pattern(
        "NBG303",
        "private key block",
        re.compile(
            r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----"
        ),
        1,
        ("-----begin",),
    ),
    Pattern(
        "NBG304",
        "password in URL",
        re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s/:@'\"]+:)([^\s@'\"]+)@(?=[^\s/'\"@])"),
        2,
        ("://",),
    ),
)
# URL passwords that are templates, not secrets: ``{password}``, ``${PW}``, ``$PW``, ``%(pw)s``, ``<pw>``,
# ``****``, ``password``; and ``host:8888/path/@x`` (a port and a path, not a password)
PLACEHOLDER = re.compile(
    r"^(?:[*xX.#_-]+|\{\{?[^{}]*\}\}?|\$\{[^}]*\}|(?-i:\$[A-Z_][A-Z0-9_]*)|%\([^)]*\)s|%s|<[^<>]*>|\[[^\]]*\]"
    r"|(?:pass(?:word|wd)?|pwd|secret|token|changeme)|[0-9]{1,5}/.*)$",
    re.IGNORECASE,
)
# letters-and-digits tokens (``Pattern.mixed``) must match all three
MIXED = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"))


# ``name = "value"``, ``name: str = "value"``, ``"name": "value"`` (dicts, JSON, YAML)
QUOTED = re.compile(
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::\s*[\w\[\], .|]+\s*=|[:=])\s*"""
    r"""[rRbBuU]{0,2}(?P<q>["'])(?P<value>[^"'\s]{16,})(?P=q)"""
)
# ``NAME=value`` as printed by ``env``, in query strings and command lines (outputs only: in
# code this is a keyword argument whose value is an expression)
BARE = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<value>[A-Za-z0-9+/=_.~-]{16,})(?![\w(])")


@functools.lru_cache(maxsize=8)
def name_regex(names: tuple[str, ...]) -> re.Pattern[str]:
    """Matches a normalised (snake_case) name holding one of ``names`` as a whole word."""
    words = "|".join(re.escape(n.lower()) for n in sorted(names, key=len, reverse=True) if n)
    return re.compile(rf"(?:^|_)(?:{words or '(?!)'})(?:$|_)")


@functools.lru_cache(maxsize=8)
def any_hint(names: tuple[str, ...]) -> re.Pattern[str]:
    """Every pattern's hints and every secret name in one regex (over lower-cased text)."""
    words = [hint for pattern in PATTERNS for hint in pattern.hints] + [
        n.lower() for n in names if n
    ]
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))


CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
