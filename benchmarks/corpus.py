"""A deterministic corpus of realistic notebooks, shared by every benchmark.

API::

    from corpus import generate           # benchmarks/ is on sys.path when run as a script
    paths = generate(folder, count=300, seed=0, dirty=True, pair=False)

``generate(folder: Path, count: int = 300, *, seed: int = 0, dirty: bool = True,
pair: bool = False, magics: bool = False) -> list[Path]`` writes ``count`` notebooks named
``nb_0000.ipynb`` ... into ``folder`` (created if needed; existing files with
the same names are overwritten, nothing else is touched) and returns their
paths in order. The same ``(count, seed, dirty, pair, magics)`` always gives the
same bytes.

* ``dirty=True`` (default): notebooks as they look after a working session:
  20 to 40 cells (markdown and code), streams (stdout and stderr), pandas-like
  HTML tables, base64 PNGs (real, decodable PNGs of varied sizes, built with
  zlib + struct), execution counts (sometimes out of order), an occasional
  error output, volatile metadata (``ExecuteTime``, ``collapsed``,
  ``scrolled``, ``execution``, papermill timings, widget state,
  ``language_info`` versions, ``toc``), cell ids on nbformat 4.5 notebooks
  (about a quarter are 4.4 without ids), a ``parameters`` cell in most.
  About 30 MB for 300 notebooks.
* ``dirty=False``: the same notebooks already strip-clean (exactly what
  ``nbgate strip`` writes), so a ``--check`` run finds nothing to do.
* ``pair=True``: also writes a ``py:percent`` jupytext twin ``nb_0000.py``
  beside each notebook, in sync with it (the notebook's metadata carries
  ``jupytext.formats = "ipynb,py:percent"``).
* ``magics=True``: every notebook also holds the IPython a real one does:
  ``%matplotlib inline`` and ``%load_ext autoreload`` / ``%autoreload 2`` in a
  set-up cell, a ``!pip install`` cell, a ``%%time`` cell, and some of
  ``%%html`` / ``%%bash`` cells (a ``language=`` option in the twin), ``x = !ls``,
  ``df?``, ``%time``; and cell options: slideshow keys, hidden inputs, a
  frozen cell. The notebooks without ``magics`` are unchanged (own random stream).

Every notebook is written in nbformat's exact layout (via
``nbgate.notebook.dumps``), so a byte-level round trip through nbformat is a
no-op. Command line::

    python benchmarks/corpus.py OUT [--count N] [--seed S] [--clean] [--pair] [--magics]
"""

from __future__ import annotations

import argparse
import base64
import random
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # run as a script from anywhere: use this checkout's nbgate
    sys.path.insert(0, str(_ROOT))

from nbgate import notebook
from nbgate.strip.transform import StripOptions, strip_notebook

Cell = dict[str, Any]

_WORDS = (
    "revenue orders region customer churn cohort weekly forecast baseline model feature "
    "pipeline sample daily monthly quality null outlier segment margin volume latency "
    "conversion retention funnel basket price discount inventory supplier warehouse"
).split()
_COLUMNS = ("region", "orders", "revenue", "margin", "customers", "avg_basket", "returns", "growth")
_PY_VERSIONS = ("3.9.18", "3.10.13", "3.11.7", "3.12.1")


# ------------------------------------------------------------------ images


