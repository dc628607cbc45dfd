"""Concurrent promotions and promotions killed mid-way never tear, lose or overwrite a revision."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from nbgate import config as config_module
from nbgate.errors import RegistryError
from nbgate.registry import promotion, store
from nbgate.registry import verify as verifier
from testing.registry import Project, revision

RACERS = 8
LOST = "was created by another promotion at the same time; nothing was written"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "repo")


def _racer(root: Path, barrier: Any, results: Any, index: int) -> None:
    config = config_module.load(root, env={})
    request = promotion.Request(
        notebook=root / "reports" / "daily.ipynb",
        name="daily",
        schedule="0 6 * * *",
        parameters={"limit": str(index)},
    )
    planned = promotion.prepare(config, request)
    barrier.wait(timeout=60)  # everyone has read "no revision yet" and wants to write 0001.yaml
    try:
        stored = promotion.commit(config, planned)
    except RegistryError as exc:
        results.put(("lost", index, str(exc)))
    else:
        results.put(("won", index, stored.sha256))


def test_simultaneous_promotions_of_one_name_have_exactly_one_winner(project: Project) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(RACERS)
    results = context.Queue()
    processes = [
        context.Process(target=_racer, args=(project.root, barrier, results, i))
        for i in range(RACERS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    winners = [o for o in outcomes if o[0] == "won"]
    losers = [o for o in outcomes if o[0] == "lost"]
    assert len(winners) == 1 and len(losers) == RACERS - 1
    assert all(LOST in message for _, _, message in losers)
    schedule = store.load_schedule(project.config, "daily")
    assert len(schedule.files) == 1
    assert schedule.files[0].sha256 == winners[0][2]
    assert schedule.latest.parameters == {"limit": winners[0][1]}
    assert store.leftover_temp_files(schedule.files[0].path.parent) == []


def _promote_command(name: str, limit: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "nbgate",
        "--color",
        "never",
        "promote",
        "reports/daily.ipynb",
        "--name",
        name,
        "--schedule",
        "0 6 * * *",
        "--param",
        f"limit={limit}",
        "--yes",
    ]


def _start_all(
    project: Project, commands: list[list[str]]
) -> list[subprocess.CompletedProcess[str]]:
    processes = [
        subprocess.Popen(
            c, cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for c in commands
    ]
    done = []
    for process, command in zip(processes, commands, strict=False):
        out, err = process.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    return done


def test_eight_cli_promotions_of_one_name(project: Project) -> None:
    done = _start_all(project, [_promote_command("daily", i) for i in range(RACERS)])
    winners = [d for d in done if d.returncode == 0]
    losers = [d for d in done if d.returncode != 0]
    assert winners, [d.stderr for d in done]
    for (
        loser
    ) in losers:  # lost the race for a revision number: a clear error, exit 1, nothing written
        assert loser.returncode == 1 and LOST in loser.stderr, loser.stderr
    schedule = store.load_schedule(project.config, "daily")  # numbering and hash chain intact
    assert len(schedule.files) == len(winners)
    won = sorted(int(d.args[d.args.index("--param") + 1].split("=")[1]) for d in winners)
    assert sorted(r.parameters["limit"] for r in schedule.revisions) == won
    assert verifier.verify(project.config).findings == ()


def test_eight_cli_promotions_of_different_names_all_succeed(project: Project) -> None:
    done = _start_all(project, [_promote_command(f"job-{i}", i) for i in range(RACERS)])
    assert [d.returncode for d in done] == [0] * RACERS, [d.stderr for d in done]
    assert store.list_schedules(project.config) == [f"job-{i}" for i in range(RACERS)]
    for i in range(RACERS):
        assert store.load_schedule(project.config, f"job-{i}").latest.parameters == {"limit": i}
    assert verifier.verify(project.config).findings == ()


def _assert_intact(config: config_module.Config, name: str) -> int:
    """Every revision file present is complete and valid, and verify accepts the registry."""
    schedule = store.find_schedule(config, name)
    report = verifier.verify(config)
    assert report.findings == (), report.findings
    return len(schedule.files) if schedule else 0


def test_killed_cli_promotions_never_leave_a_partial_revision(project: Project) -> None:
    rng = random.Random(6)
    config = project.config
    started = time.perf_counter()
    assert (
        subprocess.run(
            _promote_command("daily", 0), cwd=project.root, capture_output=True, check=False
        ).returncode
        == 0
    )
    full = (
        time.perf_counter() - started
    )  # how long one promotion takes here: kill anywhere inside it
    count = 1
    for run in range(1, 13):
        process = subprocess.Popen(
            _promote_command("daily", run),
            cwd=project.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 1.1) * full)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = _assert_intact(config, "daily")
        assert now in (count, count + 1)
        count = now


def _writer(root: Path) -> None:  # pragma: no cover - runs in a child that gets SIGKILLed
    config = config_module.load(root, env={})
    while True:
        found = store.find_schedule(config, "daily")
        rev = len(found.files) + 1 if found else 1
        store.create_revision(
            config,
            revision(
                rev=rev,
                previous_sha256=found.files[-1].sha256 if found else None,
                parameters={"n": rev, "padding": "x" * 20_000},
            ),
        )


def test_writer_killed_at_random_points_never_leaves_a_partial_revision(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    config = config_module.load(tmp_path, env={})
    rng = random.Random(42)
    context = multiprocessing.get_context("fork")
    kills = 0
    folder = tmp_path / "registry" / "daily"
    for _ in range(25):
        before = len(list(folder.glob("*.yaml"))) if folder.is_dir() else 0
        process = context.Process(target=_writer, args=(tmp_path,))
        process.start()
        # a loaded machine may not schedule the writer for a while: kill it only once it has written again,
        # then at a random point of its next write
        deadline = time.monotonic() + 60
        while (
            len(list(folder.glob("*.yaml"))) if folder.is_dir() else 0
        ) <= before and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(process.pid or 0, signal.SIGKILL)
        process.join()
        kills += process.exitcode == -signal.SIGKILL
        schedule = store.find_schedule(config, "daily")  # raises on any torn or invalid file
        if schedule is not None:
            assert [r.parameters["n"] for r in schedule.revisions] == list(
                range(1, len(schedule.files) + 1)
            )
    assert kills == 25
    schedule = store.load_schedule(config, "daily")
    assert len(schedule.files) >= 25  # the writer got real work done between kills
    # what a kill leaves behind is at most a hidden temporary file, which readers ignore
    leftovers = store.leftover_temp_files(schedule.files[0].path.parent)
    assert all(p.name.startswith(".") and p.name.endswith(".tmp") for p in leftovers)
