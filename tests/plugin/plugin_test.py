"""The pytest plugin, end to end with pytester and real kernels.

Kernel starts are the cost here (about 1 s each), so each test that executes
notebooks checks several things about one run.
"""

from __future__ import annotations

import hashlib
import json

import jupyter_client.manager  # noqa: F401
import jupytext  # noqa: F401
import papermill  # noqa: F401
import pytest
import testbook  # noqa: F401

import nbgate.execution.engine
import nbgate.smoke.runner  # noqa: F401
from nbgate import notebook
from nbgate.identity import source_sha256
from testing.notebooks import code, make, markdown, stream
from testing.smoke_project import TWIN, evidence, params_nb, project

pytest_plugins = ["pytester"]
# The heavy modules are imported above, before any in-process pytester run: pytester drops the
# modules an inner run imports, and re-importing PyYAML next to its cached C loader breaks it.


def _ids(result: pytest.RunResult) -> list[str]:
    return sorted(
        line.strip()
        for line in result.stdout.lines
        if "::smoke" in line and " " not in line.strip()
    )


# ---------------------------------------------------------------------- passing, ledger


def test_pass_writes_evidence_with_merged_parameters(pytester: pytest.Pytester) -> None:
    nb = params_nb(
        "a = 0\nb = 0\nc = ''",
        "print(a, b, c)\nassert (a, b, c) == (1, 2, 'x y')",
        metadata={"nbgate": {"test_parameters": {"b": 2, "c": 2}}},
    )
    project(
        pytester.path,
        {"nbs/one.ipynb": nb},
        smoke={"parameters": {"a": 1, "b": 1, "c": 1, "other": 5}},
    )
    result = pytester.runpytest(
        "--nbgate", "--nbgate-param", "c=x y", "-v"
    )  # a str default: the text as is
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*nbgate: config*, kernel start fork",
            "*nbs/one.ipynb::smoke PASSED*",
            # one notebook is not worth a template process: its kernel is spawned
            "nbgate: 1 fresh kernel(s), 0 of them forked from a template process*",
        ]
    )

    [record] = evidence(pytester.path)
    assert record["path"] == "nbs/one.ipynb"
    assert record["source_sha256"] == source_sha256(nb)
    assert record["parameters"] == {
        "a": 1,
        "b": 2,
        "c": "x y",
    }  # config's 'other' is not defined: not taken
    assert record["outcome"] == "passed"
    assert record["kernel"] == "python3"
    assert record["duration"] > 0
    output = pytester.path / record["output"]["path"]
    assert record["output"]["path"].startswith(".nbgate/runs/smoke/nbs/one.")
    assert hashlib.sha256(output.read_bytes()).hexdigest() == record["output"]["sha256"]
    executed = notebook.read(output).nb
    assert (
        source_sha256(executed) == record["source_sha256"]
    )  # papermill's injected cell is not content
    assert executed["cells"][1]["metadata"]["tags"] == ["injected-parameters"]
    assert executed["cells"][2]["outputs"][0]["text"] == "1 2 x y\n"


# ---------------------------------------------------------------------- failure reports


def _failing() -> dict[str, object]:
    return make(
        [
            markdown("# failing"),
            code("x = 1", tags=["parameters"]),
            code("z = 0\ny = x / 0\nprint(y)"),
        ]
    )


def test_cell_error_report_and_ansi(pytester: pytest.Pytester) -> None:
    project(pytester.path, {"nbs/bad.ipynb": _failing()})
    result = pytester.runpytest("--nbgate", "--color=no")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "cell 3: ZeroDivisionError: division by zero",
            "executed notebook: .nbgate/runs/smoke/nbs/bad.*.ipynb",
            "cell 3, line 2:",
            "     1 | z = 0",
            "  -> 2 | y = x / 0",
            "     3 | print(y)",
            "*ZeroDivisionError*Traceback (most recent call last)",
            "*----> 2 y = x / 0*",
        ]
    )
    assert "\x1b[" not in result.stdout.str()
    # the short summary leads with the failing cell: the node id names the notebook already
    result.stdout.fnmatch_lines(
        ["FAILED nbs/bad.ipynb::smoke - cell 3: ZeroDivisionError: division by zero"]
    )
    assert [r["outcome"] for r in evidence(pytester.path)] == ["failed"]

    coloured = pytester.runpytest("--nbgate", "--color=yes")
    coloured.assert_outcomes(failed=1)
    tb = [
        line
        for line in coloured.stdout.lines
        if "ZeroDivisionError" in line and "Traceback" in line
    ]
    assert tb and "\x1b[" in tb[0]  # IPython's colours kept when colour is on