def png(width: int, height: int, rng: random.Random, noise: float = 0.3) -> bytes:
    """A real RGB PNG: a smooth background with a band of noise (so sizes vary)."""
    rows = []
    band_top = int(height * (0.5 - noise / 2))
    band_bottom = int(height * (0.5 + noise / 2))
    base = bytes(rng.randrange(180, 256) for _ in range(3))
    plain = base * width
    for y in range(height):
        if band_top <= y < band_bottom:
            rows.append(b"\x00" + rng.randbytes(width * 3))
        else:
            rows.append(b"\x00" + plain)
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return (
            struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


# ------------------------------------------------------------------ outputs


def _lines(text: str) -> str:
    return text


def _html_table(rng: random.Random, rows: int) -> tuple[str, str]:
    columns = rng.sample(_COLUMNS, rng.randint(3, len(_COLUMNS)))
    head = "".join(f"      <th>{c}</th>\n" for c in columns)
    body = []
    plain = ["    " + "  ".join(f"{c:>10}" for c in columns)]
    for i in range(rows):
        values = [
            f"{rng.uniform(0, 10000):.2f}"
            if c != "region"
            else rng.choice(("eu", "us", "apac", "latam"))
            for c in columns
        ]
        cells = "".join(f"      <td>{v}</td>\n" for v in values)
        body.append(f"    <tr>\n      <th>{i}</th>\n{cells}    </tr>\n")
        plain.append(f"{i:<4}" + "  ".join(f"{v:>10}" for v in values))
    html = (
        "<div>\n<style scoped>\n    .dataframe tbody tr th:only-of-type {\n        vertical-align: middle;\n"
        "    }\n\n    .dataframe thead th {\n        text-align: right;\n    }\n</style>\n"
        '<table border="1" class="dataframe">\n  <thead>\n    <tr style="text-align: right;">\n'
        f"      <th></th>\n{head}    </tr>\n  </thead>\n  <tbody>\n{''.join(body)}  </tbody>\n</table>\n"
        f"<p>{rows} rows × {len(columns)} columns</p>\n</div>"  # noqa: RUF001 - the multiplication sign pandas prints
    )
    return html, "\n".join(plain)


def _stream(rng: random.Random, name: str = "stdout") -> dict[str, Any]:
    if name == "stderr":
        text = (
            f"/opt/conda/lib/python3.11/site-packages/pandas/core/frame.py:{rng.randint(100, 9999)}: "
            "FutureWarning: The default value of numeric_only is deprecated.\n  warnings.warn(\n"
        )
    else:
        n = rng.randint(1, 25)
        text = "".join(
            f"{rng.choice(_WORDS)}: {rng.uniform(0, 1e6):.3f} ({rng.choice(_WORDS)} {i}) ✓\n"
            for i in range(n)
        )
    return {"name": name, "output_type": "stream", "text": text}


def _outputs(rng: random.Random, count: int) -> list[dict[str, Any]]:
    kind = rng.random()
    outputs: list[dict[str, Any]] = []
    if kind < 0.30:
        outputs.append(_stream(rng))
        if rng.random() < 0.2:
            outputs.append(_stream(rng, "stderr"))
    elif kind < 0.50:
        html, plain = _html_table(rng, rng.randint(5, 40))
        outputs.append(
            {
                "data": {"text/html": html, "text/plain": plain},
                "execution_count": count,
                "metadata": {},
                "output_type": "execute_result",
            }
        )
    elif kind < 0.68:
        image = png(rng.randint(64, 220), rng.randint(48, 140), rng, noise=rng.uniform(0.05, 0.35))
        outputs.append(
            {
                "data": {
                    "image/png": base64.b64encode(image).decode("ascii"),
                    "text/plain": "<Figure size 640x480 with 1 Axes>",
                },
                "metadata": {"needs_background": "light"} if rng.random() < 0.5 else {},
                "output_type": "display_data",
            }
        )
    elif kind < 0.80:
        outputs.append(
            {
                "data": {"text/plain": repr(rng.uniform(0, 1000))},
                "execution_count": count,
                "metadata": {},
                "output_type": "execute_result",
            }
        )
    elif kind < 0.82:
        outputs.append(
            {
                "ename": "KeyError",
                "evalue": f"'{rng.choice(_COLUMNS)}'",
                "output_type": "error",
                "traceback": [
                    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
                    "\x1b[0;31mKeyError\x1b[0m                                  Traceback (most recent call last)",
                    f'Cell \x1b[0;32mIn[{count}], line 1\x1b[0m\n----> 1 df["x"]',
                ],
            }
        )
    return outputs


# ------------------------------------------------------------------ cells


def _code_source(rng: random.Random, index: int) -> str:
    word = rng.choice(_WORDS)
    templates = (
        f'df_{word} = load_table("{word}", date=run_date)\ndf_{word}.head({rng.randint(5, 20)})',
        (
            f'summary = (\n    df.groupby("region")\n    .agg({word}=("{rng.choice(_COLUMNS)}", "sum"))\n'
            f'    .sort_values("{word}", ascending=False)\n)\nsummary'
        ),
        (
            f'fig, ax = plt.subplots(figsize=(8, 4))\nax.plot(df.index, df["{rng.choice(_COLUMNS)}"])\n'
            f'ax.set_title("{word.title()} by day")\nplt.show()'
        ),
        (
            f'for name, group in df.groupby("{rng.choice(_COLUMNS)}"):\n    print(name, len(group), '
            f'group["{word}"].mean())'
        ),
        f'threshold = {rng.uniform(0, 1):.4f}\nmask = df["{word}"] > threshold\nprint(mask.sum(), "rows above")',
        (
            f'def clean_{word}(frame):\n    """Drop nulls and clip outliers."""\n    frame = frame.dropna()\n'
            f"    return frame.clip(upper=frame.quantile(0.99), axis=1)\n\n\ndf = clean_{word}(df)"
        ),
        f'# {word} check\nassert df["{rng.choice(_COLUMNS)}"].notna().all()\nlen(df)',
    )
    source = templates[(index + rng.randrange(len(templates))) % len(templates)]
    if rng.random() < 0.1:
        source += "\n"  # some cells end with a blank line, as people leave them
    return source


def _markdown_source(rng: random.Random, index: int) -> str:
    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 5))).capitalize()
    body = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 60)))
    level = "#" if index == 0 else "##"
    extra = "\n\n- étape 1: données\n- step 2: `model.fit()`" if rng.random() < 0.2 else ""
    return f"{level} {title}\n\n{body.capitalize()}.{extra}"


