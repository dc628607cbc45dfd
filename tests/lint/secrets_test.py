"""Secrets (3xx): what is found, where, and that it is always masked."""

from __future__ import annotations

from typing import Any

import pytest

from nbgate.lint import LintOptions, lint_notebook
from nbgate.lint.secrets import entropy, mask
from testing import notebooks as T
from testing.lint_cases import FAKE_AWS_ID, FAKE_GITHUB, FAKE_HIGH_ENTROPY

FAKE_AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
FAKE_GITHUB_PAT = "github_pat_" + "11EXAMPLE0" * 6
FAKE_GITLAB = "glpat-EXAMPLEexample123456"
FAKE_SLACK = "xoxb-123456789012-EXAMPLEexample"
FAKE_WEBHOOK = "https://hooks.slack.com/services/T00000000/B00000000/EXAMPLEexampleEXAMPLE"


def secrets(nb: dict[str, Any], **options: Any) -> list[tuple[str, int | None, int | None, str]]:
    opts = LintOptions.default()
    opts = opts._replace(
        enabled=frozenset(c for c in opts.enabled if c.startswith("NBG3")), **options
    )
    return [(f.code, f.cell, f.line, f.message) for f in lint_notebook(nb, 1000, opts)]


def codes_in(text: str) -> list[str]:
    return [code for code, *_ in secrets(T.make([T.code(text)]))]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        (f"key = '{FAKE_AWS_ID}'", ["NBG301"]),
        (f"aws_secret_access_key = '{FAKE_AWS_SECRET}'", ["NBG301"]),
        (f"AWS_SECRET_KEY: {FAKE_AWS_SECRET}", ["NBG301"]),
        (f"t = '{FAKE_GITHUB}'", ["NBG302"]),
        (f"t = '{FAKE_GITHUB_PAT}'", ["NBG302"]),
        (f"t = '{FAKE_GITLAB}'", ["NBG302"]),
        (f"t = '{FAKE_SLACK}'", ["NBG302"]),
        (f"requests.post('{FAKE_WEBHOOK}')", ["NBG302"]),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", ["NBG303"]),
        ("-----BEGIN PRIVATE KEY-----", ["NBG303"]),
        ("-----BEGIN PUBLIC KEY-----", []),
        ("url = 'mysql+pymysql://app:s3cr3t!@db/x'", ["NBG304"]),
        ("url = 'https://user:{password}@host/x'", []),
        ("url = 'https://user:${PASSWORD}@host/x'", []),
        ("url = 'https://user:****@host/x'", []),
        ("url = 'https://user@host/x'", []),
        ("git = 'git@github.com:org/repo.git'", []),
        (f"API_KEY = '{FAKE_HIGH_ENTROPY}'", ["NBG305"]),
        (f'apiKey = "{FAKE_HIGH_ENTROPY}"', ["NBG305"]),
        (f"config = {{'client_secret': '{FAKE_HIGH_ENTROPY}'}}", ["NBG305"]),
        (f"db_password: str = '{FAKE_HIGH_ENTROPY}'", ["NBG305"]),
        (
            f"tokenizer = '{FAKE_HIGH_ENTROPY}'",
            [],
        ),  # 'token' is a word of the name, not a substring
        ("password = 'aaaaaaaaaaaaaaaaaaaa'", []),  # low entropy
        ("token = 'short1A'", []),  # too short
        ("api_key = os.environ['API_KEY']", []),
        ("secret_path = '/run/secrets/db-password-file'", []),
        (f"token = get_token('{FAKE_HIGH_ENTROPY}')", []),  # not assigned to the name
        (f"aws_key = '{FAKE_AWS_ID}'  # also high entropy: reported once", ["NBG301"]),
    ],
)
def test_detection(text: str, codes: list[str]) -> None:
    assert codes_in(text) == codes


def test_secrets_in_outputs_markdown_and_metadata() -> None:
    nb = T.make(
        [
            T.markdown(f"token: `{FAKE_GITHUB}`"),
            T.code(
                "print(cfg)",
                outputs=[
                    T.stream(f"loaded\nTOKEN={FAKE_HIGH_ENTROPY}\n"),
                    T.result(f"{{'key': '{FAKE_AWS_ID}'}}", 1),
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"text/html": f"<td>{FAKE_SLACK}</td>", "image/png": FAKE_GITHUB},
                    },
                    {
                        "output_type": "error",
                        "ename": "ValueError",
                        "evalue": f"bad url https://u:{FAKE_HIGH_ENTROPY}@h",
                        "traceback": [],
                    },
                ],
            ),
        ],
        metadata={"papermill": {"parameters": {"api_key": FAKE_HIGH_ENTROPY}}},
    )
    found = secrets(nb)
    assert [(c, cell, line) for c, cell, line, _ in found] == [
        ("NBG305", None, None),
        ("NBG302", 1, 1),
        ("NBG301", 2, None),
        ("NBG302", 2, None),
        ("NBG304", 2, None),
        ("NBG305", 2, None),
    ]
    messages = [m for *_, m in found]
    assert messages[0].endswith("in notebook metadata")
    assert "in output 2 (execute_result)" in messages[2]
    assert (
        "in output 3 (display_data)" in messages[3]
    )  # text/html; the image/png data is not scanned
    assert "in output 4 (error)" in messages[4]
    assert "in output 1 (stream)" in messages[5]


def test_bare_assignments_count_only_in_outputs() -> None:
    assert codes_in(f"run(token={FAKE_HIGH_ENTROPY})") == []


@pytest.mark.parametrize(
    "secret",
    [
        FAKE_AWS_ID,
        FAKE_AWS_SECRET,
        FAKE_GITHUB,
        FAKE_GITHUB_PAT,
        FAKE_GITLAB,
        FAKE_SLACK,
        FAKE_HIGH_ENTROPY,
        "hunter2hunter2",
    ],
)
def test_messages_never_hold_the_secret(secret: str) -> None:
    nb = T.make(
        [
            T.code(
                f"aws_secret_access_key = '{secret}'\nurl = 'https://me:{secret}@host'\n"
                f"token = '{secret}'",
                outputs=[T.stream(secret)],
            )
        ]
    )
    found = secrets(nb)
    assert found
    for *_, message in found:
        assert secret not in message
        assert secret[: len(secret) // 2] not in message


@pytest.mark.parametrize(
    ("secret", "masked"),
    [
        ("AKIAIOSFODNN7EXAMPLE", "AKIA****"),
        ("hunter2", "h****"),
        ("abc", "****"),
        ("", "****"),
    ],
)
def test_mask(secret: str, masked: str) -> None:
    assert mask(secret) == masked


def test_entropy() -> None:
    assert entropy("") == 0.0
    assert entropy("aaaa") == 0.0
    assert entropy("abcd") == pytest.approx(2.0)
    assert entropy(FAKE_HIGH_ENTROPY) > 4.0


@pytest.mark.parametrize(
    ("names", "min_entropy", "found"),
    [
        (("token",), 3.5, []),
        (("token", "auth"), 3.5, ["NBG305"]),
        (("auth",), 4.9, []),
        ((), 3.5, []),
    ],
)
def test_secret_names_and_entropy_options(
    names: tuple[str, ...], min_entropy: float, found: list[str]
) -> None:
    nb = T.make([T.code(f"AUTH = '{FAKE_HIGH_ENTROPY}'")])
    codes = [c for c, *_ in secrets(nb, secret_names=names, secret_min_entropy=min_entropy)]
    assert codes == found
