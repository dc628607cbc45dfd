"""2xx scheduling readiness: what breaks a notebook run by papermill on a server."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nbgate.lint.checkers import checker
from nbgate.lint.context import CellView, Context
from nbgate.lint.registry import ERROR, WARNING, Finding, finding, rule

PARAMETERS_TAG = "parameters"

NO_PARAMETERS = rule(
    "NBG201",
    "no-parameters-cell",
    WARNING,
    "No code cell is tagged `parameters`, so papermill cannot inject run parameters "
    "(dates, paths) and nbgate cannot promote it with production parameters.",
    'a notebook whose `date = "2024-01-01"` cell has no `parameters` tag',
)
NOT_LITERAL = rule(
    "NBG202",
    "parameters-not-literal",
    ERROR,
    "The `parameters` cell holds something other than `name = <literal>` assignments "
    "(comments are fine), so papermill cannot inspect it.",
    "`start = datetime.date.today()` in the parameters cell",
)
INTERACTIVE = rule(
    "NBG203",
    "interactive-input",
    ERROR,
    "The notebook calls `input()` or `getpass.getpass()`, which blocks forever in a scheduled run.",
    '`token = getpass.getpass("token: ")`',
)
INSTALL = rule(
    "NBG204",
    "install-in-notebook",
    WARNING,
    "The notebook installs packages (`!pip install`, `%pip install`, `%conda install`): "
    "production runs must not change their environment.",
    "`%pip install pandas==2.2`",
)
LOCAL_PATH = rule(
    "NBG205",
    "absolute-local-path",
    WARNING,
    "Code uses an absolute path on someone's machine (`/Users/...`, `/home/...`, `C:\\...`) that "
    "will not exist where the notebook is scheduled.",
    '`pd.read_csv("/Users/alice/data.csv")`',
)
RUN_NOTEBOOK = rule(
    "NBG206",
    "run-other-notebook",
    WARNING,
    "`%run` executes another notebook, a dependency nbgate's identity, tests and promotion do not see.",
    "`%run ./helpers.ipynb`",
)

# ---------------------------------------------------------------- NBG201, NBG202


@checker(NO_PARAMETERS, NOT_LITERAL)
def parameters_cell(ctx: Context) -> Iterator[Finding]:
    """NBG201: a ``parameters`` code cell exists; NBG202: it is literal assignments only."""
    tagged = [v for v in ctx.cells if PARAMETERS_TAG in v.tags]
    code = [v for v in tagged if v.cell_type == "code"]
    if not code:
        where = f" (the tag is on a {tagged[0].cell_type} cell)" if tagged else ""
        yield finding("NBG201", f"no code cell is tagged '{PARAMETERS_TAG}'{where}")
        return
    if ctx.is_python:
        yield from _literal_assignments(code[0])  # papermill uses the first tagged cell


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_is_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _is_literal(k) for k in node.keys) and all(
            _is_literal(v) for v in node.values
        )
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return isinstance(node.operand, ast.Constant) and isinstance(
            node.operand.value, (int, float, complex)
        )
    return False


def _describe(stmt: ast.stmt) -> str:
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        return "the value is not a literal"
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return "imports belong in another cell"
    return f"a {type(stmt).__name__.lower()} statement is not an assignment"


def _literal_assignments(view: CellView) -> Iterator[Finding]:
    try:
        module = ast.parse(view.source)
    except SyntaxError as exc:
        yield finding(
            "NBG202", f"parameters cell is not plain Python ({exc.msg})", view.number, exc.lineno
        )
        return
    except ValueError:  # a lone surrogate or NUL character, which no Python source can hold
        yield finding(
            "NBG202",
            "parameters cell is not plain Python (it holds a lone surrogate or NUL character)",
            view.number,
        )
        return
    lines = view.lines
    for stmt in module.body:
        target_ok = (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ) or (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name))
        value = getattr(stmt, "value", None)
        if target_ok and value is not None and _is_literal(value):
            end = getattr(stmt, "end_lineno", stmt.lineno) or stmt.lineno
            text = "\n".join(lines[stmt.lineno - 1 : end]).split("#", 1)[0]
            if text.count("=") > 1:
                yield finding(
                    "NBG202",
                    "papermill cannot inspect an assignment with more than one '=' on it",
                    view.number,
                    stmt.lineno,
                )
            continue
        if isinstance(stmt, ast.Assign) and not target_ok:
            reason = "assign one plain name per line"
        elif isinstance(stmt, ast.AnnAssign) and value is None:
            reason = "an annotation without a value is not a parameter"
        else:
            reason = _describe(stmt)
        yield finding(
            "NBG202",
            f"parameters cell must hold only `name = <literal>` lines: {reason}",
            view.number,
            stmt.lineno,
        )


# ---------------------------------------------------------------- NBG203


_INPUT_TEXT = re.compile(r"(?<![\w.])input\s*\(|getpass\s*\(")


def _interactive_calls(module: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(module):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("input", "getpass"):
            yield node.lineno, f"{func.id}()"
        elif isinstance(func, ast.Attribute) and func.attr == "getpass":
            yield node.lineno, "getpass.getpass()"


@checker(INTERACTIVE)
def interactive(ctx: Context) -> Iterator[Finding]:
    """NBG203: ``input()`` and ``getpass`` calls (found with ``ast``; a regex where it cannot parse)."""
    if not ctx.is_python:
        return
    for view in ctx.code_cells():
        if "input" not in view.source and "getpass" not in view.source:
            continue
        module = view.python
        if module is not None:
            hits = sorted(set(_interactive_calls(module)))
        else:
            hits = [
                (n, m.group(0).rstrip("( ") + "()")
                for n, line in enumerate(view.lines, 1)
                if not line.lstrip().startswith("#")
                for m in [_INPUT_TEXT.search(line)]
                if m
            ]
        for line, call in hits:
            yield finding(
                "NBG203",
                f"{call} waits for a person; scheduled runs have none (use a parameter)",
                view.number,
                line,
            )


# ---------------------------------------------------------------- NBG204 to NBG206

_INSTALL = re.compile(
    r"^\s*(?:[!%]|\w+\s*=\s*!)\s*(?:(?:python3?|sys\.executable)\s+-m\s+)?"
    r"(pip3?|conda|mamba|micromamba|uv\s+pip)\s+install\b"
)
_RUN_NB = re.compile(
    r"^\s*%run\s+(?:-\S+\s+)*(?:(['\"])(?P<quoted>[^'\"]+\.ipynb)\1|(?P<bare>\S+\.ipynb)(?!\S))"
)
_UNIX_HOME = re.compile(r"(?<![\w.~-])/(?:Users|home)/[\w.@-]+(?:/[^\s'\"),;]*)?")
_WINDOWS = re.compile(r"(?<![\w])[A-Za-z]:(?:\\\\|\\|/)(?=[\w .-])[^\s'\"),;]*")


def _paths(line: str) -> Iterator[str]:
    if "/Users/" in line or "/home/" in line:
        yield from (m.group(0) for m in _UNIX_HOME.finditer(line))
    if ":\\" in line or ":/" in line:
        yield from (
            m.group(0)
            for m in _WINDOWS.finditer(line)
            if "://" not in line[m.start() : m.start() + 4]
        )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@checker(INSTALL, LOCAL_PATH, RUN_NOTEBOOK)
def line_checks(ctx: Context) -> Iterator[Finding]:
    """NBG204 to NBG206: one pass over each code cell's lines."""
    for view in ctx.code_cells():
        source = view.source
        installs = "install" in source
        runs = "%run" in source
        paths = "/Users/" in source or "/home/" in source or ":\\" in source or ":/" in source
        if not (installs or runs or paths):
            continue
        for number, line in enumerate(view.lines, 1):
            if installs:
                match = _INSTALL.match(line)
                if match:
                    yield finding(
                        "NBG204",
                        f"installs packages ({match.group(1)} install); "
                        "declare dependencies in the environment instead",
                        view.number,
                        number,
                    )
            if runs:
                match = _RUN_NB.match(line)
                if match:
                    name = match.group("quoted") or match.group("bare")
                    yield finding(
                        "NBG206",
                        f"%run of notebook {name!r}; import a module instead",
                        view.number,
                        number,
                    )
            if paths and not line.lstrip().startswith("#"):
                for path in _paths(line):
                    yield finding(
                        "NBG205",
                        f"absolute local path {_short(path)!r}; use a parameter or a "
                        "path relative to the project",
                        view.number,
                        number,
                    )
