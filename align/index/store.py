"""Where a persistent wire-copy index keeps its data: a local file, or Redis.

The index has two parts: datasketch's ``MinHashLSH`` buckets (through
:class:`~align.wirecopy.index.PassageIndex`) and the metadata needed to verify and
report a match (each indexed passage's shingles; each document's path, language,
content hash and sentence spans). A :class:`Store` keeps both, behind one small
interface, so :mod:`align.index.archive` never knows where they live (as datasketch keeps
its storage backends apart from the LSH):

- :class:`FileStore`: everything in memory, saved to one file atomically after a change.
  Simple, no server; loading costs time and memory in proportion to the archive (see
  ``bench/SCALE.md``).
- :class:`RedisStore`: the LSH in Redis through datasketch's own Redis storage
  (``storage_config={"type": "redis", ...}``) and the metadata in Redis hashes under the
  same name, so several machines add to and query one index.

Neither format is ever read with :mod:`pickle`. Index files get passed around (a
colleague's archive, a download) and a Redis server may be writable by others, and
unpickling runs whatever code the data names. The file is a zip of ``.npy`` arrays and
one JSON member, read with ``np.load(allow_pickle=False)``; Redis holds JSON, raw
little-endian arrays and the LSH keys as plain UTF-8 bytes (``prepickle=False``). An
index in the format-1 layout (a pickle file, or Redis keys pickled by datasketch) is
refused with a message to rebuild it, never opened.

File format 2 (``FORMAT``), one zip archive, members stored uncompressed:

- ``meta.json``: ``{"magic": "align-wirecopy-index", "version": 2, "settings": {...},
  "next_doc": N, "docs": {"ID": {"path", "lang", "digest", "spans"}}, "lines": {TEXT:
  COUNT}, "passages": P}`` (``lines``: in how many documents each short sentence occurs,
  for page-template detection);
- ``keys.npy``: the P passage keys, UTF-8, joined by newlines (uint8);
- ``signatures.npy``: their MinHash signatures, ``(P, num_perm)`` uint32 (the ``affine32``
  scheme's width: band keys are built from these exact bytes);
- ``shingles.npy`` and ``shingle_offsets.npy``: all shingle sets end to end (uint32) and
  where each passage's starts (``P + 1`` int64), so passage ``i`` has
  ``shingles[offsets[i]:offsets[i + 1]]``.

The LSH buckets are not stored: loading rebuilds them from the signatures
(:meth:`align.wirecopy.index.PassageIndex.add`, which fills datasketch's in-memory storage
in bulk and checks it against datasketch's own insertion), so the file needs no knowledge
of datasketch's internals and loading is faster than unpickling the buckets was.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from align.errors import AlignError, InputError, OutputError
from align.export.atomic import atomic_output
from align.wirecopy.index import PassageIndex
from align.wirecopy.minhash import MinHasher

_MAGIC = "align-wirecopy-index"
#: Format of index files and of Redis indexes. 1 (align before this change): a pickle
#: file, Redis keys pickled by datasketch; both are refused, since unpickling runs code.
FORMAT = 2

_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_MAGIC = b"\x80"  # pickle protocols 2-5 start with the PROTO opcode
_META, _KEYS, _SIGNATURES, _SHINGLES, _OFFSETS = "meta.json", "keys", "signatures", "shingles", "shingle_offsets"
_BLOCK = 1 << 16  # shingle sets concatenated per write when saving


class _Damaged(ValueError):
    """An index file whose parts do not fit together (reported as "damaged; rebuild it")."""


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small containers are built.

    Building an LSH of a million passages creates tens of millions of objects; each
    allocation burst triggers a collection that walks all of them. The structures have no
    cycles, so pausing it is safe and makes loading ~5-10x faster.
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


def _write_npy_header(out: IO[bytes], dtype: str, shape: tuple[int, ...]) -> None:
    np.lib.format.write_array_header_1_0(out, {"descr": dtype, "fortran_order": False, "shape": shape})


def _write_array(zf: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with zf.open(name + ".npy", "w", force_zip64=True) as out:
        np.lib.format.write_array(out, array, allow_pickle=False)


def _write_parts(zf: zipfile.ZipFile, name: str, parts: Iterable[np.ndarray], dtype: str,
                 shape: tuple[int, ...]) -> None:
    """One ``.npy`` member written from consecutive C-ordered ``parts`` (no concatenated copy)."""
    with zf.open(name + ".npy", "w", force_zip64=True) as out:
        _write_npy_header(out, dtype, shape)
        for part in parts:
            out.write(memoryview(np.ascontiguousarray(part, dtype=dtype)))


def _array(z: Any, name: str, kind: str, itemsize: int, ndim: int) -> np.ndarray:
    """Member ``name`` of the loaded archive, checked to be what align wrote."""
    array = z[name]
    if not isinstance(array, np.ndarray) or array.dtype.kind != kind or array.dtype.itemsize != itemsize \
            or array.ndim != ndim:
        raise _Damaged(f"{name} is not a {ndim}-d array of {kind}{itemsize * 8}")
    return array


def _check_docs(raw: Any) -> dict[int, dict[str, Any]]:
    """The document records of ``meta.json``, with their types checked (ids back to ints)."""
    if not isinstance(raw, dict):
        raise _Damaged("docs is not an object")
    docs = {}
    for key, rec in raw.items():
        if not (isinstance(rec, dict) and isinstance(rec.get("path"), str) and isinstance(rec.get("lang"), str)
                and isinstance(rec.get("digest"), str) and isinstance(rec.get("spans"), list)
                and all(type(x) is int for x in rec["spans"]) and key.isdigit()):
            raise _Damaged(f"document record {key!r} is malformed")
        docs[int(key)] = rec
    return docs


class FileStore(Store):
    """The whole index in memory, kept in one file (format :data:`FORMAT`) written atomically.

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
        self._settings: dict[str, Any] | None = None
        self._docs: dict[int, dict[str, Any]] = {}
        self._digests: dict[str, int] = {}
        self._lines: dict[str, int] = {}
        self._next_doc = 0
        # passage key -> shingle set, in insertion order: row i of the signature parts below
        # is the i-th key here (the parts are kept as given, never concatenated in memory)
        self._shingles: dict[str, np.ndarray] = {}
        self._signatures: list[np.ndarray] = []
        self._loaded = 0  # passages read from the file, not in the LSH until open_lsh
        try:
            if self.path.exists():
                self._load()
            elif not writable:
                raise InputError(
                    f"index {path}: no such file; build it first with 'align index add FILE... --index {path}'")
        except BaseException:
            self.close()
            raise

    def _refuse(self, why: str) -> InputError:
        return InputError(f"index {self.path}: {why}; rebuild it: delete it and run "
                          f"'align index add FILE... --index {self.path}'")

    def _load(self) -> None:
        """Read a format-2 file; anything else is refused before any of it is interpreted."""
        try:
            with open(self.path, "rb") as f:
                head = f.read(len(_ZIP_MAGIC))
                if head != _ZIP_MAGIC:
                    if head.startswith(_PICKLE_MAGIC):
                        raise self._refuse("an index in align's old format (a Python pickle, which align no "
                                           "longer opens because loading one can run any code)")
                    raise InputError(f"index {self.path}: not an align wire-copy index; give another --index")
                f.seek(0)
                with np.load(f, allow_pickle=False) as z, no_gc():
                    self._read(z)
        except (_Damaged, zipfile.BadZipFile, KeyError, ValueError, EOFError, UnicodeDecodeError) as err:
            # (json.JSONDecodeError and numpy's refusal of object arrays are ValueErrors)
            detail = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise self._refuse(f"damaged or not an align index file ({detail[:120]})") from None
        except OSError as err:
            raise InputError(f"index {self.path}: cannot be read ({err.strerror or err}); check the file") from None

    def _read(self, z: Any) -> None:
        if _META not in z.files:
            raise _Damaged(f"no {_META}")
        meta = json.loads(z[_META])
        if not isinstance(meta, dict) or meta.get("magic") != _MAGIC:
            raise InputError(f"index {self.path}: not an align wire-copy index; give another --index")
        if meta.get("version") != FORMAT:
            raise self._refuse(f"made by another version of align (format {meta.get('version')!r}, "
                               f"this one reads format {FORMAT})")
        settings, n = meta.get("settings"), meta.get("passages")
        next_doc, lines = meta.get("next_doc"), meta.get("lines")
        if not (settings is None or isinstance(settings, dict)) or type(n) is not int or type(next_doc) is not int:
            raise _Damaged("settings, passages or next_doc malformed")
        if not (isinstance(lines, dict) and all(type(c) is int for c in lines.values())):
            raise _Damaged("lines malformed")
        docs = _check_docs(meta.get("docs"))
        blob = _array(z, _KEYS, "u", 1, 1)
        keys = blob.tobytes().decode("utf-8").split("\n") if n else []
        signatures = _array(z, _SIGNATURES, "u", 4, 2).astype(np.uint32, copy=False)
        offsets = _array(z, _OFFSETS, "i", 8, 1)
        flat = _array(z, _SHINGLES, "u", 4, 1).astype(np.uint32, copy=False)
        width = settings.get("num_perm") if settings else None
        if len(keys) != n or signatures.shape[0] != n or (n and signatures.shape[1] != width) \
                or len(offsets) != n + 1 or offsets[0] != 0 or offsets[-1] != len(flat) \
                or (n and bool((np.diff(offsets) < 0).any())):
            raise _Damaged("passage keys, signatures and shingles do not match")
        if docs and next_doc <= max(docs):
            raise _Damaged("next_doc below a document id")
        bounds = offsets.tolist()
        shingles = {k: flat[bounds[i]:bounds[i + 1]] for i, k in enumerate(keys)}
        if len(shingles) != n:
            raise _Damaged("a passage key occurs twice")
        self._settings, self._docs, self._lines, self._next_doc = settings, docs, lines, next_doc
        self._digests = {rec["digest"]: i for i, rec in docs.items()}
        self._shingles, self._signatures, self._loaded = shingles, [signatures] if n else [], n

    def settings(self) -> dict[str, Any] | None:
        return self._settings

    def open_lsh(self, hasher: MinHasher, settings: dict[str, Any]) -> None:
        self._settings = self._settings or settings
        self.lsh = PassageIndex(hasher, settings["threshold"])
        if self._loaded:  # the buckets are rebuilt from the stored signatures
            with no_gc():
                self.lsh.add(list(self._shingles), self._signatures[0])

    def doc_ids_for(self, digests: list[str]) -> list[int | None]:
        return [self._digests.get(d) for d in digests]

    def new_doc_ids(self, n: int) -> int:
        first = self._next_doc
        self._next_doc = first + n
        return first

    def put(self, docs: dict[int, dict[str, Any]], keys: list[str], shingles: list[np.ndarray],
            signatures: np.ndarray) -> None:
        if not len(keys) == len(shingles) == len(signatures):
            raise ValueError("put: keys, shingles and signatures differ in length")
        if not self._shingles.keys().isdisjoint(keys):
            raise ValueError("put: a passage key is already indexed")  # its row would be saved twice
        with no_gc():
            self._shingles.update(zip(keys, shingles))
            if len(keys):
                # kept as given (one reference, no copy), in the dtype the band keys are made of
                self._signatures.append(np.ascontiguousarray(signatures, dtype=np.uint32))
            self.lsh.add(keys, signatures)
            self._docs.update(docs)
            self._digests.update({rec["digest"]: i for i, rec in docs.items()})

    def get_docs(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        docs = self._docs
        return {i: docs[i] for i in ids if i in docs}

    def get_shingles(self, keys: list[str]) -> list[np.ndarray | None]:
        shingles = self._shingles
        return [shingles.get(k) for k in keys]

    def count_lines(self, keys: list[str]) -> None:
        lines = self._lines
        for k in keys:
            lines[k] = lines.get(k, 0) + 1

    def line_counts(self, keys: list[str]) -> list[int]:
        lines = self._lines
        return [lines.get(k, 0) for k in keys]

    def counts(self) -> tuple[int, int]:
        return len(self._docs), len(self._shingles)

    def save(self) -> None:
        """Write the whole index to a temporary file, then rename it over the old one."""
        keys = list(self._shingles)
        n = len(keys)
        width = self._settings["num_perm"] if self._settings else 0
        if sum(len(part) for part in self._signatures) != n:
            raise RuntimeError("index signatures and passages are out of step")  # a bug, not a user error
        for key in keys:
            if "\n" in key:
                raise ValueError(f"passage key {key!r} contains a newline")
        meta = {"magic": _MAGIC, "version": FORMAT, "settings": self._settings, "next_doc": self._next_doc,
                "passages": n, "docs": {str(i): rec for i, rec in self._docs.items()}, "lines": self._lines}
        sets = list(self._shingles.values())
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.fromiter((len(s) for s in sets), dtype=np.int64, count=n), out=offsets[1:])
        with atomic_output(self.path) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            zf.writestr(_META, json.dumps(meta, ensure_ascii=False).encode("utf-8"))
            _write_array(zf, _KEYS, np.frombuffer("\n".join(keys).encode("utf-8"), dtype=np.uint8))
            _write_parts(zf, _SIGNATURES, self._signatures, "<u4", (n, width))
            _write_array(zf, _OFFSETS, offsets.astype("<i8", copy=False))
            _write_parts(zf, _SHINGLES, (np.concatenate(sets[i:i + _BLOCK]) for i in range(0, n, _BLOCK)),
                         "<u4", (int(offsets[-1]),))

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
    ``NAME:digests``, ``NAME:shingles``, ``NAME:lines`` and ``NAME:meta`` (settings, format, ids).

    The LSH keys are the passage keys' UTF-8 bytes (``prepickle=False``, see
    :mod:`align.wirecopy.index`); ``NAME:meta`` records ``format`` :data:`FORMAT`, and an
    index without it (made when datasketch pickled the keys) is refused, not unpickled.
    """

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
            raw, fmt = self.r.hmget(self._key("meta"), ["settings", "format"])
        if not raw:
            return None
        if fmt != str(FORMAT).encode():
            made = f"format {fmt.decode(errors='replace')}" if fmt else "an older align, whose LSH keys are pickles"
            raise InputError(
                f"Redis index {self.name!r} at {redact(self.url)} was made by {made}, which this align does not "
                f"read; rebuild it under a new --name, or delete its keys "
                f"(redis-cli --scan --pattern '{self.name}:*' | xargs redis-cli unlink) and add the files again"
            )
        try:
            settings = json.loads(raw)
        except ValueError:
            settings = None
        if not isinstance(settings, dict):
            raise InputError(f"Redis index {self.name!r} at {redact(self.url)}: its settings are damaged; "
                             "rebuild it under a new --name")
        return settings

    def open_lsh(self, hasher: MinHasher, settings: dict[str, Any]) -> None:
        with self.guard():
            # format before settings: an index with settings always says how its keys are stored
            self.r.hsetnx(self._key("meta"), "format", FORMAT)
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
        try:
            return [np.frombuffer(x, dtype="<u4").astype(np.uint32) if x is not None else None for x in raw]
        except ValueError:  # a value whose length is not a multiple of 4 bytes: not written by align
            raise InputError(f"Redis index {self.name!r} at {redact(self.url)}: a passage's shingles are damaged; "
                             "rebuild it under a new --name") from None

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