def _volatile_cell_metadata(rng: random.Random) -> dict[str, Any]:
    md: dict[str, Any] = {}
    if rng.random() < 0.6:
        md["ExecuteTime"] = {
            "end_time": f"2024-03-{rng.randint(1, 28):02d}T10:{rng.randint(0, 59):02d}:"
            f"{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z",
            "start_time": f"2024-03-{rng.randint(1, 28):02d}T10:{rng.randint(0, 59):02d}:00.000Z",
        }
    if rng.random() < 0.3:
        md["collapsed"] = rng.random() < 0.5
    if rng.random() < 0.3:
        md["scrolled"] = rng.choice((True, False, "auto"))
    if rng.random() < 0.3:
        md["execution"] = {
            "iopub.execute_input": "2024-03-01T10:00:00.123456Z",
            "iopub.status.busy": "2024-03-01T10:00:00.120000Z",
            "shell.execute_reply": "2024-03-01T10:00:01.456789Z",
        }
    return md


def _notebook(rng: random.Random, number: int) -> dict[str, Any]:
    minor = 4 if rng.random() < 0.25 else 5
    n_cells = rng.randint(20, 40)
    papermill = rng.random() < 0.3
    cells: list[Cell] = []
    counter = 0
    for index in range(n_cells):
        if index == 0 or (index > 2 and rng.random() < 0.3):
            cell: Cell = {
                "cell_type": "markdown",
                "metadata": {},
                "source": _markdown_source(rng, index),
            }
        else:
            counter += 1 if rng.random() < 0.9 else rng.randint(2, 5)
            md = _volatile_cell_metadata(rng)
            parameters = index == 1 and rng.random() < 0.8
            if parameters:
                md["tags"] = ["parameters"]
                source = f'run_date = "2024-03-01"\nregion = "{rng.choice(("eu", "us"))}"\nsample = False'
            else:
                if rng.random() < 0.05:
                    md["tags"] = [rng.choice(("slow", "report", "todo"))]
                source = _code_source(rng, index)
            if papermill:
                md["papermill"] = {
                    "duration": round(rng.uniform(0.001, 9.0), 6),
                    "end_time": "2024-03-01T10:00:01",
                    "exception": False,
                    "start_time": "2024-03-01T10:00:00",
                    "status": "completed",
                }
            cell = {
                "cell_type": "code",
                "execution_count": counter,
                "metadata": md,
                "outputs": [] if parameters else _outputs(rng, counter),
                "source": source,
            }
        if minor >= 5:
            cell["id"] = f"{rng.getrandbits(32):08x}"
        cells.append(cell)
    version = rng.choice(_PY_VERSIONS)
    metadata: dict[str, Any] = {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {
            "codemirror_mode": {"name": "ipython", "version": 3},
            "file_extension": ".py",
            "mimetype": "text/x-python",
            "name": "python",
            "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3",
            "version": version,
        },
    }
    if rng.random() < 0.4:
        metadata["toc"] = {
            "base_numbering": 1,
            "nav_menu": {},
            "number_sections": True,
            "sideBar": True,
            "skip_h1_title": False,
            "title_cell": "Table of Contents",
            "toc_cell": False,
            "toc_window_display": False,
        }
    if rng.random() < 0.3:
        model = f"{rng.getrandbits(128):032x}"
        metadata["widgets"] = {
            "application/vnd.jupyter.widget-state+json": {
                "state": {
                    model: {
                        "model_module": "@jupyter-widgets/controls",
                        "model_module_version": "2.0.0",
                        "model_name": "FloatProgressModel",
                        "state": {"bar_style": "success", "max": 100, "value": 100},
                    }
                },
                "version_major": 2,
                "version_minor": 0,
            }
        }
    if papermill:
        metadata["papermill"] = {
            "default_parameters": {},
            "duration": round(rng.uniform(1, 120), 6),
            "end_time": "2024-03-01T10:02:00.000000",
            "environment_variables": {},
            "exception": None,
            "input_path": f"nb_{number:04d}.ipynb",
            "output_path": f"out/nb_{number:04d}.ipynb",
            "parameters": {},
            "start_time": "2024-03-01T10:00:00.000000",
            "version": "2.7.0",
        }
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": minor}


