"""An on-disk embedding cache, so re-running on the same text does not embed it again.

Storage is one SQLite file (``embeddings.sqlite3``) in the cache directory:
``$ALIGN_CACHE_DIR``, else ``$XDG_CACHE_HOME/align``, else ``~/.cache/align``. SQLite
gives atomic writes and safe concurrent use by several processes (WAL journal, busy
timeout) from the standard library. ``align cache info`` shows it, ``align cache clear``
empties it (:meth:`EmbeddingCache.clear`, safe while other runs use it).

The cache is capped (``$ALIGN_CACHE_MAX``, default 1 GiB; :func:`align.settings.cache_max_bytes`):
every row records when it was last read or written, and a write that takes the database
past the cap evicts the least recently used rows down to nine tenths of it (the freed
pages are reused, so the file stays about the cap's size). Each row also records its
namespace, so ``align cache info`` lists what each model holds and ``align cache clear
--model NAME`` removes one model's rows. A cache file written before those columns
existed is rebuilt in place on first use, its rows kept (as used long ago, under no
namespace).

Each row is keyed by a hash of (namespace, text) — the namespace carries the encoder's
fingerprint and what kind of vector it is — and holds the float32 vector with a checksum
over key and bytes. A row whose checksum or size does not match is treated as missing:
the caller recomputes it and the row is overwritten, so a damaged entry is never
returned. The texts themselves are not stored.

A row holds exactly the float32 bytes the encoder computed, and use-m3's states do not
depend on which other sentences were computed with them (its products are exact, see
:mod:`align.exact`), so a cold, warm or partly warm cache and ``--no-cache`` give the
same vectors, bit for bit, and the same output files.

The cache never makes embedding fail: when the directory cannot be created or written,
or the database is unusable, it switches itself off (``cache.enabled`` becomes False and
``cache.disabled_reason`` says why) and the encoder simply computes everything.

What is cached depends on the encoder (see :class:`~align.embed.cached.CachedEncoder`): final vectors for a
generic encoder (windows as the vectors of their joined texts), per-sentence and
per-join states for an :class:`~align.embed.base.AdditiveEncoder` such as use-m3, from
which both sentence and window vectors derive. Sizes on disk: about 6 KB per distinct
sentence and 2 KB per distinct pair of neighbours for use-m3, 4 bytes per dimension
per text otherwise.

Example::

    >>> from align.embed.cached import CachedEncoder            # doctest: +SKIP
    >>> enc = CachedEncoder(USEM3Encoder(), EmbeddingCache())   # doctest: +SKIP
    >>> enc.encode(["Hallo Welt."])    # computed, then stored   # doctest: +SKIP
    >>> enc.encode(["Hallo Welt."])    # read back               # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.embed.cache_db import (
    checksum,
    error_name,
    file_bytes,
    open_db,
    pages_for,
    row_key,
    unusable,
)
from align.errors import AlignError
from align.settings import cache_max_bytes

__all__ = ["EmbeddingCache", "CacheInfo", "NamespaceInfo", "default_cache_dir"]

log = logging.getLogger(__name__)

_DB_NAME = "embeddings.sqlite3"
_BATCH = 500  # keys per SELECT, below SQLite's bound-parameter limit
_EVICT_TO = 0.9  # an eviction frees down to this share of the cap, so the next writes do not evict again
# A read records its rows' use only when the last was longer ago than this (microseconds):
# repeated runs on the same text then write nothing (see EmbeddingCache._touch).
_TOUCH_AFTER_US = 3600 * 1_000_000
_COMMAND_TIMEOUT = 10.0  # seconds `align cache info|clear` wait for a writer before saying the cache is busy


@dataclass(frozen=True)
class NamespaceInfo:
    """What one namespace holds: its ``model`` (encoder name), ``rows`` and ``bytes`` of vectors."""

    model: str
    namespace: str
    rows: int
    bytes: int


@dataclass(frozen=True)
class CacheInfo:
    """What ``align cache info`` reports: where the cache is, how big, its cap, and by namespace.

    ``file_bytes`` is the database and its write-ahead log on disk; ``used_bytes`` the pages
    holding rows (what the cap bounds; the rest are free pages the next writes reuse).
    """

    path: Path
    exists: bool
    file_bytes: int
    used_bytes: int
    rows: int
    cap: int | None
    namespaces: tuple[NamespaceInfo, ...]


def default_cache_dir() -> Path:
    """``$ALIGN_CACHE_DIR``, else ``$XDG_CACHE_HOME/align``, else ``~/.cache/align``."""
    env = os.environ.get("ALIGN_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "align"
    return Path.home() / ".cache" / "align"


def _wall_us() -> int:
    """Microseconds since the epoch: when a row was last used (tests move it forward)."""
    return time.time_ns() // 1000


class EmbeddingCache:
    """A persistent map ``(namespace, text) -> float32 vector`` in SQLite.

    ``directory``: where the database lives (default: :func:`default_cache_dir`).
    ``max_bytes``: the size cap (default: :func:`align.settings.cache_max_bytes`, which
    reads ``$ALIGN_CACHE_MAX``; None there means no cap). Thread-safe; several processes
    may share one directory.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None, *,
                 max_bytes: int | None | str = "env") -> None:
        self.directory = Path(directory).expanduser() if directory is not None else default_cache_dir()
        self.path = self.directory / _DB_NAME
        self.max_bytes = cache_max_bytes() if max_bytes == "env" else max_bytes
        self.evicted = 0
        self._clock = 0
        self._namespaces: dict[str, int] = {}
        self.enabled = True
        self.disabled_reason: str | None = None
        self.hits = 0
        self.misses = 0
        self.corrupt = 0
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        state = "enabled" if self.enabled else f"disabled: {self.disabled_reason}"
        return f"EmbeddingCache({str(self.path)!r}, {state})"

    # ---------------------------------------------------------------- plumbing
    def _disable(self, reason: str) -> None:
        if self.enabled:
            log.info("embedding cache off (%s)", reason)
        self.enabled = False
        self.disabled_reason = reason
        self._drop_connection()

    def _drop_connection(self) -> None:
        """Close the connection if one is open (callers hold the lock or own the object)."""
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def _connect(self) -> sqlite3.Connection | None:
        """Open (and create) the database on first use; None when the cache is off."""
        if not self.enabled:
            return None
        if self._conn is not None:
            return self._conn
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if not os.access(self.directory, os.W_OK | os.X_OK):
                raise PermissionError(f"{self.directory} is not writable")
            conn = open_db(self.path, timeout=30.0)
        except (OSError, sqlite3.Error) as exc:
            self._disable(f"cannot use {self.path}: {exc}")
            return None
        self._conn = conn
        return conn

    def _now(self) -> int:
        """A use time for rows: microseconds since the epoch, strictly increasing in this object."""
        self._clock = max(_wall_us(), self._clock + 1)
        return self._clock

    def _namespace_id(self, conn: sqlite3.Connection, namespace: str, model: str | None) -> int:
        """The id of ``namespace`` (recorded with its model on first use); inside a transaction."""
        ns = self._namespaces.get(namespace)
        if ns is None:
            conn.execute("INSERT OR IGNORE INTO namespaces (name, model) VALUES (?, ?)",
                         (namespace, model or namespace.rsplit("/", 1)[0]))
            ns = conn.execute("SELECT id FROM namespaces WHERE name = ?", (namespace,)).fetchone()[0]
            self._namespaces[namespace] = ns
        return ns

    def _used_bytes(self, conn: sqlite3.Connection) -> int:
        """Bytes of the database's pages that hold data (free pages left by deletes excluded)."""
        pages = conn.execute("PRAGMA page_count").fetchone()[0] - conn.execute("PRAGMA freelist_count").fetchone()[0]
        return pages * conn.execute("PRAGMA page_size").fetchone()[0]

    def _evict(self, conn: sqlite3.Connection, incoming: int = 0) -> None:
        """Delete least recently used rows until the data, plus ``incoming`` bytes about to be
        written, is within the cap (inside a transaction).

        Rows go oldest first (the ``used`` index), in chunks sized from the average row,
        down to :data:`_EVICT_TO` of the cap so that the next writes do not evict again.
        Room is made before a write (``incoming``), so the file does not grow past the cap
        to hold the new rows first (its size stays the cap's, not the cap plus one pass).
        """
        if self.max_bytes is None:
            return
        size = self._used_bytes(conn) + incoming
        if size <= self.max_bytes:
            return
        target = int(self.max_bytes * _EVICT_TO)
        while size > target:
            rows = conn.execute("SELECT count(*) FROM vectors").fetchone()[0]
            if not rows:
                break
            per_row = max(1, size // rows)
            n = min(rows, max(16, -(-(size - target) // per_row)))
            conn.execute("DELETE FROM vectors WHERE rowid IN (SELECT rowid FROM vectors ORDER BY used LIMIT ?)", (n,))
            self.evicted += n
            size = self._used_bytes(conn) + incoming

    def close(self) -> None:
        """Close the database connection (it reopens on next use)."""
        with self._lock:
            self._drop_connection()

    # -------------------------------------------------------------------- API
    def get_many(self, namespace: str, texts: Sequence[str], dim: int) -> list[np.ndarray | None]:
        """Cached vectors for ``texts`` (``None`` where missing or damaged)."""
        out: list[np.ndarray | None] = [None] * len(texts)
        if not texts:
            return out
        keys = [row_key(namespace, t) for t in texts]
        with self._lock:
            conn = self._connect()
            if conn is None:
                self.misses += len(texts)
                return out
            rows: dict[bytes, tuple[int, int, bytes, bytes]] = {}
            try:
                unique = list(dict.fromkeys(keys))
                for i in range(0, len(unique), _BATCH):
                    part = unique[i:i + _BATCH]
                    q = "SELECT key, used, dim, data, checksum FROM vectors WHERE key IN (%s)" % (
                        ",".join("?" * len(part))
                    )
                    for k, used, d, data, cs in conn.execute(q, part):
                        rows[bytes(k)] = (used, d, bytes(data), bytes(cs))
            except sqlite3.Error as exc:
                self._disable(f"cannot read {self.path}: {exc}")
                self.misses += len(texts)
                return out
            stale: set[bytes] = set()
            recent = self._now() - _TOUCH_AFTER_US
            for i, k in enumerate(keys):
                row = rows.get(k)
                if row is None:
                    self.misses += 1
                    continue
                used, d, data, cs = row
                if d != dim or len(data) != 4 * dim or checksum(k, data) != cs:
                    self.corrupt += 1
                    self.misses += 1
                    continue
                out[i] = np.frombuffer(data, dtype="<f4")
                if used < recent:
                    stale.add(k)
                self.hits += 1
            self._touch(conn, list(stale))
        return out

    def _touch(self, conn: sqlite3.Connection, keys: list[bytes]) -> None:
        """Record that ``keys`` were just read (for the least-recently-used eviction), in one
        transaction; a database busy with another writer only skips the update.

        Only rows last used more than :data:`_TOUCH_AFTER_US` ago are passed: rewriting every
        hit's row costs a warm run of Tom Sawyer's 4,903 sentences a fifth more CPU time
        (3.2 s instead of 2.6 s), and recency to the hour is all that choosing what to evict
        needs; within the hour a warm run costs what it did before the cap."""
        if not keys:
            return
        now = self._now()
        try:
            with conn:
                for i in range(0, len(keys), _BATCH):
                    part = keys[i:i + _BATCH]
                    conn.execute("UPDATE vectors SET used = ? WHERE key IN (%s)" % ",".join("?" * len(part)),
                                 [now, *part])
        except sqlite3.Error as exc:  # the vectors were read; only their recency is lost
            log.info("embedding cache: use times not recorded (%s)", exc)

    def put_many(self, namespace: str, texts: Sequence[str], vectors: np.ndarray, model: str | None = None) -> None:
        """Store ``vectors[i]`` for ``texts[i]`` (overwriting), in one transaction; past the
        cap, least recently used rows are evicted in the same transaction.

        ``model``: the encoder's name, recorded with the namespace for ``align cache info``
        and ``clear --model`` (default: the namespace without its last ``/`` part)."""
        if not len(texts):
            return
        vectors = np.ascontiguousarray(vectors, dtype="<f4")
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise ValueError("need one vector row per text")
        dim = vectors.shape[1]
        with self._lock:
            conn = self._connect()
            if conn is None:
                return
            try:
                with conn:
                    ns = self._namespace_id(conn, namespace, model)
                    now = self._now()
                    records = []
                    for t, v in zip(texts, vectors):
                        k = row_key(namespace, t)
                        data = v.tobytes()
                        records.append((k, ns, now, dim, checksum(k, data), data))
                    self._evict(conn, pages_for(records, conn))
                    conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?, ?)", records)
                    self._evict(conn)
            except sqlite3.Error as exc:
                self._namespaces.clear()  # a rolled-back namespace row must be written again
                self._disable(f"cannot write {self.path}: {exc}")

    def info(self) -> CacheInfo:
        """Where the cache is, its size, rows and cap, and rows and bytes per namespace.

        Does not create a cache that is not there. Raises :class:`AlignError` (one line)
        when the database is busy or damaged: unlike the cache's use, which only turns
        itself off, asking about it should say what is wrong.
        """
        if not self.path.exists():
            return CacheInfo(self.path, False, 0, 0, 0, self.max_bytes, ())
        try:
            conn = open_db(self.path, timeout=_COMMAND_TIMEOUT)
            try:
                used = self._used_bytes(conn)
                spaces = [
                    NamespaceInfo(model, name, rows, size)
                    for model, name, rows, size in conn.execute(
                        "SELECT n.model, n.name, v.rows, v.bytes FROM namespaces n JOIN"
                        " (SELECT ns, count(*) AS rows, sum(4 * dim) AS bytes FROM vectors GROUP BY ns) v"
                        " ON v.ns = n.id ORDER BY n.model, n.name"
                    )
                ]
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise unusable(self.path, exc) from None
        return CacheInfo(self.path, True, file_bytes(self.path), used, sum(n.rows for n in spaces), self.max_bytes,
                         tuple(spaces))

    def clear(self, model: str | None = None) -> int | None:
        """Delete every row (or only ``model``'s) and return how many went (None: the file
        was not a database and was removed).

        One transaction: a run reading the cache meanwhile sees it whole or empty (WAL
        readers keep their snapshot), and one writing waits for it. The file then shrinks
        (VACUUM) unless another run has it open, in which case the free pages are reused.
        A file that is not a database is removed (nothing can read it), so clearing is
        also the way out of a damaged cache. ``model`` is an encoder name as ``align
        cache info`` lists it (``use-m3``), or a namespace's fingerprint; one that has no
        rows raises :class:`AlignError` naming the models there.
        """
        with self._lock:
            self._drop_connection()
            self._namespaces.clear()
            if not self.path.exists():
                if model is not None:
                    raise AlignError(f"the embedding cache {self.path} is empty; there is nothing of {model!r} to clear")
                return 0
            try:
                conn = open_db(self.path, timeout=_COMMAND_TIMEOUT)
            except sqlite3.Error as exc:
                if error_name(exc) not in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or model is not None:
                    raise unusable(self.path, exc) from None
                return self._remove_damaged()
            try:
                removed = self._delete_rows(conn, model)
                try:  # shrink the file; needs no other connection in the middle of a read, so waits little
                    conn.execute("PRAGMA busy_timeout = 200")
                    conn.execute("VACUUM")
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.Error as exc:
                    log.info("embedding cache not shrunk (%s)", exc)
            except sqlite3.Error as exc:
                raise unusable(self.path, exc) from None
            finally:
                conn.close()
            return removed

    def _delete_rows(self, conn: sqlite3.Connection, model: str | None) -> int:
        """The deletion of :meth:`clear`, in one transaction."""
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            # namespace rows stay (a few bytes each): other processes hold their ids
            if model is None:
                return conn.execute("DELETE FROM vectors").rowcount
            ids = [i for (i,) in conn.execute(
                "SELECT id FROM namespaces WHERE model = ? OR name = ? OR name LIKE ? ESCAPE '\\'",
                (model, model, model.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"),
            )]
            removed = 0
            for i in ids:
                removed += conn.execute("DELETE FROM vectors WHERE ns = ?", (i,)).rowcount
            if not removed:
                models = sorted({m for (m,) in conn.execute(
                    "SELECT DISTINCT n.model FROM namespaces n WHERE EXISTS (SELECT 1 FROM vectors v WHERE v.ns = n.id)"
                )})
                there = ", ".join(models) if models else "none, it is empty"
                raise AlignError(f"the embedding cache has no rows of {model!r}; models there: {there}")
            return removed

    def _remove_damaged(self) -> None:
        """Remove a cache file that is not a database (and its journal files)."""
        for p in (self.path, self.path.with_name(self.path.name + "-wal"),
                  self.path.with_name(self.path.name + "-shm")):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise AlignError(f"cannot remove the damaged embedding cache {p}: {exc.strerror or exc}") from None
        log.info("removed a damaged embedding cache at %s", self.path)
        return None

    def memo(
        self, namespace: str, texts: Sequence[str], dim: int,
        compute: Callable[[list[int]], np.ndarray], model: str | None = None,
    ) -> np.ndarray:
        """Vectors for ``texts``: cached ones read back, the rest from ``compute``.

        ``compute`` receives the indices of the missing texts (each distinct text once)
        and returns their vectors in that order; they are stored before returning.
        """
        out = np.empty((len(texts), dim), np.float32)
        cached = self.get_many(namespace, texts, dim)
        first: dict[str, int] = {}
        todo: list[int] = []
        dups: list[tuple[int, int]] = []
        for i, v in enumerate(cached):
            if v is not None:
                out[i] = v
                continue
            j = first.get(texts[i])
            if j is None:
                first[texts[i]] = i
                todo.append(i)
            else:
                dups.append((i, j))
        if todo:
            fresh = np.asarray(compute(todo), np.float32)
            out[todo] = fresh
            self.put_many(namespace, [texts[i] for i in todo], fresh, model)
        for i, j in dups:
            out[i] = out[j]
        return out
