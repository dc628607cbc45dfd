"""The declared table of ``[tool.nbgate]`` options: every key's name, type, default and help.

The one place option defaults live (``config`` loads values against it; the README's and
the docs' config tables are generated from it). Shared kernel: imports no feature.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Option(NamedTuple):
    """One configuration key: dotted name, type, default and help text."""

    name: str
    type: type
    default: Any
    help: str


_NB_KEEP = ["kernelspec", "language_info.name", "jupytext", "nbgate", "title", "authors"]
_CELL_KEEP = ["tags", "nbgate", "jupytext", "slideshow", "editable", "deletable"]

#: Every option nbgate knows. The README's config table is generated from this.
OPTIONS: tuple[Option, ...] = (
    # which notebooks
    Option(
        "include",
        list,
        ["**/*.ipynb"],
        "Glob patterns (relative to the project root) of covered notebooks.",
    ),
    Option(
        "exclude",
        list,
        ["**/_build"],
        "Glob patterns left out (.ipynb_checkpoints, .nbgate, .git, virtualenvs "
        "always are; the default leaves out jupyter-book/Sphinx _build copies).",
    ),
    Option(
        "state_dir",
        str,
        ".nbgate",
        "Where runs, evidence and the run index live (relative to the root).",
    ),
    # strip
    Option(
        "strip.keep_cell_metadata",
        list,
        _CELL_KEEP,
        "Cell metadata keys strip keeps (dotted for nested keys).",
    ),
    Option(
        "strip.keep_notebook_metadata",
        list,
        _NB_KEEP,
        "Notebook metadata keys strip keeps (dotted for nested).",
    ),
    Option(
        "strip.keep_output_tag",
        str,
        "keep-output",
        "Cells with this tag keep their outputs and counts.",
    ),
    Option(
        "strip.keep_outputs",
        bool,
        False,
        "Keep every cell's outputs (strip only counts and metadata).",
    ),
    Option("strip.keep_execution_counts", bool, False, "Keep execution counts."),
    Option(
        "strip.nbstripout_markers",
        bool,
        True,
        "Also honour nbstripout's markers: the tag `keep_output`, "
        "cell metadata `keep_output: true` (that cell) and notebook metadata `keep_output: true` (every cell).",
    ),
    Option(
        "strip.init_cells",
        bool,
        False,
        "Strip cells with metadata `init_cell: true` too (by default they keep "
        "their outputs and counts, like nbstripout without --strip-init-cells).",
    ),
    Option(
        "strip.drop_empty_cells", bool, False, "Remove cells whose source is empty or whitespace."
    ),
    Option("strip.drop_tagged_cells", list, [], "Remove cells carrying any of these tags."),
    Option(
        "strip.max_output_size",
        int,
        0,
        "Keep outputs smaller than this many bytes (as JSON) in cells "
        "that are stripped; 0 strips every output.",
    ),
    # sync
    Option("sync.format", str, "py:percent", "Jupytext format of the text twin."),
    Option(
        "sync.folder", str, "", "Folder of the twins, relative to each notebook ('' = beside it)."
    ),
    Option("sync.enabled", bool, True, "Whether notebooks are paired with text twins at all."),
    # lint
    Option("lint.select", list, [], "Rule codes or prefixes to enable (empty = all)."),
    Option("lint.ignore", list, [], "Rule codes or prefixes to disable."),
    Option(
        "lint.per_path_ignores",
        dict,
        {},
        "Glob -> list of rule codes ignored for matching notebooks.",
    ),
    Option("lint.max_cells", int, 200, "NBG401: most cells a notebook may have."),
    Option("lint.max_lines_per_cell", int, 100, "NBG402: most source lines in one cell."),
    Option("lint.max_notebook_bytes", int, 5_000_000, "NBG403: largest notebook file, in bytes."),
    Option("lint.max_output_bytes", int, 1_000_000, "NBG104: largest single output, in bytes."),
    Option(
        "lint.secret_names",
        list,
        ["token", "secret", "password", "passwd", "api_key", "apikey", "private_key"],
        "NBG305: names whose high-entropy string values count as secrets.",
    ),
    Option(
        "lint.secret_min_entropy",
        float,
        3.5,
        "NBG305: least Shannon entropy (bits per character) of a secret value.",
    ),
    # smoke (pytest plugin)
    Option("smoke.parameters", dict, {}, "Test parameters for every notebook (lowest precedence)."),
    Option("smoke.timeout", float, 600.0, "Whole-notebook timeout in seconds."),
    Option("smoke.cell_timeout", float, 120.0, "Per-cell timeout in seconds."),
    Option("smoke.startup_timeout", float, 60.0, "Seconds a kernel may take to become ready."),
    Option(
        "smoke.kernel", str, "", "Kernel name for every notebook ('' = the notebook's kernelspec)."
    ),
    Option("smoke.pool_size", int, 2, "Kernels started ahead of time (start-ups in flight)."),
    Option(
        "smoke.kernel_start",
        str,
        "fork",
        "'fork': ipykernel kernels are forked from a template process that "
        "imported ipykernel once (Linux; else spawned); 'spawn': every kernel starts from scratch.",
    ),
    Option(
        "smoke.sanitizers",
        dict,
        {},
        "Regex -> replacement applied to outputs of nbgate-check-output cells.",
    ),
    Option(
        "smoke.check_images", bool, False, "Compare image outputs of nbgate-check-output cells too."
    ),
    Option(
        "smoke.check_outputs",
        str,
        "tagged",
        "Which cells' outputs are compared: 'tagged' (nbgate-check-output, "
        "nbval-check-output, # NBVAL_CHECK_OUTPUT) or 'all' executed code cells not marked to ignore (nbval).",
    ),
    Option(
        "smoke.sanitize_file",
        str,
        "",
        "An nbval sanitize file ([section] regex:/replace:), relative to the "
        "root, applied after smoke.sanitizers ('' = none).",
    ),
    # registry, run, export
    Option(
        "registry.path", str, "registry", "The schedule registry folder (relative to the root)."
    ),
    Option(
        "run.output",
        str,
        ".nbgate/runs/{name}/{date}/{rev}-{run_id}.ipynb",
        "Default output URI template.",
    ),
    Option("run.timezone", str, "UTC", "Default timezone of new schedules."),
    Option(
        "run.startup_timeout",
        float,
        60.0,
        "Seconds a production run's kernel may take to become ready.",
    ),
    Option(
        "run.index",
        str,
        "sqlite:///.nbgate/runs.db",
        "Run index database URL: sqlite:///PATH (relative to "
        "the root) or postgresql://...; also from NBGATE_RUN_INDEX_URL. Printed with its password masked.",
    ),
    Option(
        "run.index_timeout",
        float,
        10.0,
        "Seconds to wait for the run index (SQLite lock, PostgreSQL "
        "connect) before a run's record goes to the local spool.",
    ),
    Option("run.heartbeat", float, 30.0, "Seconds between heartbeats of a running run."),
    Option("run.lost_after", int, 3, "Missed heartbeats after which a running run shows as lost."),
    Option(
        "export.image", str, "python:3.11-slim", "Container image of exported Kubernetes CronJobs."
    ),
    Option(
        "export.command",
        str,
        "nbgate",
        "The nbgate command exported jobs call (e.g. an absolute path).",
    ),
    Option(
        "export.index_secret",
        str,
        "",
        "Kubernetes Secret holding the run index URL: CronJobs get "
        "NBGATE_RUN_INDEX_URL from it (secretKeyRef; '' = none).",
    ),
    Option(
        "export.index_secret_key", str, "url", "Key of the run index URL in export.index_secret."
    ),
    Option(
        "export.index_variable",
        str,
        "",
        "Airflow Variable holding the run index URL: DAGs pass it as "
        "NBGATE_RUN_INDEX_URL ('' = the worker's own environment).",
    ),
    Option(
        "export.workdir",
        str,
        "",
        "Folder exported jobs run in ('' = the project root for airflow/cron, "
        "the image's working directory for k8s).",
    ),
)
