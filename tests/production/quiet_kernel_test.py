"""A successful ``nbgate run`` prints no kernel noise: no ``KeyboardInterrupt caught in kernel`` at shutdown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from testing import notebooks
from testing.production import default_cells, make_project, promote


def test_a_successful_run_has_a_quiet_stderr(tmp_path: Path, repo_root: Path) -> None:
    cells = [*default_cells(), notebooks.code("import sys\nprint(' '.join(sys.argv[1:]))")]
    project = make_project(tmp_path / "p", cells)
    promote(project)
    env = dict(os.environ, PYTHONPATH=str(repo_root))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for day in ("2024-03-01", "2024-03-02"):  # the shutdown race does not always show: twice
        done = subprocess.run(
            ["nbgate", "run", "job", "--date", day, "--run-id", day],
            cwd=project.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "KeyboardInterrupt" not in done.stderr and "IPKernelApp" not in done.stderr, (
            done.stderr
        )
        executed = json.loads(
            next((project.root / ".nbgate" / "runs" / "job" / day).glob("*.ipynb")).read_text()
        )
        argv = "".join(executed["cells"][-1]["outputs"][0]["text"])
        assert (
            "--IPKernelApp.log_level=CRITICAL" in argv
        )  # the kernel was told to keep its log quiet
