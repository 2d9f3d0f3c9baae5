"""An on-disk embedding cache, so re-running on the same text does not embed it again.

Storage is one SQLite file (``embeddings.sqlite3``) in the cache directory:
``$ALIGN_CACHE_DIR``, else ``$XDG_CACHE_HOME/align``, else ``~/.cache/align``. SQLite
gives atomic writes and safe concurrent use by several processes (WAL journal, busy
timeout) from the standard library. Delete the file to empty the cache.

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

What is cached depends on the encoder (see :class:`CachedEncoder`): final vectors for a
generic encoder (windows as the vectors of their joined texts), per-sentence and
per-join states for an :class:`~align.embed.base.AdditiveEncoder` such as use-m3, from
which both sentence and window vectors derive. Sizes on disk: about 6 KB per distinct
sentence and 2 KB per distinct pair of neighbours for use-m3, 4 bytes per dimension
per text otherwise.

Example::

    >>> enc = CachedEncoder(USEM3Encoder(), EmbeddingCache())   # doctest: +SKIP
    >>> enc.encode(["Hallo Welt."])    # computed, then stored   # doctest: +SKIP
    >>> enc.encode(["Hallo Welt."])    # read back               # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from align.embed.base import AdditiveEncoder, Encoder, check_parts
from align.parts import Parts

__all__ = ["EmbeddingCache", "CachedEncoder", "default_cache_dir"]

log = logging.getLogger(__name__)

_DB_NAME = "embeddings.sqlite3"
_SCHEMA_VERSION = 1
_BATCH = 500  # keys per SELECT, below SQLite's bound-parameter limit


def default_cache_dir() -> Path:
    """``$ALIGN_CACHE_DIR``, else ``$XDG_CACHE_HOME/align``, else ``~/.cache/align``."""
    env = os.environ.get("ALIGN_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "align"
    return Path.home() / ".cache" / "align"


def _key(namespace: str, text: str) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    h.update(namespace.encode("utf-8"))
    h.update(b"\x00")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.digest()


def _checksum(key: bytes, data: bytes) -> bytes:
    return hashlib.blake2b(key + data, digest_size=8).digest()


class EmbeddingCache:
    """A persistent map ``(namespace, text) -> float32 vector`` in SQLite.

    ``directory``: where the database lives (default: :func:`default_cache_dir`).
    Thread-safe; several processes may share one directory.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else default_cache_dir()
        self.path = self.directory / _DB_NAME
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
            conn = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS vectors ("
                " key BLOB PRIMARY KEY, dim INTEGER NOT NULL, data BLOB NOT NULL,"
                " checksum BLOB NOT NULL)"  # a rowid table: it stores KB-sized blobs tighter
            )
            conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(_SCHEMA_VERSION),)
            )
            conn.commit()
        except (OSError, sqlite3.Error) as exc:
            self._disable(f"cannot use {self.path}: {exc}")
            return None
        self._conn = conn
        return conn

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
        keys = [_key(namespace, t) for t in texts]
        with self._lock:
            conn = self._connect()
            if conn is None:
                self.misses += len(texts)
                return out
            rows: dict[bytes, tuple[int, bytes, bytes]] = {}
            try:
                unique = list(dict.fromkeys(keys))
                for i in range(0, len(unique), _BATCH):
                    part = unique[i:i + _BATCH]
                    q = "SELECT key, dim, data, checksum FROM vectors WHERE key IN (%s)" % (
                        ",".join("?" * len(part))
                    )
                    for k, d, data, cs in conn.execute(q, part):
                        rows[bytes(k)] = (d, bytes(data), bytes(cs))
            except sqlite3.Error as exc:
                self._disable(f"cannot read {self.path}: {exc}")
                self.misses += len(texts)
                return out
        for i, k in enumerate(keys):
            row = rows.get(k)
            if row is None:
                self.misses += 1
                continue
            d, data, cs = row
            if d != dim or len(data) != 4 * dim or _checksum(k, data) != cs:
                self.corrupt += 1
                self.misses += 1
                continue
            out[i] = np.frombuffer(data, dtype="<f4")
            self.hits += 1
        return out

    def put_many(self, namespace: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors[i]`` for ``texts[i]`` (overwriting), in one transaction."""
        if not len(texts):
            return
        vectors = np.ascontiguousarray(vectors, dtype="<f4")
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise ValueError("need one vector row per text")
        dim = vectors.shape[1]
        records = []
        for t, v in zip(texts, vectors):
            k = _key(namespace, t)
            data = v.tobytes()
            records.append((k, dim, data, _checksum(k, data)))
        with self._lock:
            conn = self._connect()
            if conn is None:
                return
            try:
                with conn:
                    conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", records)
            except sqlite3.Error as exc:
                self._disable(f"cannot write {self.path}: {exc}")

    def memo(
        self, namespace: str, texts: Sequence[str], dim: int,
        compute: Callable[[list[int]], np.ndarray],
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
            self.put_many(namespace, [texts[i] for i in todo], fresh)
        for i, j in dups:
            out[i] = out[j]
        return out


class CachedEncoder(Encoder):
    """Wrap an encoder so that its vectors (or states) come from an :class:`EmbeddingCache`.

    For an :class:`~align.embed.base.AdditiveEncoder` (use-m3) it caches sentence states
    (namespace ``<fingerprint>/sentence``, keyed by the sentence) and join states
    (``<fingerprint>/join``, keyed by the two neighbouring sentences), so a document seen
    before costs only the cheap head, windows included. For any other encoder it caches
    final vectors (``<fingerprint>/vector``); windows go through the same cache as their
    joined texts.
    """

    def __init__(self, encoder: Encoder, cache: EmbeddingCache) -> None:
        self.encoder = encoder
        self.cache = cache
        self.name = encoder.name

    @property
    def dim(self) -> int:  # type: ignore[override]  # a backend may know it only once loaded
        return self.encoder.dim

    @property
    def fingerprint(self) -> str:
        return self.encoder.fingerprint

    def __repr__(self) -> str:
        return f"CachedEncoder({self.encoder!r}, {self.cache!r})"

    def __getattr__(self, attr: str):
        # expose the wrapped encoder's extras (load, tokenize, threads...) unchanged
        if attr in ("encoder", "cache"):
            raise AttributeError(attr)
        return getattr(self.encoder, attr)

    def _sentence_states(self, texts: list[str]) -> np.ndarray:
        enc = self.encoder
        assert isinstance(enc, AdditiveEncoder)
        return self.cache.memo(
            f"{enc.fingerprint}/sentence", texts, enc.state_dim,
            lambda idx: enc.sentence_states([texts[i] for i in idx]),
        )

    def _join_states(self, texts: list[str]) -> np.ndarray:
        enc = self.encoder
        assert isinstance(enc, AdditiveEncoder)
        # an unambiguous key for the pair: length prefix, then both texts
        pairs = [f"{len(a)}:{a}{b}" for a, b in zip(texts[:-1], texts[1:])]
        return self.cache.memo(
            f"{enc.fingerprint}/join", pairs, enc.join_dim,
            lambda idx: enc.join_states([texts[i] for i in idx], [texts[i + 1] for i in idx]),
        )

    def _sentence_part_states(self, texts: list[str], parts: Parts) -> tuple[np.ndarray, np.ndarray]:
        """Sentence and part states, cached; a text missing either is computed whole, in one pass.

        Part states are keyed by the part's span and its sentence (namespace
        ``<fingerprint>/part``): a part's features depend on the sentence around it.
        """
        enc = self.encoder
        assert isinstance(enc, AdditiveEncoder)
        check_parts(parts, len(texts))
        states = self.cache.get_many(f"{enc.fingerprint}/sentence", texts, enc.state_dim)
        part_keys = [f"{a}:{b}:{t}" for t, spans in zip(texts, parts) for a, b in spans]
        cached_parts = self.cache.get_many(f"{enc.fingerprint}/part", part_keys, enc.part_dim)
        starts = np.concatenate(([0], np.cumsum([len(p) for p in parts]))).astype(np.int64)
        first: dict[tuple[str, tuple[tuple[int, int], ...]], int] = {}
        todo: list[int] = []
        for i, t in enumerate(texts):
            whole = states[i] is not None and all(v is not None for v in cached_parts[starts[i]:starts[i + 1]])
            if not whole and first.setdefault((t, tuple(parts[i])), i) == i:
                todo.append(i)
        if todo:
            fresh_states, fresh_parts = enc.sentence_part_states([texts[i] for i in todo], [parts[i] for i in todo])
            fresh_starts = np.concatenate(([0], np.cumsum([len(parts[i]) for i in todo]))).astype(np.int64)
            self.cache.put_many(f"{enc.fingerprint}/sentence", [texts[i] for i in todo], fresh_states)
            self.cache.put_many(
                f"{enc.fingerprint}/part",
                [k for i in todo for k in part_keys[starts[i]:starts[i + 1]]], fresh_parts,
            )
            for r, i in enumerate(todo):
                states[i] = fresh_states[r]
                cached_parts[starts[i]:starts[i + 1]] = list(fresh_parts[fresh_starts[r]:fresh_starts[r + 1]])
        for i, t in enumerate(texts):  # repeated texts take the rows computed for the first
            j = first.get((t, tuple(parts[i])), i)
            if j != i:
                states[i] = states[j]
                cached_parts[starts[i]:starts[i + 1]] = cached_parts[starts[j]:starts[j + 1]]
        return np.stack(states).astype(np.float32), np.stack(cached_parts).astype(np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        enc = self.encoder
        if isinstance(enc, AdditiveEncoder):
            return enc.embed_states(self._sentence_states(texts))
        return self.cache.memo(
            f"{enc.fingerprint}/vector", texts, enc.dim,
            lambda idx: enc.encode([texts[i] for i in idx]),
        )

    def encode_windows(self, texts: Sequence[str], max_window: int) -> list[np.ndarray]:
        enc = self.encoder
        if not isinstance(enc, AdditiveEncoder):
            # the base implementation encodes joined texts through self.encode (cached)
            return super().encode_windows(texts, max_window)
        if max_window < 1:
            raise ValueError(f"max_window must be >= 1, got {max_window}")
        texts = list(texts)
        states = self._sentence_states(texts)
        joins = self._join_states(texts) if max_window > 1 and len(texts) > 1 else None
        return enc.window_embeddings(states, joins, max_window)

    def encode_with_parts(
        self, texts: Sequence[str], parts: Parts, max_window: int
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        enc = self.encoder
        if not isinstance(enc, AdditiveEncoder):
            # the base implementation embeds texts and parts through self.encode_windows (cached)
            return super().encode_with_parts(texts, parts, max_window)
        if max_window < 1:
            raise ValueError(f"max_window must be >= 1, got {max_window}")
        texts = list(texts)
        if not texts:
            return enc.encode_with_parts(texts, parts, max_window)
        states, part_states = self._sentence_part_states(texts, parts)
        joins = self._join_states(texts) if max_window > 1 and len(texts) > 1 else None
        return enc.windows_with_parts(states, joins, part_states, parts, max_window)