def test_cell_timeout(pytester: pytest.Pytester) -> None:
    slow = make([code("import time"), code("time.sleep(60)")])
    project(pytester.path, {"slow.ipynb": slow})
    result = pytester.runpytest_subprocess(
        "--nbgate", "--nbgate-cell-timeout", "4"
    )  # "import time" stays far under it, even on a loaded machine
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*cell 2: cell timed out after 4 s (per-cell timeout, --nbgate-cell-timeout)",
            "executed notebook: *",
            "*1 | time.sleep(60)",
        ]
    )
    assert [r["outcome"] for r in evidence(pytester.path)] == ["timeout"]
    # nbclient's cancelled output poller is let finish: no asyncio complaint when the process exits
    assert "Task was destroyed" not in result.stdout.str() + result.stderr.str()


def test_whole_notebook_timeout(pytester: pytest.Pytester) -> None:
    steps = make([code("import time"), *(code("time.sleep(0.8)") for _ in range(5))])
    project(pytester.path, {"steps.ipynb": steps})
    result = pytester.runpytest("--nbgate", "--nbgate-timeout", "2", "--nbgate-cell-timeout", "30")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["cell *: notebook timed out after 2 s (whole-notebook timeout*"])
    assert [r["outcome"] for r in evidence(pytester.path)] == ["timeout"]


def test_dead_kernel(pytester: pytest.Pytester) -> None:
    dies = make(
        [
            code("print('before')"),
            code("import os\nos.kill(os.getpid(), 9)"),
            code("print('never')"),
        ]
    )
    project(pytester.path, {"dies.ipynb": dies})
    result = pytester.runpytest_subprocess("--nbgate")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "cell 2: the kernel died while the cell was running",
            "executed notebook: .nbgate/runs/smoke/dies.*.ipynb",
            "*2 | os.kill(os.getpid(), 9)",
        ]
    )
    [record] = evidence(pytester.path)
    assert record["outcome"] == "dead-kernel"
    executed = notebook.read(pytester.path / record["output"]["path"]).nb
    assert executed["cells"][0]["outputs"][0]["text"] == "before\n"


def test_undefined_parameter_fails_before_execution(pytester: pytest.Pytester) -> None:
    project(pytester.path, {"p.ipynb": params_nb("alpha = 1\nbeta = 2", "print(alpha)")})
    result = pytester.runpytest("--nbgate", "--nbgate-param", "gamma=3")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["parameter(s) gamma not defined in the 'parameters' cell (it defines: alpha, beta)"]
    )
    assert not (pytester.path / ".nbgate").exists()  # no kernel ran, no evidence


# ---------------------------------------------------------------------- skip, xfail, shard


def test_skip_and_xfail_from_metadata(pytester: pytest.Pytester) -> None:
    skipped = make(
        [code("raise SystemExit('never runs')")], metadata={"nbgate": {"skip": "needs a GPU"}}
    )
    xfail = make([code("1 / 0")], metadata={"nbgate": {"xfail": "known bug #12"}})
    project(pytester.path, {"skipped.ipynb": skipped, "xfail.ipynb": xfail})
    result = pytester.runpytest("--nbgate", "-rsx")
    result.assert_outcomes(skipped=1, xfailed=1)
    result.stdout.fnmatch_lines(
        ["*SKIPPED*needs a GPU*", "*XFAIL*xfail.ipynb::smoke*known bug #12*"]
    )
    assert [(r["path"], r["outcome"]) for r in evidence(pytester.path)] == [
        ("xfail.ipynb", "xfailed")
    ]


