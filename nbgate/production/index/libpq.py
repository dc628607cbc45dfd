"""A small read-only PostgreSQL client over the system libpq (ctypes), for fast start-up.

Importing psycopg costs 0.15-0.8 s (it pulls in asyncio, its error
classes and its C wrapper), more than a whole ``nbgate runs`` query. Reads
(``nbgate runs``, ``runs stats``) go through this client when libpq is
installed (it is wherever PostgreSQL's client is); everything else, and
every read when libpq cannot be loaded or the ``libpq-reads`` fast path is
off (``nbgate.fastpaths``), goes through psycopg. Results come
back as text and are converted by column type (integers, floats, text).
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import Any

from nbgate import fastpaths

_NAMES = ("libpq.so.5", "libpq.so", "libpq.5.dylib", "libpq.dylib")
_CONNECTION_OK = 0
_TUPLES_OK = 2
_SQLSTATE = ord("C")  # PG_DIAG_SQLSTATE
_INTEGERS = frozenset((20, 21, 23, 26))  # int8, int2, int4, oid
_FLOATS = frozenset((700, 701, 1700))  # float4, float8, numeric
_lib: Any = None
_tried = False


class LibpqError(Exception):
    """libpq reported an error; ``connecting`` says whether the server could not be reached.

    ``sqlstate`` is the server's error code (``42P01``: no such table), or None.
    """

    def __init__(
        self, message: str, *, connecting: bool = False, sqlstate: str | None = None
    ) -> None:
        super().__init__(message)
        self.connecting = connecting
        self.sqlstate = sqlstate


def library() -> Any:
    """The loaded libpq, or None when it is not installed (or the ``libpq-reads`` fast path is off: psycopg reads)."""
    global _lib, _tried  # noqa: PLW0603 - a process-wide cache, set once
    if not fastpaths.enabled("libpq-reads"):
        return None
    if not _tried:
        _tried = True
        for name in _NAMES:
            try:
                lib = ctypes.CDLL(name)
            except OSError:
                continue
            _declare(lib)
            _lib = lib
            break
    return _lib


def _declare(lib: Any) -> None:
    p, c, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    for name, restype, argtypes in (
        ("PQconnectdbParams", p, [ctypes.POINTER(c), ctypes.POINTER(c), i]),
        ("PQstatus", i, [p]),
        ("PQerrorMessage", c, [p]),
        ("PQfinish", None, [p]),
        ("PQexecParams", p, [p, c, i, p, ctypes.POINTER(c), p, p, i]),
        ("PQresultStatus", i, [p]),
        ("PQresultErrorMessage", c, [p]),
        ("PQresultErrorField", c, [p, i]),
        ("PQclear", None, [p]),
        ("PQntuples", i, [p]),
        ("PQnfields", i, [p]),
        ("PQftype", ctypes.c_uint, [p, i]),
        ("PQgetisnull", i, [p, i, i]),
        ("PQgetvalue", c, [p, i, i]),
    ):
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes


class Connection:
    """One libpq connection (text results); ``query`` returns rows of Python values."""

    def __init__(self, url: str, *, timeout: float) -> None:
        lib = library()
        if lib is None:
            raise LibpqError("libpq is not installed", connecting=True)
        self._lib = lib
        words = (ctypes.c_char_p * 4)(b"dbname", b"connect_timeout", b"client_encoding", None)
        values = (ctypes.c_char_p * 4)(
            url.encode(), str(max(1, int(timeout))).encode(), b"UTF8", None
        )
        self._conn = lib.PQconnectdbParams(words, values, 1)
        if not self._conn or lib.PQstatus(self._conn) != _CONNECTION_OK:
            message = _text(lib.PQerrorMessage(self._conn)) if self._conn else "out of memory"
            self.close()
            raise LibpqError(message, connecting=True)

    def query(self, statement: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement with ``$1``-style parameters (sent as text); its rows."""
        lib = self._lib
        params = (ctypes.c_char_p * max(1, len(args)))(
            *[None if a is None else str(a).encode() for a in args]
        )
        result = lib.PQexecParams(
            self._conn, statement.encode(), len(args), None, params, None, None, 0
        )
        if not result:
            raise LibpqError(_text(lib.PQerrorMessage(self._conn)), connecting=True)
        try:
            if lib.PQresultStatus(result) != _TUPLES_OK:
                code = lib.PQresultErrorField(result, _SQLSTATE)
                raise LibpqError(
                    _text(lib.PQresultErrorMessage(result)),
                    connecting=lib.PQstatus(self._conn) != _CONNECTION_OK,
                    sqlstate=code.decode("ascii", "replace") if code else None,
                )
            fields = lib.PQnfields(result)
            kinds = [_convert(lib.PQftype(result, column)) for column in range(fields)]
            return [
                tuple(
                    None
                    if lib.PQgetisnull(result, row, column)
                    else kinds[column](lib.PQgetvalue(result, row, column).decode())
                    for column in range(fields)
                )
                for row in range(lib.PQntuples(result))
            ]
        finally:
            lib.PQclear(result)

    def close(self) -> None:
        """Close the connection."""
        if self._conn:
            self._lib.PQfinish(self._conn)
        self._conn = None


def _convert(oid: int) -> Any:
    if oid in _INTEGERS:
        return int
    if oid in _FLOATS:
        return float
    return str


def _text(value: bytes | None) -> str:
    text = (value or b"").decode(errors="replace").strip()
    return text.splitlines()[0] if text else "libpq error"