def _add_magics(nb: dict[str, Any], rng: random.Random) -> None:
    """Typical IPython and cell options, added in place (see ``magics`` in the module docstring)."""
    minor = nb["nbformat_minor"]

    def cell(source: str, **metadata: Any) -> Cell:
        made: Cell = {
            "cell_type": "code",
            "execution_count": None,
            "metadata": metadata,
            "outputs": [],
            "source": source,
        }
        if minor >= 5:
            made["id"] = f"{rng.getrandbits(32):08x}"
        return made

    cells: list[Cell] = nb["cells"]
    setup = ["%matplotlib inline", "%load_ext autoreload", "%autoreload 2", "import pandas as pd"]
    cells.insert(1, cell("\n".join(setup)))
    cells.insert(2, cell("!pip install -q pandas matplotlib"))
    word = rng.choice(_WORDS)
    cells.insert(
        rng.randint(4, len(cells)), cell(f'%%time\ntotal_{word} = df["{word}"].sum()\ntotal_{word}')
    )
    extras = [
        cell(f"%%html\n<b>Report</b> for <i>{word}</i>", slideshow={"slide_type": "slide"}),
        cell("%%bash\nls -l data | head\necho done"),
        cell(f"files = !ls data/{word}\nlen(files)"),
        cell("df.describe?"),
        cell(f"%time model_{word} = fit(df)", jupyter={"source_hidden": True}),
        cell(f"old_{word} = legacy(df)", run_control={"frozen": True}),
        cell(
            f'print("{word}")  # a comment', slideshow={"slide_type": "fragment"}, tags=["report"]
        ),
    ]
    for extra in rng.sample(extras, rng.randint(2, len(extras))):
        cells.insert(rng.randint(3, len(cells)), extra)
    for other in cells:
        if other["cell_type"] == "markdown" and rng.random() < 0.3:
            other["metadata"]["slideshow"] = {"slide_type": rng.choice(("slide", "subslide", "-"))}


# ------------------------------------------------------------------ public API


def generate(
    folder: Path,
    count: int = 300,
    *,
    seed: int = 0,
    dirty: bool = True,
    pair: bool = False,
    magics: bool = False,
) -> list[Path]:
    """Write ``count`` notebooks into ``folder`` and return their paths (see the module docstring)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    jupytext: Any = None
    if pair:
        import jupytext  # heavy: only when twins are wanted

    paths = []
    for number in range(count):
        rng = random.Random(
            f"{seed}:{number}"
        )  # per-notebook stream: notebook k is the same for any count
        nb = _notebook(rng, number)
        if magics:
            _add_magics(nb, random.Random(f"{seed}:{number}:magics"))
        if pair:
            nb["metadata"]["jupytext"] = {"formats": "ipynb,py:percent"}
        if not dirty:
            nb = strip_notebook(nb, StripOptions.default()).nb
        path = folder / f"nb_{number:04d}.ipynb"
        path.write_bytes(notebook.dumps(nb))
        if pair:
            twin = jupytext.reads(path.read_text(encoding="utf-8"), fmt="ipynb")
            jupytext.write(twin, str(path.with_suffix(".py")), fmt="py:percent")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python benchmarks/corpus.py OUT [--count N] [--seed S] [--clean] [--pair]``."""
    parser = argparse.ArgumentParser(
        description="Generate a deterministic corpus of realistic notebooks."
    )
    parser.add_argument("out", type=Path, help="folder to write into")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clean", action="store_true", help="write strip-clean notebooks")
    parser.add_argument("--pair", action="store_true", help="also write py:percent jupytext twins")
    parser.add_argument(
        "--magics", action="store_true", help="typical IPython magics and cell options in each"
    )
    args = parser.parse_args(argv)
    paths = generate(
        args.out,
        args.count,
        seed=args.seed,
        dirty=not args.clean,
        pair=args.pair,
        magics=args.magics,
    )
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} notebooks ({size / 1e6:.1f} MB) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
