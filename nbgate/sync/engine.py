"""Syncing pairs: compare each notebook with its twin and, out of sync, carry the winning side over.

A pair is in sync when the notebook and its jupytext twin hold the same
inputs (one ``source_sha256``); such a pair is never rewritten. For a pair
out of sync, git says which side changed since HEAD (``nbgate.sync.decide``):
that side wins, jupytext carries its inputs over, and the notebook keeps its
outputs and cell ids. When both sides changed their inputs and disagree,
nothing is written and the diff is shown; jupytext's own ``--sync`` would
keep the newer file and drop the other's edit.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Iterable
from pathlib import Path

from nbgate import notebook
from nbgate.config import Config
from nbgate.errors import NotebookError
from nbgate.identity import source_sha256
from nbgate.sync import pairing
from nbgate.sync.decide import winners
from nbgate.sync.model import (
    CONFLICT,
    CREATED,
    ERROR,
    IN_SYNC,
    MISSING,
    OUT_OF_SYNC,
    UNDECIDED,
    UPDATED_NOTEBOOK,
    UPDATED_TWIN,
    Loaded,
    Pair,
    Report,
    show,
)
from nbgate.sync.twins import Recorder, converting, read_text, twin_text, write_text


def _apply(item: Loaded, winner: str, spec: str, record: Recorder) -> Report:
    pair = item.pair
    if winner == "ipynb":
        write_text(pair.twin, twin_text(item.nb, item.nb_sha, pair.twin, spec), item.crlf)
        record(pair.twin, item.nb_sha)
        return Report(pair, UPDATED_TWIN, f"{show(pair.twin)}: updated from {show(pair.notebook)}")
    text_nb = converting(pair.twin, spec, lambda: pairing.from_text(item.text, spec))
    if winner == "text":
        merged = converting(pair.twin, spec, lambda: pairing.merge(text_nb, item.nb.nb, spec))
        if source_sha256(merged) != source_sha256(text_nb):
            raise NotebookError(
                pair.notebook,
                f"merging {pair.twin} would not carry its inputs exactly "
                f"({pairing.first_difference(text_nb, merged)}); nothing written",
            )
        notebook.save(item.nb, merged)
        record(pair.notebook, source_sha256(merged))
        return Report(
            pair,
            UPDATED_NOTEBOOK,
            f"{show(pair.notebook)}: updated from {show(pair.twin)} (outputs and cell ids kept)",
        )
    diff = pairing.inputs_diff(item.nb.nb, text_nb, str(show(pair.notebook)), str(show(pair.twin)))
    hint = f"resolve by hand, or pick a side: nbgate sync --prefer ipynb|text {show(pair.notebook)}"
    if winner == CONFLICT:
        message = (
            f"{show(pair.notebook)} and {show(pair.twin)} both changed since HEAD and disagree; "
            f"nothing written; {hint}"
        )
    elif winner == UNDECIDED:
        message = f"{show(pair.notebook)} and {show(pair.twin)} disagree but neither changed since HEAD; {hint}"
    else:
        message = (
            f"{show(pair.notebook)}: not in a git repository, so nbgate cannot tell which side "
            f"changed; nothing written; pass --prefer ipynb|text"
        )
    return Report(pair, winner, message, diff)


def run_pairs(
    config: Config, pairs: Iterable[Pair], *, check: bool, prefer: str | None = None
) -> list[Report]:
    """Compare (``check``) or sync each pair; return one report per pair."""
    spec, folder = str(config["sync.format"]), str(config["sync.folder"])
    reports: dict[Path, Report] = {}
    pending: list[Loaded] = []
    order: list[Path] = []
    record = Recorder()
    for pair in pairs:
        order.append(pair.notebook)
        try:
            nb = notebook.read(pair.notebook)
            formats = pairing.pairing_conflict(nb.nb, spec, folder)
            if formats is not None:
                reports[pair.notebook] = Report(
                    pair, ERROR, _pairing_message(pair, formats, spec, folder)
                )
                continue
            nb_sha = source_sha256(nb.nb)
            found = read_text(pair.twin)
            if found is None:
                if check:
                    reports[pair.notebook] = Report(
                        pair, MISSING, f"{show(pair.notebook)}: twin {show(pair.twin)} is missing"
                    )
                else:
                    write_text(pair.twin, twin_text(nb, nb_sha, pair.twin, spec), False)
                    record(pair.twin, nb_sha)
                    reports[pair.notebook] = Report(
                        pair, CREATED, f"{show(pair.twin)}: created from {show(pair.notebook)}"
                    )
                continue
            text, crlf = found
            text_sha = converting(
                pair.twin, spec, functools.partial(pairing.text_sha256, text, spec)
            )
        except NotebookError as exc:
            reports[pair.notebook] = Report(pair, ERROR, str(exc))
            continue
        if text_sha == nb_sha:
            reports[pair.notebook] = Report(pair, IN_SYNC)
        else:
            pending.append(Loaded(pair, nb, nb_sha, text, crlf, text_sha))
    if check:
        for item in pending:
            reports[item.pair.notebook] = _out_of_sync(item, spec)
    elif pending:
        verdicts = (
            {item.pair.notebook: prefer for item in pending} if prefer else winners(pending, spec)
        )
        for item in pending:
            try:
                reports[item.pair.notebook] = _apply(
                    item, verdicts[item.pair.notebook], spec, record
                )
            except NotebookError as exc:
                reports[item.pair.notebook] = Report(item.pair, ERROR, str(exc))
    return [reports[path] for path in order]


def _pairing_message(pair: Pair, formats: str, spec: str, folder: str) -> str:
    switch = shlex.quote(pairing.switch_formats(spec, folder))
    return (
        f"{show(pair.notebook)}: jupytext pairs it as {formats!r} (its metadata jupytext.formats), not with "
        f"{show(pair.twin)} (sync.format = {spec!r}); nothing written; to switch it to nbgate's pairing run: "
        f"jupytext --set-formats {switch} {shlex.quote(str(show(pair.notebook)))} (or set sync.format "
        "to the pairing you use)"
    )


def _out_of_sync(item: Loaded, spec: str) -> Report:
    where = ""
    try:
        text_nb = converting(item.pair.twin, spec, lambda: pairing.from_text(item.text, spec))
        where = f" ({pairing.first_difference(item.nb.nb, text_nb)})"
    except NotebookError as exc:
        return Report(item.pair, ERROR, str(exc))
    return Report(
        item.pair,
        OUT_OF_SYNC,
        f"{show(item.pair.notebook)}: out of sync with {show(item.pair.twin)}{where}",
    )