def test_shards_partition_the_notebooks(pytester: pytest.Pytester) -> None:
    names = [f"nb{i}.ipynb" for i in range(7)]
    project(pytester.path, {name: make([code("1")]) for name in names})
    every = _ids(pytester.runpytest("--nbgate", "--collect-only", "-q"))
    assert every == sorted(f"{name}::smoke" for name in names)
    shards = [
        _ids(pytester.runpytest("--nbgate", "--collect-only", "-q", f"--nbgate-shard={i}/3"))
        for i in (1, 2, 3)
    ]
    assert sorted(nodeid for shard in shards for nodeid in shard) == every
    assert [len(s) for s in shards] == [3, 2, 2]
    assert (
        _ids(pytester.runpytest("--nbgate", "--collect-only", "-q", "--nbgate-shard=2/3"))
        == shards[1]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nbgate-shard", "0/2"], "--nbgate-shard: expected I/N"),
        (["--nbgate-shard", "3/2"], "--nbgate-shard: expected I/N"),
        (["--nbgate-shard", "half"], "--nbgate-shard: expected I/N"),
        (["--nbgate-timeout", "soon"], "--nbgate-timeout: expected a number of seconds"),
        (["--nbgate-cell-timeout", "-1"], "--nbgate-cell-timeout: expected a number of seconds"),
        (["--nbgate-param", "novalue"], "--nbgate-param 'novalue': expected NAME=VALUE"),
    ],
)
def test_bad_option_values_are_usage_errors(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    project(pytester.path, {"a.ipynb": make([code("1")])})
    result = pytester.runpytest("--nbgate", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


# ---------------------------------------------------------------------- collection


def test_collection_rules(pytester: pytest.Pytester) -> None:
    one = make([code("1")])
    project(
        pytester.path,
        {
            "nbs/a.ipynb": one,
            "nbs/.ipynb_checkpoints/a-checkpoint.ipynb": one,
            ".nbgate/runs/smoke/nbs/a.0123.ipynb": one,
            "nbs/b.ipynb": one,
            "other/excluded.ipynb": one,
        },
        include="nbs/**/*.ipynb",
    )
    (pytester.path / "nbs" / "b.py").write_text(TWIN)  # twin of a collected notebook
    (pytester.path / "nbs" / "twin_only.py").write_text(TWIN)
    (pytester.path / "nbs" / "plain.py").write_text("print('not a notebook')\n")
    result = pytester.runpytest("--nbgate", "--collect-only", "-q", ".", "nbs/.ipynb_checkpoints")
    assert _ids(result) == ["nbs/a.ipynb::smoke", "nbs/b.ipynb::smoke", "nbs/twin_only.py::smoke"]
    marked = pytester.runpytest("--nbgate", "--collect-only", "-q", "-m", "not nbgate")
    assert _ids(marked) == []


def test_ini_switch_and_no_heavy_imports_without_it(pytester: pytest.Pytester) -> None:
    project(pytester.path, {"a.ipynb": make([code("1")])}, pytest_ini="nbgate = true")
    assert _ids(pytester.runpytest("--collect-only", "-q")) == ["a.ipynb::smoke"]

    project(pytester.path, {"a.ipynb": make([code("1")])})  # the ini switch is off again
    pytester.makeconftest("""
        import sys
        def pytest_sessionfinish(session):
            heavy = [m for m in ("nbformat", "papermill", "nbclient", "jupyter_client", "testbook", "jupytext")
                     if m in sys.modules]
            print("HEAVY:", heavy)
    """)
    pytester.makepyfile(test_plain="def test_ok():\n    assert True\n")
    result = pytester.runpytest_subprocess("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*HEAVY: []"])


# ---------------------------------------------------------------------- output checks


def test_output_checks_with_sanitizer(pytester: pytest.Pytester) -> None:
    tag = ["nbgate-check-output"]
    good = make(
        [
            code("import time"),
            code(
                "print(f'took {time.perf_counter() % 1:.3f} s')\nprint('done')",
                tags=tag,
                outputs=[stream("took 9.999 s\n"), stream("done\n")],
            ),
        ]
    )
    bad = make([code("print('total', 10 + 1)", tags=tag, outputs=[stream("total 10\n")])])
    project(
        pytester.path,
        {"good.ipynb": good, "bad.ipynb": bad},
        smoke={"sanitizers": {r"\d+\.\d+ s": "N s"}},
    )
    result = pytester.runpytest("--nbgate")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "1 checked cell(s) differ from their committed outputs",
            "executed notebook: *",
            "cell 1: outputs differ from the committed ones",
            "--- committed",
            "+++ fresh",
            "*-total 10",
            "*+total 11",
        ]
    )
    assert {r["path"]: r["outcome"] for r in evidence(pytester.path)} == {
        "good.ipynb": "passed",
        "bad.ipynb": "failed",
    }


