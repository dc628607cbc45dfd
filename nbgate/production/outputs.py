"""Output notebooks: render the URI template and create the output exclusively.

An output notebook is the immutable record of one run, so it is never
overwritten. Local paths are created with ``O_CREAT | O_EXCL`` (the
operating system decides the race) and finished with an atomic rename.
Remote URIs (``s3://``, ``gs://``, ``abs://`` and any other scheme papermill
has an I/O handler for) are checked for existence first and written through
``papermill.iorw``. Object stores offer no portable create-if-absent through
those handlers, so two processes could both pass the check in the instant
before either writes its placeholder; the run index's unique ``output``
column closes that race for runs sharing one index.
"""

from __future__ import annotations

import os
import re
import string
from pathlib import Path
from typing import Any

from nbgate.atomic import atomic_write, write_synced
from nbgate.errors import ConfigError, ExecutionError
from nbgate.production.index import OutputTaken
from nbgate.registry import safety

#: Placeholders an output template may use.
PLACEHOLDERS = ("name", "date", "rev", "run_id")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def render(template: str, *, name: str, date: str, rev: int, run_id: str) -> str:
    """Fill ``{name}``, ``{date}``, ``{rev}`` and ``{run_id}`` into ``template``."""
    values: dict[str, Any] = {"name": name, "date": date, "rev": rev, "run_id": run_id}
    shown = template if len(template) <= 80 else template[:80] + "…"
    try:
        for _, field, spec, conversion in string.Formatter().parse(template):
            if field is not None and not safety.placeholder_ok(field, spec, conversion):
                raise ConfigError(f"output template {shown!r}: {safety.placeholder_problem(field)}")
        rendered = template.format_map(values)
    except (ValueError, IndexError, KeyError, AttributeError) as exc:
        raise ConfigError(f"output template {shown!r}: {exc}") from None
    if not rendered.strip():
        raise ConfigError(f"output template {shown!r} renders to nothing")
    return rendered


def scheme(uri: str) -> str | None:
    """The URI scheme (``s3``, ``gs``...) or None for a local path (``file://`` too)."""
    match = _SCHEME.match(uri)
    if not match or match.group(1).lower() == "file":
        return None
    return match.group(1).lower()


def _local_path(root: Path, uri: str) -> Path:
    path = Path(uri[len("file://") :] if uri.lower().startswith("file://") else uri)
    return path if path.is_absolute() else root / path


class Output:
    """One output notebook: reserved once, then written (possibly more than once)."""

    def __init__(self, root: Path, uri: str) -> None:
        self.scheme = scheme(uri)
        self.path = None if self.scheme else _local_path(root, uri).resolve()
        #: What the run index records: an absolute path or the remote URI.
        self.uri = str(self.path) if self.path is not None else uri

    def reserve(self, text: str) -> None:
        """Create the output with ``text`` (the prepared notebook); ``OutputTaken`` if it exists."""
        if self.path is not None:
            self._reserve_local(self.path, text)
        else:
            if remote_exists(self.uri):
                raise OutputTaken(
                    f"{self.uri}: already exists; outputs are never overwritten (use another --run-id)"
                )
            self.write(text)

    @staticmethod
    def _reserve_local(path: Path, text: str) -> None:
        # written next to the final name, then linked in: the final name either
        # does not exist or holds the whole placeholder, never a 0-byte file
        data = _encoded(path, text)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.nbgate-tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:
            raise ExecutionError(
                f"{path}: cannot create the output notebook: {exc.strerror or exc}"
            ) from None
        try:
            try:
                write_synced(fd, data)
            finally:
                os.close(fd)
            os.link(tmp, path)
        except FileExistsError:
            raise OutputTaken(
                f"{path}: already exists; outputs are never overwritten (use another --run-id)"
            ) from None
        except OSError as exc:
            raise ExecutionError(
                f"{path}: cannot create the output notebook: {exc.strerror or exc}"
            ) from None
        finally:
            tmp.unlink(missing_ok=True)

    def write(self, text: str) -> None:
        """Replace this run's own (reserved) output with ``text``, atomically; ``ExecutionError`` on failure."""
        if self.path is not None:
            try:
                atomic_write(self.path, _encoded(self.path, text))
            except OSError as exc:
                raise ExecutionError(
                    f"{self.path}: cannot write the output notebook: {exc.strerror or exc}"
                ) from None
            return
        from papermill.iorw import papermill_io

        try:
            papermill_io.write(text, self.uri)
        except Exception as exc:
            raise ExecutionError(f"{self.uri}: cannot write the output notebook: {exc}") from exc

    def discard(self) -> bool:
        """Remove this run's local placeholder after a failed write; whether the name is free again."""
        if self.path is None:
            return False
        try:
            self.path.unlink()
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return True


def _encoded(path: Path | str, text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end].encode("unicode_escape").decode("ascii")
        raise ExecutionError(
            f"{path}: cannot write the output notebook: it holds a lone surrogate ({bad}), "
            f"which UTF-8 cannot store"
        ) from None


def remote_exists(uri: str) -> bool:
    """Whether a remote output already exists (papermill's handlers and their clients)."""
    kind = scheme(uri)
    if kind in ("s3", "s3n"):
        return _s3_exists(uri)
    if kind == "gs":
        from papermill.iorw import GCSHandler

        return bool(GCSHandler()._get_client().exists(uri))
    from papermill.iorw import papermill_io

    try:
        papermill_io.read(uri)
    except Exception:  # noqa: BLE001 - each handler raises its client's own "not found" error
        return False
    return True


def _s3_exists(uri: str) -> bool:
    from botocore.exceptions import ClientError
    from papermill.s3 import S3

    s3 = S3()
    key = s3._get_key(uri)
    try:
        # the resource, not the client: papermill points only the resource at
        # BOTO3_ENDPOINT_URL, and writes go through it too
        s3.s3.Object(key.bucket.name, key.name).load()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise ExecutionError(f"{uri}: cannot check whether the output exists: {exc}") from None
    return True


def read_output(root: Path, uri: str) -> str:
    """The text of an output notebook that a run wrote at ``uri`` (what the run index records).

    Local paths are read directly; remote URIs through ``papermill.iorw``,
    the layer ``Output.write`` uses. ``FileNotFoundError`` when it is gone.
    """
    kind = scheme(uri)
    if kind is None:
        path = _local_path(root, uri)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise
        except (OSError, UnicodeDecodeError) as exc:
            raise ExecutionError(f"{path}: cannot read the output notebook: {exc}") from None
    if kind in ("s3", "s3n") and not _s3_exists(uri):
        raise FileNotFoundError(uri)
    from papermill.iorw import papermill_io

    try:
        text = papermill_io.read(uri)
    except Exception as exc:
        raise ExecutionError(f"{uri}: cannot read the output notebook: {exc}") from exc
    return text if isinstance(text, str) else bytes(text).decode("utf-8")
