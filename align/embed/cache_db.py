"""The embedding cache's SQLite file: its schema, row keys and checksums, and its errors.

Why a module of its own: :mod:`align.embed.cache` is the cache's behaviour (what is read,
written, evicted and reported); this is the file layer under it, which only changes with
the on-disk format (a schema change rebuilds old files in place, see :func:`open_db`).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from align.errors import AlignError

__all__ = ["CREATE_VECTORS", "SCHEMA_VERSION", "UNKNOWN_NS", "checksum", "error_name", "file_bytes",
           "open_db", "pages_for", "row_key", "schema_ok", "unusable"]

SCHEMA_VERSION = 2  # 2: namespace and last-use columns (the size cap), data last
UNKNOWN_NS = 0  # the namespace of rows migrated from schema 1, which did not record one
# Small columns before the blob: reading ``used`` or ``dim`` for eviction or ``cache info``
# then never walks a row's overflow pages. A rowid table: it stores KB-sized blobs tighter.
CREATE_VECTORS = (
    "CREATE TABLE {name} (key BLOB PRIMARY KEY, ns INTEGER NOT NULL, used INTEGER NOT NULL,"
    " dim INTEGER NOT NULL, checksum BLOB NOT NULL, data BLOB NOT NULL)"
)


def row_key(namespace: str, text: str) -> bytes:
    """A row's key: a hash of namespace and text, so the texts themselves are never stored."""
    h = hashlib.blake2b(digest_size=20)
    h.update(namespace.encode("utf-8"))
    h.update(b"\x00")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.digest()


def checksum(key: bytes, data: bytes) -> bytes:
    """A row's checksum over key and vector bytes: a damaged or misplaced row reads as missing."""
    return hashlib.blake2b(key + data, digest_size=8).digest()


def open_db(path: Path, timeout: float) -> sqlite3.Connection:
    """Connect to the cache database, creating its tables, or rebuilding a schema-1 table.

    The rebuild copies the rows into the new layout in one ``BEGIN IMMEDIATE``
    transaction: another process sees the old table or the new one, never half of it, and
    one that started the same rebuild meanwhile finds it done once it gets the lock.
    """
    conn = sqlite3.connect(path, timeout=timeout, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        if schema_ok(conn):
            return conn
        conn.execute("BEGIN IMMEDIATE")
        if not schema_ok(conn):
            columns = [row[1] for row in conn.execute("PRAGMA table_info(vectors)")]
            conn.execute(CREATE_VECTORS.format(name="vectors_new"))
            if columns:  # schema 1: key, dim, data, checksum; no namespace, never used since
                conn.execute(f"INSERT INTO vectors_new SELECT key, {UNKNOWN_NS}, 0, dim, checksum, data FROM vectors")
                conn.execute("DROP TABLE vectors")
            conn.execute("ALTER TABLE vectors_new RENAME TO vectors")
            conn.execute("CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used)")
            conn.execute("CREATE TABLE IF NOT EXISTS namespaces"
                         " (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, model TEXT NOT NULL)")
            conn.execute("INSERT OR IGNORE INTO namespaces VALUES (?, '', '(written before namespaces were recorded)')",
                         (UNKNOWN_NS,))
            conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        conn.commit()
    except BaseException:
        conn.close()
        raise
    return conn


def schema_ok(conn: sqlite3.Connection) -> bool:
    """Whether the database already has the current tables (the vectors table with ``used``)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(vectors)")}
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return "used" in columns and "namespaces" in tables


def pages_for(records: list[tuple], conn: sqlite3.Connection) -> int:
    """Bytes of pages that ``records`` (rows of vectors) will take: a row larger than a page
    spills into whole overflow pages, so a 6 KB row takes two 4 KB pages."""
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    usable = page - 40  # page and cell headers, overflow pointers
    return sum(-(-(len(r[5]) + 64) // usable) for r in records) * page


def file_bytes(path: Path) -> int:
    """The database's size on disk with its write-ahead log (0 for files that are not there)."""
    total = 0
    for p in (path, path.with_name(path.name + "-wal")):
        try:
            total += p.stat().st_size
        except OSError:
            pass
    return total


def error_name(exc: sqlite3.Error) -> str:
    """SQLite's name for an error (``SQLITE_BUSY``, ``SQLITE_NOTADB``...), "" when unknown
    (Python 3.10 has no ``sqlite_errorname``: then from the message)."""
    name = getattr(exc, "sqlite_errorname", None)
    if name:
        return name
    text = str(exc)
    if "not a database" in text:
        return "SQLITE_NOTADB"
    if "malformed" in text:
        return "SQLITE_CORRUPT"
    return "SQLITE_BUSY" if "locked" in text or "busy" in text else ""


def unusable(path: Path, exc: sqlite3.Error) -> AlignError:
    """The one-line error of ``align cache`` for a database it cannot use: busy, or not a database."""
    text = str(exc)
    if error_name(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return AlignError(f"the embedding cache {path} is busy (another align run is writing to it); try again "
                          "when that run is done")
    if error_name(exc) in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return AlignError(f"the embedding cache {path} is not a usable database ({text}); 'align cache clear' "
                          "replaces it with an empty one")
    return AlignError(f"cannot use the embedding cache {path}: {text}")
