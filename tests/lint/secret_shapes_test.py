"""Issue 18.10/18.11: tokens found by their own shape, cell metadata scanned, every rule's message masked,
and no false positive on the notebooks nbdime and papermill ship."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbdime
import papermill
import pytest

from nbgate.lint import LintOptions, lint_notebook
from nbgate.lint.secrets import mask_text
from nbgate.notebook import read
from testing import notebooks as T

# realistic shapes, made up (not live credentials)
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
AZURE = (
    "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey="
    + "Zm9vYmFyYmF6cXV4" * 5
    + "Zm9vYmE=;"
)
STRIPE_SK = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
STRIPE_RK = "rk_live_" + "51H8xYzAbCdEfGhIjKlMnOpQr"
SENDGRID = "SG." + "ngeVfQFYQlKU0ufo8x5d1A" + "." + "TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr"
NPM = "npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
GOOGLE = "AIza" + "SyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI"
GOCSPX = "GOCSPX-" + "1a2B3c4D5e6F7g8H9i0J1k2L3m4N"
OPENAI = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 2
ANTHROPIC = "sk-ant-api03-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 3
HUGGINGFACE = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"
TOKENS = [
    JWT,
    AZURE.split("AccountKey=")[1].rstrip(";"),
    STRIPE_SK,
    STRIPE_RK,
    SENDGRID,
    NPM,
    GOOGLE,
    GOCSPX,
    OPENAI,
    ANTHROPIC,
    HUGGINGFACE,
]


def found(nb: dict[str, Any], *, only_secrets: bool = True) -> list[tuple[str, int | None, str]]:
    opts = LintOptions.default()
    if only_secrets:
        opts = opts._replace(enabled=frozenset(c for c in opts.enabled if c.startswith("NBG3")))
    return [(f.code, f.cell, f.message) for f in lint_notebook(nb, 1000, opts)]


@pytest.mark.parametrize(
    "text",
    [
        f"headers = {{'Authorization': 'Bearer {JWT}'}}",
        f"conn = '{AZURE}'",
        f"stripe.api_key_value = '{STRIPE_SK}'",
        f"x = '{STRIPE_RK}'",
        f"mail = '{SENDGRID}'",
        f"n = '{NPM}'",
        f"k = '{GOOGLE}'",
        f"c = '{GOCSPX}'",
        f"client = OpenAI(api='{OPENAI}')",
        f"a = '{ANTHROPIC}'",
        f"login('{HUGGINGFACE}')",
        "engine = create_engine('postgresql://etl:ab/cd12xy@db:5432/prod')",
        "engine = create_engine('postgresql://etl:%40bcd1234@db/prod')",
        "engine = create_engine('postgresql://etl:$ecr3tW0rd@db/prod')",
        "engine = create_engine('postgresql://etl:{ab12cd34@db/prod')",
    ],
)
def test_tokens_found_by_their_own_shape(text: str) -> None:
    hits = found(T.make([T.code(text)]))
    assert [code for code, *_ in hits] in (["NBG302"], ["NBG304"]), hits
    for token in TOKENS:
        assert all(token not in message for *_, message in hits)


@pytest.mark.parametrize(
    "text",
    [
        "url = 'https://user:{password}@host/x'",
        "url = 'https://user:${PASSWORD}@host/x'",
        "url = 'https://user:$PASSWORD@host/x'",
        "url = 'https://user:%(pw)s@host/x'",
        "url = 'http://localhost:8888/tree/@alice'",
        "hf_hub_download_for_the_dataset_of_mine_x = 1",
        "sk_live_mode = True",
        "msg.send(SG.x)",
        "jwt = 'eyJ...'",
        "key = 'AIza'",
    ],
)
def test_lookalikes_are_not_secrets(text: str) -> None:
    assert found(T.make([T.code(text)])) == []


def test_cell_metadata_is_scanned() -> None:
    nb = T.make([T.code("x = 1"), T.code("y = 2")])
    nb["cells"][1]["metadata"]["connection"] = {"token": GOOGLE}
    assert [(code, cell) for code, cell, _ in found(nb)] == [("NBG302", 2)]
    assert "in the cell's metadata" in found(nb)[0][2] and GOOGLE not in found(nb)[0][2]


def test_every_rules_message_is_masked() -> None:
    nb = T.make(
        [
            T.code("x = 1", tags=["parameters"]),
            T.code(f"df = pd.read_csv('/home/me/{GOOGLE}/data.csv')"),  # NBG205 quotes the path
            T.code(f"%run ./{NPM}.ipynb"),  # NBG206 quotes the name
            T.code("y = 2", outputs=[T.stream(f"{HUGGINGFACE}\n")], execution_count=3),
        ]
    )  # NBG101/NBG102
    nb["cells"][2]["id"] = nb["cells"][3]["id"] = f"id-{STRIPE_SK}"  # NBG002 quotes the id
    messages = found(nb, only_secrets=False)
    codes = {code for code, *_ in messages}
    assert {"NBG205", "NBG206", "NBG002"} <= codes, codes
    for token in TOKENS:
        assert all(token not in message for *_, message in messages), (token, messages)


def test_mask_text_leaves_ordinary_text_alone() -> None:
    text = "cell 3: outputs committed; see https://example.com/a:b@c and id 'abc-123'"
    assert mask_text(text) == text
    assert mask_text(f"path /x/{OPENAI}/y") == f"path /x/{OPENAI[:4]}****/y"


def _shipped() -> list[Path]:
    roots = [Path(nbdime.__file__).parent, Path(papermill.__file__).parent]
    return sorted(p for root in roots for p in root.rglob("*.ipynb"))


def test_no_false_positives_on_the_notebooks_nbdime_and_papermill_ship() -> None:
    paths = _shipped()
    assert len(paths) > 50
    opts = LintOptions.default()
    opts = opts._replace(enabled=frozenset(c for c in opts.enabled if c.startswith("NBG3")))
    hits = []
    for path in paths:
        try:
            nb = read(path).nb
        except Exception:  # noqa: BLE001, S112 - a few are deliberately invalid test inputs
            continue
        hits += [
            (path.name, f.code, f.message) for f in lint_notebook(nb, path.stat().st_size, opts)
        ]
    assert hits == []
