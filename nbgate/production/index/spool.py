"""The local spool: index writes that could not reach the index, replayed later.

``nbgate run`` records through a ``Recorder``: when the index is unreachable
(PostgreSQL down, the SQLite file locked past its timeout, a schema this
nbgate refuses) the write is appended to ``<state_dir>/index-spool.jsonl``
instead and the run goes on; its exit status never depends on the index.
The next ``nbgate run``, ``nbgate runs`` or ``nbgate runs flush`` replays the
spool in order. Writes are addressed by row key, so a replay interrupted
half-way and repeated writes nothing twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nbgate.atomic import atomic_write
from nbgate.production.index.model import OutputTaken, RunIndex, RunIndexError, here, new_key, now

Warn = Callable[[str], None]


class Spool:
    """The JSON-lines spool file at ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def append(self, op: str, args: dict[str, Any]) -> None:
        """Queue one write (``op`` is an index method name)."""
        line = (
            json.dumps({"op": op, "args": args}, sort_keys=True, ensure_ascii=True, default=str)
            + "\n"
        )
        with self._locked():
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def pending(self) -> int:
        """How many writes wait."""
        try:
            with self.path.open("rb") as handle:
                return sum(1 for line in handle if line.strip())
        except FileNotFoundError:
            return 0

    def flush(self, index: RunIndex) -> int:
        """Replay queued writes into ``index`` in order; how many landed (the rest stay queued).

        Raises the index's error when it is still unreachable and nothing could be written.
        """
        if not self.path.exists():
            return 0
        with self._locked():
            try:
                lines = [
                    line
                    for line in self.path.read_text(encoding="ascii").splitlines()
                    if line.strip()
                ]
            except FileNotFoundError:
                return 0
            done = 0
            try:
                for line in lines:
                    _replay(index, json.loads(line))
                    done += 1
            finally:
                rest = lines[done:]
                if rest:
                    atomic_write(self.path, ("\n".join(rest) + "\n").encode("ascii"))
                else:
                    self.path.unlink(missing_ok=True)
        return done


def _replay(index: RunIndex, entry: dict[str, Any]) -> None:

    op, args = entry["op"], dict(entry["args"])
    if op == "start":
        try:
            index.start(**args)
        except OutputTaken:  # claimed meanwhile by a run elsewhere: keep the row, without the claim
            args["output"] = None
            index.start(**args)
    elif op == "refused":
        index.refused(**args)
    elif op == "finish":
        key = args.pop("key")
        index.finish(key, **args)


class Recorder:
    """The runner's view of the index: never lets the index stop a run (see the module docstring)."""

    def __init__(self, index: RunIndex, spool: Spool, warn: Warn) -> None:
        self.index = index
        self.spool = spool
        self.warn = warn
        self._spooled: set[str] = set()

    def _queue(self, key: str, op: str, args: dict[str, Any], exc: RunIndexError | None) -> None:
        if exc is not None and not self._spooled:
            self.warn(
                f"run index unavailable ({exc}); the run goes on and its record waits in {self.spool.path}"
            )
        self._spooled.add(key)
        self.spool.append(op, args)

    def flush(self) -> None:
        """Replay an earlier spool (quietly kept when the index is still down)."""
        if not self.spool.path.exists():
            return
        try:
            count = self.spool.flush(self.index)
        except RunIndexError:
            return
        if count:
            self.warn(f"run index: {count} spooled record(s) written")

    def start(self, **values: Any) -> str:
        """Record the start of a run; its key. ``OutputTaken`` when the index knows the output."""
        host, pid = here()
        args = {"key": new_key(), "started": now(), "host": host, "pid": pid, **values}
        try:
            self.index.start(**args)
        except RunIndexError as exc:
            self._queue(args["key"], "start", args, exc)
        return str(args["key"])

    def refused(self, **values: Any) -> None:
        """Record a refused run."""
        host, pid = here()
        args = {"key": new_key(), "started": now(), "host": host, "pid": pid, **values}
        try:
            self.index.refused(**args)
        except RunIndexError as exc:
            self._queue(args["key"], "refused", args, exc)

    def finish(self, key: str, **values: Any) -> None:
        """Record the end of a run (spooled after its start if that was spooled)."""
        args = {"key": key, "ended": now(), **values}
        if key not in self._spooled:
            try:
                self.index.finish(key, **{k: v for k, v in args.items() if k != "key"})
                return
            except RunIndexError as exc:
                self._queue(key, "finish", args, exc)
                return
        self._queue(key, "finish", args, None)

    def heartbeat(self, key: str) -> None:
        """Mark the run alive; a failure is ignored (the finish record follows)."""
        if key in self._spooled:
            return
        try:
            self.index.heartbeat(key)
        except RunIndexError:
            pass
