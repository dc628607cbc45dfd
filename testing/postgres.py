"""A throwaway PostgreSQL server for the run-index tests (real ``initdb`` + ``pg_ctl``).

The cluster lives in a temporary folder and listens only on a Unix socket
there (no TCP port, so parallel test sessions never collide). PostgreSQL
refuses to run as root, so under root the binaries run as the ``postgres``
user (``runuser``). Missing binaries are installed (``.ci/install-system-deps``),
never skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
USER = "nbgate"


def binaries() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (installing PostgreSQL when missing)."""
    for attempt in range(2):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if found:
            return Path(found[-1]).parent
        on_path = shutil.which("initdb")
        if on_path:
            return Path(on_path).parent
        if attempt == 0:
            subprocess.run([str(REPO / ".ci" / "install-system-deps")], check=True)
    raise RuntimeError("PostgreSQL's initdb was not found even after .ci/install-system-deps")


class Server:
    """One PostgreSQL cluster; ``url(db)`` names a database on it."""

    def __init__(self) -> None:
        self.bin = binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="nbgate-pg-"))
        self.data = self.folder / "data"
        self.socket = self.folder
        self.log = self.folder / "server.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self.folder.chmod(0o755)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            USER,
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self._as, str(self.bin / tool), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip()}\n{log}")

    def start(self) -> None:
        """Start (or restart) the server; returns when it accepts connections."""
        options = (
            f"-k {self.socket} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            f"-c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "120",
            "start",
        )

    def stop(self) -> None:
        """Stop the server (fast mode: connections are cut)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "120", "stop")

    def url(self, database: str = "postgres", *, password: str | None = None) -> str:
        """A libpq URL for ``database`` over the socket (a password is accepted and ignored: trust)."""
        auth = f"{USER}:{password}" if password else USER
        return f"postgresql://{auth}@/{database}?host={self.socket}"

    def create_database(self, name: str) -> str:
        """Create database ``name``; its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        """Stop the server and remove its folder."""
        try:
            self.stop()
        except RuntimeError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
