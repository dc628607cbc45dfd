"""The kernel pool and the runner's start-up failures, with real kernel processes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from nbgate import config as config_module
from nbgate.smoke.pool import KernelPool, KernelSpec
from nbgate.smoke.session import SmokeSession
from testing.notebooks import code, make
from testing.smoke_project import project


def test_pool_keeps_starts_in_flight_and_kills_what_it_hands_out(tmp_path: Path) -> None:
    pool = KernelPool(2)
    specs = [KernelSpec("python3", str(tmp_path)) for _ in range(3)]
    try:
        pool.expect(specs)
        assert pool.launched == 2  # two start-ups in flight, the third waits its turn
        kernel = pool.acquire(specs[0])
        assert pool.launched == 3  # handing one out starts the next
        assert kernel.error is None and kernel.process.poll() is None
        pool.release(kernel)
        assert kernel.process.wait(timeout=10) is not None  # SIGKILLed, reaped
        other = pool.acquire(
            KernelSpec("python3", str(tmp_path / "elsewhere"))
        )  # not planned: launched now
        assert other.error is not None or other.spec.cwd.endswith("elsewhere")
        pool.release(other)
    finally:
        pool.close()
    assert pool._ready == []


def _session(tmp_path: Path, **smoke: object) -> SmokeSession:
    project(tmp_path, {}, smoke=smoke)
    return SmokeSession(config_module.load(tmp_path, env={}))


def test_unknown_kernel_is_an_error_outcome(tmp_path: Path) -> None:
    session = _session(tmp_path)
    nb = make([code("1")])
    nb["metadata"]["kernelspec"]["name"] = "no-such-kernel"
    (tmp_path / "k.ipynb").write_text(json.dumps(nb))
    try:
        result = session.run(session.prepare(tmp_path / "k.ipynb"))
    finally:
        session.close()
    assert result.outcome == "error"
    assert "could not start kernel 'no-such-kernel'" in result.report


def _fake_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> None:
    """A kernelspec ``name`` whose process runs ``source`` (and never speaks the kernel protocol)."""
    spec_dir = tmp_path / "jupyter" / "kernels" / name
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-c", source, "{connection_file}"],
                "display_name": name,
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))


def test_kernel_that_never_gets_ready_hits_the_startup_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_kernel(
        tmp_path,
        monkeypatch,
        "sleepy",
        "import sys, time; print('booting', file=sys.stderr); time.sleep(120)",
    )
    session = _session(tmp_path / "proj", startup_timeout=1, kernel="sleepy")
    (tmp_path / "proj" / "s.ipynb").write_text(json.dumps(make([code("1")])))
    try:
        prepared = session.prepare(tmp_path / "proj" / "s.ipynb")
        result = session.run(prepared)
    finally:
        session.close()
    assert result.outcome == "error"
    assert (
        "kernel 'sleepy' did not become ready within 1 s (smoke.startup_timeout)" in result.report
    )
    assert "booting" in result.report  # the kernel's stderr is shown


def test_kernel_that_exits_during_start_up_is_reported_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_kernel(
        tmp_path,
        monkeypatch,
        "quitter",
        "import sys; print('no licence', file=sys.stderr); sys.exit(4)",
    )
    session = _session(tmp_path / "proj", startup_timeout=60, kernel="quitter")
    (tmp_path / "proj" / "q.ipynb").write_text(json.dumps(make([code("1")])))
    try:
        result = session.run(session.prepare(tmp_path / "proj" / "q.ipynb"))
    finally:
        session.close()
    assert result.outcome == "error"
    assert result.duration < 30  # told at once, not after the 60 s start-up timeout
    assert (
        "kernel 'quitter' did not start: Kernel died before replying to kernel_info"
        in result.report
    )
    assert "no licence" in result.report
