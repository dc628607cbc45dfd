"""The lint golden table: for every rule, a notebook that triggers it, one that does not,
and the trigger suppressed by a comment and by a cell tag.

The notebooks are stored under ``tests/lint/golden/<CODE>/<kind>.ipynb`` next to
``<kind>.txt``, the exact text report of ``nbgate lint --select <CODE>``
(with the case's settings). ``tests/lint/golden_test.py`` checks that the
stored notebooks are what this table builds and that the reports match.
Regenerate both after a deliberate change with::

    NBGATE_UPDATE_GOLDEN=1 python -m pytest tests/lint/golden_test.py

Secrets in these notebooks are fakes (AWS's documented example key, made-up
tokens spelling EXAMPLE).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from nbgate import notebook
from testing import notebooks as T

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "lint" / "golden"
KINDS = ("trigger", "clean", "comment", "tag")

#: Cases that cannot exist, and why (checked: every other rule has all four kinds).
NOT_APPLICABLE = {
    ("NBG000", "comment"): "an unreadable file has no cells to hold a comment",
    ("NBG000", "tag"): "an unreadable file has no cells to hold a tag",
    ("NBG105", "comment"): "a comment makes the cell non-empty",
}

# JSON that other tools (ruff) still load as a notebook, but an output lacks its output_type
UNREADABLE = (
    b'{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, '
    b'"outputs": [{"name": "stdout", "text": "hi"}], "source": "print(1)"}], '
    b'"metadata": {}, "nbformat": 4, "nbformat_minor": 4}\n'
)
FAKE_GITHUB = "ghp_" + "EXAMPLEexample0123456789EXAMPLEexampl"
FAKE_AWS_ID = "AKIAIOSFODNN7EXAMPLE"
FAKE_HIGH_ENTROPY = "3f9aK2LxQ7pV1mZ8cR4tW6yB"


class Case(NamedTuple):
    """One golden notebook: which rule, which kind, the notebook, and config settings."""

    code: str
    kind: str
    nb: dict[str, Any] | None  # None: ``raw`` is the file's content
    settings: dict[str, Any]
    raw: bytes | None = None

    @property
    def name(self) -> str:
        """``NBG201-trigger``, for test ids."""
        return f"{self.code}-{self.kind}"

    def content(self) -> bytes:
        """The file's bytes."""
        if self.raw is not None:
            return self.raw
        assert self.nb is not None
        return notebook.dumps(self.nb)


def _params(source: str = 'date = "2024-01-01"') -> dict[str, Any]:
    return T.code(source, tags=["parameters"])