# ---------------------------------------------------------------------- fixture


def test_nbgate_notebook_fixture(pytester: pytest.Pytester) -> None:
    lib = params_nb(
        "factor = 1", "import os\ndef scale(x):\n    return x * factor\nhere = os.getcwd()"
    )
    project(pytester.path, {"nbs/lib.ipynb": lib})
    pytester.makepyfile(
        test_lib="""
        import os
        import pytest
        from nbgate.smoke.params import ParameterError

        def test_scale(nbgate_notebook):
            tb = nbgate_notebook("nbs/lib.ipynb", parameters={"factor": 3})
            assert tb.ref("scale")(2) == 6
            assert tb.value("here") == os.path.join(os.getcwd(), "nbs")

        def test_undefined_parameter(nbgate_notebook):
            with pytest.raises(ParameterError, match="it defines: factor"):
                nbgate_notebook("nbs/lib.ipynb", parameters={"nope": 1})
    """
    )
    result = pytester.runpytest("test_lib.py")
    result.assert_outcomes(passed=2)


# ---------------------------------------------------------------------- xdist


def test_xdist_fresh_kernel_each_and_whole_ledger(pytester: pytest.Pytester) -> None:
    nbs = {
        f"nbs/n{i}.ipynb": params_nb("n = 0", f"import os  # notebook {i}\nprint(os.getpid())")
        for i in range(4)
    }
    project(pytester.path, nbs)
    (pytester.path / "nbs" / "twin.py").write_text(TWIN)
    result = pytester.runpytest_subprocess("--nbgate", "-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=5)
    # the controller adds up its workers' kernels (at least one per notebook; spares may be killed unused)
    line = next(line for line in result.stdout.lines if "fresh kernel(s)" in line)
    assert int(line.split("nbgate: ")[1].split()[0]) >= 5, line
    records = evidence(pytester.path)
    assert sorted(r["path"] for r in records) == sorted([*nbs, "nbs/twin.py"])
    assert sorted(p.name for p in (pytester.path / ".nbgate" / "evidence").iterdir()) == sorted(
        f"{r['source_sha256']}.json" for r in records
    )  # no temp files left behind
    pids = set()
    for record in records:
        executed = notebook.read(pytester.path / record["output"]["path"]).nb
        if record["path"] != "nbs/twin.py":
            pids.add(executed["cells"][-1]["outputs"][0]["text"])
    assert len(pids) == 4  # every notebook had its own kernel
    assert all(json.dumps(r) for r in records)


def test_kernel_flag_overrides_the_kernelspec(pytester: pytest.Pytester) -> None:
    project(pytester.path, {"k.ipynb": make([code("1")])})
    result = pytester.runpytest("--nbgate", "--nbgate-kernel", "no-such-kernel")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["nbgate: config *, kernel no-such-kernel, *", "could not start kernel 'no-such-kernel'*"]
    )
    assert [(r["outcome"], r["kernel"]) for r in evidence(pytester.path)] == [
        ("error", "no-such-kernel")
    ]
