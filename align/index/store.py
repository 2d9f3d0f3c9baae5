"""Where a persistent wire-copy index keeps its data: a local file, or Redis.

The index has two parts: datasketch's ``MinHashLSH`` buckets (through
:class:`~align.wirecopy.index.PassageIndex`) and the metadata needed to verify and
report a match (each indexed passage's shingles; each document's path, language,
content hash and sentence spans). A :class:`Store` keeps both, behind one small
interface, so :mod:`align.index.archive` never knows where they live (as datasketch keeps
its storage backends apart from the LSH):

- :class:`FileStore`: everything in memory, saved to one file atomically after a change
  (a Python pickle: open only index files you made). Simple, no server; loading costs
  time and memory in proportion to the archive (see ``bench/SCALE.md``).
- :class:`RedisStore`: the LSH in Redis through datasketch's own Redis storage
  (``storage_config={"type": "redis", ...}``) and the metadata in Redis hashes under the
  same name, so several machines add to and query one index.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import pickle
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from align.errors import AlignError, InputError, OutputError
from align.export.atomic import atomic_output
from align.wirecopy.index import PassageIndex
from align.wirecopy.minhash import MinHasher

_MAGIC = "align-wirecopy-index"
_VERSION = 1


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small containers are built.

    Building (or unpickling) an LSH of a million passages creates tens of millions of
    objects; each allocation burst triggers a collection that walks all of them. The
    structures have no cycles, so pausing it is safe and makes loading ~5-10x faster.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Store(ABC):
    """Storage of one index: its settings, LSH, documents and passage shingles.

    Documents have integer ids; a passage's key is ``"DOC:FIRST:LAST"`` (sentences
    ``FIRST..LAST`` of document ``DOC``), so a key alone says where the passage is.
    """

    lsh: PassageIndex
    location: str

    @abstractmethod
    def settings(self) -> dict[str, Any] | None:
        """The settings the index was created with (None for a new, empty index)."""

    @abstractmethod
    def open_lsh(self, hasher: MinHasher, settings: dict[str, Any]) -> None:
        """Record ``settings`` if new and make :attr:`lsh` ready."""

    @abstractmethod
    def doc_ids_for(self, digests: list[str]) -> list[int | None]:
        """The id of an indexed document with each content digest (None: not indexed)."""

    @abstractmethod
    def new_doc_ids(self, n: int) -> int:
        """Reserve ``n`` consecutive document ids; return the first."""

    @abstractmethod
    def put(self, docs: dict[int, dict[str, Any]], keys: list[str], shingles: list[np.ndarray],
            signatures: np.ndarray) -> None:
        """Add documents (id → record with ``digest``), their passages' shingles and LSH entries."""

    @abstractmethod
    def get_docs(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """Records of the given documents (missing ids are left out)."""

    @abstractmethod
    def get_shingles(self, keys: list[str]) -> list[np.ndarray | None]:
        """Shingle sets of the given passages (None where a key is unknown)."""

    @abstractmethod
    def count_lines(self, keys: list[str]) -> None:
        """Count one more document for each short-sentence key (page-template detection)."""

    @abstractmethod
    def line_counts(self, keys: list[str]) -> list[int]:
        """In how many indexed documents each short-sentence key occurs."""

    @abstractmethod
    def counts(self) -> tuple[int, int]:
        """Documents and passages in the index."""

    def save(self) -> None:
        """Make additions durable (a file is rewritten; Redis has them already)."""

    def close(self) -> None:
        """Release locks and connections."""

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Turn the backend's own errors into one-line :class:`AlignError` messages."""
        yield


# --- a local file ---------------------------------------------------------------------


class FileStore(Store):
    """The whole index in memory, kept in one pickle file written atomically.

    ``writable`` takes an exclusive lock (``FILE.lock``) for the whole load-change-save
    cycle, so two ``align index add`` runs on one file do not lose each other's additions.
    """

    def __init__(self, path: str | os.PathLike[str], writable: bool = False) -> None:
        self.path = Path(path)
        self.location = str(path)
        self._lock = None
        if self.path.is_dir():
            raise InputError(f"index {path}: is a directory; give an index file name (created if missing)")
        if writable:
            try:
                self._lock = open(str(self.path) + ".lock", "a")  # noqa: SIM115 (held until close)
            except OSError as err:
                raise OutputError(f"cannot write index {path}: {err.strerror or err}; choose another --index") from None
            fcntl.flock(self._lock, fcntl.LOCK_EX)
        self.state: dict[str, Any] = {"magic": _MAGIC, "version": _VERSION, "settings": None, "lsh": None,
                                      "docs": {}, "digests": {}, "shingles": {}, "lines": {}, "next_doc": 0}
        if self.path.exists():
            self._load()
        elif not writable:
            raise InputError(f"index {path}: no such file; build it first with 'align index add FILE... --index {path}'")

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as f, no_gc():
                state = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as err:
            raise InputError(f"index {self.path}: cannot be read ({type(err).__name__}); is it an align index file?") from None
        if not isinstance(state, dict) or state.get("magic") != _MAGIC:
            raise InputError(f"index {self.path}: not an align wire-copy index; give another --index")
        if state.get("version") != _VERSION:
            raise InputError(f"index {self.path}: made by another version of align (format {state.get('version')}); rebuild it")
        self.state = state

    def settings(self) -> dict[str, Any] | None:
        return self.state["settings"]

    def open_lsh(self, hasher: MinHasher, settings: dict[str, Any]) -> None:
        self.state["settings"] = self.state["settings"] or settings
        self.lsh = PassageIndex(hasher, settings["threshold"])
        if self.state["lsh"] is not None:
            self.lsh.lsh = self.state["lsh"]  # the buckets loaded from the file
        self.state["lsh"] = self.lsh.lsh

    def doc_ids_for(self, digests: list[str]) -> list[int | None]:
        return [self.state["digests"].get(d) for d in digests]

    def new_doc_ids(self, n: int) -> int:
        first = self.state["next_doc"]
        self.state["next_doc"] = first + n
        return first

    def put(self, docs: dict[int, dict[str, Any]], keys: list[str], shingles: list[np.ndarray],
            signatures: np.ndarray) -> None:
        with no_gc():
            self.state["shingles"].update(zip(keys, shingles))
            self.lsh.add(keys, signatures)
            self.state["docs"].update(docs)
            self.state["digests"].update({rec["digest"]: i for i, rec in docs.items()})

    def get_docs(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        docs = self.state["docs"]
        return {i: docs[i] for i in ids if i in docs}

    def get_shingles(self, keys: list[str]) -> list[np.ndarray | None]:
        shingles = self.state["shingles"]
        return [shingles.get(k) for k in keys]

    def count_lines(self, keys: list[str]) -> None:
        lines = self.state["lines"]
        for k in keys:
            lines[k] = lines.get(k, 0) + 1

    def line_counts(self, keys: list[str]) -> list[int]:
        lines = self.state["lines"]
        return [lines.get(k, 0) for k in keys]

    def counts(self) -> tuple[int, int]:
        return len(self.state["docs"]), len(self.state["shingles"])

    def save(self) -> None:
        with atomic_output(self.path) as f, no_gc():
            pickle.dump(self.state, f, protocol=pickle.HIGHEST_PROTOCOL)

    def close(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None


# --- Redis ------------------------------------------------------------------------------


def redact(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username else ":***@"
    netloc = user + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redis_params(url: str) -> dict[str, Any]:
    """Keyword arguments for ``redis.Redis`` (what datasketch's storage passes on) from a URL:
    ``redis://[[user]:password@]host[:port][/db]``, ``rediss://`` (TLS) or ``unix:///path.sock``."""
    try:
        from redis.connection import parse_url
    except ImportError:
        raise AlignError("--redis needs the redis client: pip install 'align[redis]'") from None
    try:
        params = dict(parse_url(url))
    except (ValueError, TypeError) as err:
        raise InputError(f"--redis {redact(url)!r} is not a Redis URL ({err}); use redis://HOST:PORT/DB") from None
    cls = params.pop("connection_class", None)
    if cls is not None:
        if cls.__name__ == "SSLConnection":
            params["ssl"] = True
        elif cls.__name__ == "UnixDomainSocketConnection":
            params["unix_socket_path"] = params.pop("path")
    params.setdefault("socket_connect_timeout", 5)
    params.setdefault("socket_timeout", 60)
    return params


class RedisStore(Store):
    """An index in Redis under ``name``: datasketch's LSH storage plus hashes ``NAME:docs``,
    ``NAME:digests``, ``NAME:shingles``, ``NAME:lines`` and ``NAME:meta`` (settings, ids)."""

    def __init__(self, url: str, name: str = "align") -> None:
        self.url = url
        self.name = name
        self.location = f"{redact(url)} (name {name!r})"
        self._params = redis_params(url)
        import redis

        self._errors = (redis.exceptions.RedisError, OSError)
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        with self.guard():  # a server that is down is reported at once, not after retries
            with redis.Redis(**{**self._params, "retry": Retry(NoBackoff(), 0)}) as probe:
                probe.ping()
        self.r = redis.Redis(**self._params)

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        try:
            yield
        except self._errors as err:
            detail = (str(err).splitlines()[0] if str(err) else type(err).__name__).rstrip(". ")
            raise AlignError(
                f"Redis at {redact(self.url)}: {detail}; check that redis-server is running and the --redis URL"
            ) from None

    def _key(self, part: str) -> str:
        return f"{self.name}:{part}"

    def settings(self) -> dict[str, Any] | None:
        with self.guard():
            raw = self.r.hget(self._key("meta"), "settings")
        return json.loads(raw) if raw else None

    def open_lsh(self, hasher: MinHasher, settings: dict[str, Any]) -> None:
        with self.guard():
            self.r.hsetnx(self._key("meta"), "settings", json.dumps(settings, sort_keys=True))
            config = {"type": "redis", "basename": self._key("lsh").encode(), "redis": self._params}
            self.lsh = PassageIndex(hasher, settings["threshold"], storage_config=config)

    def doc_ids_for(self, digests: list[str]) -> list[int | None]:
        if not digests:
            return []
        with self.guard():
            found = self.r.hmget(self._key("digests"), digests)
        return [int(x) if x is not None else None for x in found]

    def new_doc_ids(self, n: int) -> int:
        with self.guard():
            return int(self.r.hincrby(self._key("meta"), "next_doc", n)) - n

    def put(self, docs: dict[int, dict[str, Any]], keys: list[str], shingles: list[np.ndarray],
            signatures: np.ndarray) -> None:
        with self.guard():
            pipe = self.r.pipeline(transaction=False)
            for start in range(0, len(keys), 10_000):
                pipe.hset(self._key("shingles"), mapping={
                    k: s.astype("<u4").tobytes() for k, s in zip(keys[start:start + 10_000], shingles[start:start + 10_000])
                })
            if docs:
                pipe.hset(self._key("docs"), mapping={str(i): json.dumps(rec) for i, rec in docs.items()})
            pipe.execute()
            self.lsh.add(keys, signatures)
            # digests last: a document counts as indexed only once all of it is in
            if docs:
                self.r.hset(self._key("digests"), mapping={rec["digest"]: i for i, rec in docs.items()})

    def get_docs(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        with self.guard():
            raw = self.r.hmget(self._key("docs"), [str(i) for i in ids])
        return {i: json.loads(x) for i, x in zip(ids, raw) if x is not None}

    def get_shingles(self, keys: list[str]) -> list[np.ndarray | None]:
        if not keys:
            return []
        with self.guard():
            raw = self.r.hmget(self._key("shingles"), keys)
        return [np.frombuffer(x, dtype="<u4").astype(np.uint32) if x is not None else None for x in raw]

    def count_lines(self, keys: list[str]) -> None:
        if keys:
            with self.guard():
                pipe = self.r.pipeline(transaction=False)
                for k in keys:
                    pipe.hincrby(self._key("lines"), k, 1)
                pipe.execute()

    def line_counts(self, keys: list[str]) -> list[int]:
        if not keys:
            return []
        with self.guard():
            return [int(x or 0) for x in self.r.hmget(self._key("lines"), keys)]

    def counts(self) -> tuple[int, int]:
        with self.guard():
            return int(self.r.hlen(self._key("digests"))), int(self.r.hlen(self._key("shingles")))

    def close(self) -> None:
        self.r.close()
