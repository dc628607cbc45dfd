"""The registry folder on disk: list schedules, load revisions, create the next one exclusively.

Layout: ``<registry.path>/<name>/<NNNN>.yaml``, one immutable file per
revision, numbered from 1 without gaps. Nothing here ever overwrites or
deletes a revision file. A new revision is written to a temporary file,
flushed to disk, and then hard-linked to its final name: ``link`` fails if
the name exists, so of two concurrent writers of revision N exactly one wins,
and a crash leaves either no revision file or a complete one (never a torn
one). Leftover temporary files are hidden (``.NNNN.yaml.*.tmp``) and ignored
by readers.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import NamedTuple

from nbgate.config import Config
from nbgate.errors import RegistryError
from nbgate.registry import model
from nbgate.registry.model import MAX_BYTES, Revision, ScheduleState

_REVISION_FILE = re.compile(r"([0-9]{4,})\.yaml\Z")
TEMP_SUFFIX = ".tmp"


class RevisionFile(NamedTuple):
    """A revision as stored: its file, the sha256 of the file's bytes, and the parsed record."""

    path: Path
    sha256: str
    revision: Revision


class Schedule(NamedTuple):
    """All revisions of one schedule, oldest first."""

    name: str
    files: tuple[RevisionFile, ...]

    @property
    def revisions(self) -> tuple[Revision, ...]:
        """The revisions, oldest first."""
        return tuple(f.revision for f in self.files)

    @property
    def latest(self) -> Revision:
        """The newest revision (it decides the schedule's state)."""
        return self.files[-1].revision

    @property
    def state(self) -> ScheduleState:
        """``active``, ``paused`` or ``retired``: the state after the newest revision."""
        return self.latest.state

    @property
    def active(self) -> Revision | None:
        """The newest revision whose state is active (None if there never was one).

        When the schedule is paused or retired this is the revision that
        was last active; ``nbgate run`` must check ``state`` as well.
        """
        for stored in reversed(self.files):
            if stored.revision.state == ScheduleState.ACTIVE:
                return stored.revision
        return None

    def get(self, rev: int) -> RevisionFile:
        """Revision ``rev`` (``RegistryError`` if there is no such revision)."""
        if 1 <= rev <= len(self.files):
            return self.files[rev - 1]
        raise RegistryError(
            f"schedule {self.name!r} has no revision {rev} (it has 1-{len(self.files)})"
        )


def registry_dir(config: Config) -> Path:
    """The absolute registry folder (config ``registry.path``, relative to the root)."""
    return config.root / str(config["registry.path"])


def schedule_dir(config: Config, name: str) -> Path:
    """The folder of schedule ``name`` (the name is validated first)."""
    return registry_dir(config) / model.check_name(name)


def sha256_bytes(data: bytes) -> str:
    """The sha256 of ``data`` as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """The sha256 of a revision file's bytes (what ``previous_sha256`` refers to)."""
    return sha256_bytes(_read(path))