def _ignore(code: str) -> str:
    return f"# nbgate: ignore[{code}]\n"


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(
        code: str,
        build: Any,
        clean: dict[str, Any] | None,
        settings: dict[str, Any] | None = None,
        *,
        trigger_raw: bytes | None = None,
    ) -> None:
        settings = settings or {}
        if trigger_raw is not None:
            cases.append(Case(code, "trigger", None, settings, trigger_raw))
        else:
            cases.append(Case(code, "trigger", build("", []), settings))
        cases.append(Case(code, "clean", clean, settings))
        if (code, "comment") not in NOT_APPLICABLE:
            cases.append(Case(code, "comment", build(_ignore(code), []), settings))
        if (code, "tag") not in NOT_APPLICABLE:
            cases.append(Case(code, "tag", build("", [f"nbgate-ignore-{code}"]), settings))

    # ------------------------------------------------------------ 0xx validity
    add("NBG000", None, T.make([_params()]), trigger_raw=UNREADABLE)
    add(
        "NBG001",
        lambda c, t: T.make(
            [
                _params(),
                T.code(
                    c + "print('hi')",
                    tags=[*t, "keep-output"],
                    outputs=[{"output_type": "stream", "name": "stdout"}],
                ),
            ]
        ),
        T.make(
            [_params(), T.code("print('hi')", tags=["keep-output"], outputs=[T.stream("hi\n")])]
        ),
    )

    def duplicate(c: str, t: list[str]) -> dict[str, Any]:
        nb = T.make([_params(), T.code(c + "x = 1", tags=t)])
        nb["cells"][1]["id"] = nb["cells"][0]["id"]
        return nb

    add("NBG002", duplicate, T.make([_params(), T.code("x = 1")]))

    def missing(c: str, t: list[str]) -> dict[str, Any]:
        nb = T.make([_params(), T.code(c + "x = 1", tags=t)])
        del nb["cells"][1]["id"]
        return nb

    add("NBG003", missing, T.make([_params(), T.code("x = 1")], minor=4))

    # ------------------------------------------------------------ 1xx hygiene
    add(
        "NBG101",
        lambda c, t: T.make(
            [_params(), T.code(c + "print('hi')", tags=t, outputs=[T.stream("hi\n")])]
        ),
        T.make(
            [_params(), T.code("print('hi')", tags=["keep-output"], outputs=[T.stream("hi\n")])]
        ),
    )
    add(
        "NBG102",
        lambda c, t: T.make([_params(), T.code(c + "x = 1", tags=t, execution_count=3)]),
        T.make([_params(), T.code("x = 1")]),
    )

    def order(c: str, t: list[str], counts: tuple[int, int] = (2, 1)) -> dict[str, Any]:
        return T.make(
            [
                _params(),
                T.code(
                    "a = 1\na",
                    tags=["keep-output"],
                    execution_count=counts[0],
                    outputs=[T.result("1", counts[0])],
                ),
                T.code(
                    c + "b = 2\nb",
                    tags=["keep-output", *t],
                    execution_count=counts[1],
                    outputs=[T.result("2", counts[1])],
                ),
            ]
        )

    add("NBG103", order, order("", [], (1, 2)))
    add(
        "NBG104",
        lambda c, t: T.make(
            [
                _params(),
                T.code(
                    c + "print('x' * 200)",
                    tags=["keep-output", *t],
                    outputs=[T.stream("x" * 200 + "\n")],
                ),
            ]
        ),
        T.make(
            [
                _params(),
                T.code(
                    "print('x' * 20)", tags=["keep-output"], outputs=[T.stream("x" * 20 + "\n")]
                ),
            ]
        ),
        {"lint.max_output_bytes": 100},
    )
    add(
        "NBG105",
        lambda c, t: T.make([_params(), T.code(c + "  \n", tags=t)]),
        T.make([_params(), T.code("x = 1")]),
    )

    # ------------------------------------------------------------ 2xx scheduling
    add(
        "NBG201",
        lambda c, t: T.make([T.code(c + 'date = "2024-01-01"', tags=t)]),
        T.make([_params()]),
    )
    add(
        "NBG202",
        lambda c, t: T.make(
            [
                T.code(
                    c + "import datetime\n\nstart = datetime.date.today()", tags=["parameters", *t]
                )
            ]
        ),
        T.make(
            [
                T.code(
                    '# the run date\nstart: str = "2024-01-01"\nlimit = -1\nregions = ["eu", "us"]',
                    tags=["parameters"],
                )
            ]
        ),
    )
    add(
        "NBG203",
        lambda c, t: T.make([_params(), T.code(c + "name = input('name? ')", tags=t)]),
        T.make([_params(), T.code("name = 'etl'  # never input() in a scheduled run")]),
    )
    add(
        "NBG204",
        lambda c, t: T.make(
            [
                _params(),
                T.code(
                    c + "%pip install pandas==2.2\nimport pandas\n\nprint(pandas.__version__)",
                    tags=t,
                ),
            ]
        ),
        T.make([_params(), T.code("import pandas\n\nprint(pandas.__version__)")]),
    )
    add(
        "NBG205",
        lambda c, t: T.make(
            [
                _params(),
                T.code(
                    c + "import pandas as pd\n\ndf = pd.read_csv('/Users/alice/sales.csv')", tags=t
                ),
            ]
        ),
        T.make([_params(), T.code("import pandas as pd\n\ndf = pd.read_csv('data/sales.csv')")]),
    )
    add(
        "NBG206",
        lambda c, t: T.make([_params(), T.code(c + "%run ./helpers.ipynb", tags=t)]),
        T.make([_params(), T.code("%run helpers.py")]),
    )

    # ------------------------------------------------------------ 3xx secrets
    add(
        "NBG301",
        lambda c, t: T.make(
            [_params(), T.code(c + f"aws_access_key_id = '{FAKE_AWS_ID}'", tags=t)]
        ),
        T.make(
            [_params(), T.code("import os\n\naws_access_key_id = os.environ['AWS_ACCESS_KEY_ID']")]
        ),
    )
    add(
        "NBG302",
        lambda c, t: T.make(
            [
                _params(),
                T.code(
                    c + "import os\n\nprint(os.environ['GITHUB_TOKEN'])",
                    tags=["keep-output", *t],
                    outputs=[T.stream(f"{FAKE_GITHUB}\n")],
                ),
            ]
        ),
        T.make(
            [
                _params(),
                T.code(
                    "print('token loaded')",
                    tags=["keep-output"],
                    outputs=[T.stream("token loaded\n")],
                ),
            ]
        ),
    )
    add(
        "NBG303",
        lambda c, t: T.make(
            [
                _params(),
                T.code(
                    c
                    + "key = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEXAMPLE\n-----END RSA PRIVATE KEY-----'''",
                    tags=t,
                ),
            ]
        ),
        T.make(
            [_params(), T.code("from pathlib import Path\n\nkey = Path('deploy.pem').read_text()")]
        ),
    )
    add(
        "NBG304",
        lambda c, t: T.make(
            [
                _params(),
                T.code(
                    c
                    + "from sqlalchemy import create_engine\n\nengine = create_engine('postgresql://etl:hunter2@db:5432/prod')",
                    tags=t,
                ),
            ]
        ),
        T.make(
            [
                _params(),
                T.code(
                    "from sqlalchemy import create_engine\n\nengine = create_engine('postgresql://etl@db:5432/prod')"
                ),
            ]
        ),
    )
    add(
        "NBG305",
        lambda c, t: T.make([_params(), T.code(c + f"API_KEY = '{FAKE_HIGH_ENTROPY}'", tags=t)]),
        T.make([_params(), T.code("import os\n\nAPI_KEY = os.environ['API_KEY']")]),
    )

    # ------------------------------------------------------------ 4xx complexity
    add(
        "NBG401",
        lambda c, t: T.make(
            [T.code(c + "date = 1", tags=["parameters", *t]), T.code("a = 1"), T.code("b = 2")]
        ),
        T.make([_params(), T.code("a = 1")]),
        {"lint.max_cells": 2},
    )
    add(
        "NBG402",
        lambda c, t: T.make([_params(), T.code(c + "a = 1\nb = 2\nc = 3\nd = 4", tags=t)]),
        T.make([_params(), T.code("a = 1\nb = 2\nc = 3")]),
        {"lint.max_lines_per_cell": 3},
    )
    add(
        "NBG403",
        lambda c, t: T.make([_params(), T.code(c + "x = '" + "0123456789" * 50 + "'", tags=t)]),
        T.make([_params(), T.code("x = 1")]),
        {"lint.max_notebook_bytes": 1000},
    )
    return cases


CASES: tuple[Case, ...] = tuple(_cases())


def write_all() -> None:
    """Write every golden notebook (the reports are written by the test in update mode)."""
    for case in CASES:
        path = GOLDEN / case.code / f"{case.kind}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.content())