def _read(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise RegistryError(
            f"{path}: revision file is larger than {MAX_BYTES} bytes; refusing to read it"
        )
    return data


def revision_number(filename: str) -> int | None:
    """The revision number a file name stands for (``0007.yaml`` -> 7), or None."""
    match = _REVISION_FILE.match(filename)
    if match is None:
        return None
    rev = int(match.group(1))
    return rev if rev >= 1 and model.filename(rev) == filename else None


def list_schedules(config: Config) -> list[str]:
    """Names of the schedules in the registry (sub-folders with valid names), sorted."""
    folder = registry_dir(config)
    try:
        entries = os.scandir(folder)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise RegistryError(f"{folder}: cannot list: {exc.strerror or exc}") from None
    with entries:
        return sorted(e.name for e in entries if model.is_name(e.name) and e.is_dir())


def revision_files(folder: Path) -> list[tuple[int, Path]]:
    """``(rev, path)`` of the revision files in a schedule folder, by revision."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise RegistryError(f"{folder}: cannot list: {exc.strerror or exc}") from None
    found = [(rev, folder / n) for n in names if (rev := revision_number(n)) is not None]
    return sorted(found)


def parse_revision(path: Path, data: bytes) -> RevisionFile:
    """A revision file from its bytes, checked against its place (name and number)."""
    revision = model.loads(data, path)
    if revision.name != path.parent.name:
        raise RegistryError(
            f"{path}: name is {revision.name!r} but the file is in folder {path.parent.name!r}"
        )
    if model.filename(revision.rev) != path.name:
        raise RegistryError(f"{path}: rev is {revision.rev} but the file is named {path.name}")
    return RevisionFile(path, sha256_bytes(data), revision)


def read_revision(path: Path) -> RevisionFile:
    """Read, parse and validate one revision file (``RegistryError`` names the file)."""
    return parse_revision(path, _read(path))


def chain_errors(files: list[RevisionFile] | tuple[RevisionFile, ...]) -> list[str]:
    """What breaks the hash chain of one schedule's revisions (given oldest first)."""
    problems = []
    previous: RevisionFile | None = None
    for index, stored in enumerate(files, start=1):
        rev = stored.revision
        if rev.rev != index:
            problems.append(f"{stored.path}: revision {index} is missing (found {rev.rev} next)")
            break
        expected = previous.sha256 if previous else None
        if rev.previous_sha256 != expected:
            what = (
                "the previous revision file" if previous else "nothing (it is the first revision)"
            )
            problems.append(
                f"{stored.path}: previous_sha256 does not match {what}: the chain is broken"
            )
        previous = stored
    return problems


def load_schedule(config: Config, name: str) -> Schedule:
    """All revisions of ``name``, validated, numbered without gaps, hash chain intact."""
    folder = schedule_dir(config, name)
    found = revision_files(folder)
    if not found:
        raise RegistryError(f"no schedule named {name!r} in {registry_dir(config)}")
    files = [read_revision(path) for _, path in found]
    problems = chain_errors(files)
    if problems:
        raise RegistryError(problems[0])
    return Schedule(name, tuple(files))


def find_schedule(config: Config, name: str) -> Schedule | None:
    """Like ``load_schedule``, but None when the schedule does not exist."""
    if not revision_files(schedule_dir(config, name)):
        return None
    return load_schedule(config, name)


def active_revision(config: Config, name: str) -> Revision | None:
    """The revision ``nbgate run`` would execute, or None when the schedule is not active.

    Unlike ``Schedule.active`` this is None for a paused or retired schedule.
    """
    schedule = load_schedule(config, name)
    return schedule.latest if schedule.state == ScheduleState.ACTIVE else None


def state(config: Config, name: str) -> ScheduleState:
    """``active``, ``paused`` or ``retired``."""
    return load_schedule(config, name).state


def create_revision(config: Config, revision: Revision) -> RevisionFile:
    """Write ``revision`` as ``<name>/<NNNN>.yaml``, exclusively; never overwrites anything.

    ``revision.previous_sha256`` must be the sha256 of the current last file
    (and ``rev`` one more than its number). If another process created
    revision ``rev`` first, this raises ``RegistryError`` and writes nothing.
    """
    folder = schedule_dir(config, revision.name)
    data = model.dumps(revision)
    if model.loads(data, "<new revision>") != revision:
        raise RegistryError(
            f"revision {revision.rev} of {revision.name}: does not survive a YAML round trip"
        )
    _check_previous(folder, revision)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / revision.filename
    _link_exclusively(folder, target, data, revision)
    return RevisionFile(target, sha256_bytes(data), revision)


def _check_previous(folder: Path, revision: Revision) -> None:
    if revision.rev == 1:
        if revision.previous_sha256 is not None:
            raise RegistryError(f"revision 1 of {revision.name} cannot have a previous_sha256")
        return
    previous = folder / model.filename(revision.rev - 1)
    if not previous.exists():
        raise RegistryError(
            f"{previous}: missing; cannot add revision {revision.rev} of {revision.name}"
        )
    if file_sha256(previous) != revision.previous_sha256:
        raise RegistryError(
            f"{previous}: changed since it was read; nothing was written, try again"
        )


def _lost(target: Path, revision: Revision) -> RegistryError:
    return RegistryError(
        f"{target}: revision {revision.rev} of {revision.name!r} was created by another promotion "
        "at the same time; nothing was written (check `nbgate registry history` and try again)"
    )


def _link_exclusively(folder: Path, target: Path, data: bytes, revision: Revision) -> None:
    temp = folder / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            _write_rest(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, target)
        except FileExistsError:
            raise _lost(target, revision) from None
        except OSError as exc:
            if exc.errno not in (
                errno.EPERM,
                errno.EOPNOTSUPP,
                errno.ENOSYS,
                errno.EXDEV,
                errno.EMLINK,
            ):
                raise RegistryError(f"{target}: cannot create: {exc.strerror or exc}") from None
            _create_directly(target, data, revision)  # a file system without hard links
    finally:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
    _fsync_dir(folder)


def _write_rest(fd: int, data: bytes) -> None:
    view = memoryview(data)
    written = 0
    while written < len(data):
        written += os.write(fd, view[written:])


def _create_directly(target: Path, data: bytes, revision: Revision) -> None:
    """O_EXCL on the final name; a crash mid-write leaves a file that fails validation."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise _lost(target, revision) from None
    try:
        _write_rest(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms that cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def leftover_temp_files(folder: Path) -> list[Path]:
    """Temporary files an interrupted promotion left in a schedule folder."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(folder / n for n in names if n.startswith(".") and n.endswith(TEMP_SUFFIX))
