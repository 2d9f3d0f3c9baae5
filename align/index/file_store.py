"""The file backend of the index: everything in memory, kept in one zip of ``.npy`` arrays.

Its own module because it is the one backend with a file format, locking and atomic
saving to get right; the checks that make reading a hostile file safe are in
:mod:`align.index.safe_zip`, the interface it implements in :mod:`align.index.store`.

File format 2 (:data:`~align.index.store.FORMAT`), one zip archive, members stored
uncompressed:

- ``meta.json``: ``{"magic": "align-wirecopy-index", "version": 2, "settings": {...},
  "next_doc": N, "docs": {"ID": {"path", "lang", "digest", "spans"}}, "lines": {TEXT:
  COUNT}, "passages": P}`` (``lines``: in how many documents each short sentence occurs,
  for page-template detection);
- ``keys.npy``: the P passage keys, UTF-8, joined by newlines (uint8);
- ``signatures.npy``: their MinHash signatures, ``(P, num_perm)`` uint32 (the ``affine32``
  scheme's width: band keys are built from these exact bytes);
- ``shingles.npy`` and ``shingle_offsets.npy``: all shingle sets end to end (uint32) and
  where each passage's starts (``P + 1`` int64), so passage ``i`` has
  ``shingles[offsets[i]:offsets[i + 1]]``;
- only in an index made with ``align index add --cross-lingual``: ``meta.json`` has
  ``"vectors": {"model", "half_weight", "dims", "langs": [LANG, ...]}`` and, for the
  ``i``-th language, ``vectors_i.npy`` (the usearch graph with its int8 vectors, as
  usearch serialises it, uint8; checked by :func:`align.index.vectors.check_graph`
  before usearch reads it) and ``vector_owners_i.npy`` (``(S, 2)`` int64: document id and
  sentence index of each vector). An align that predates them ignores these members.

The LSH buckets are not stored: loading rebuilds them from the signatures
(:meth:`align.wirecopy.lsh.PassageIndex.add`, which fills datasketch's in-memory storage
in bulk and checks it against datasketch's own insertion), so the file needs no knowledge
of datasketch's internals and loading is faster than unpickling the buckets was. A file
in the format-1 layout (a Python pickle) is refused, never unpickled.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import re
import stat
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from align.errors import InputError, OutputError
from align.files import atomic_output
from align.index.safe_zip import DAMAGE_ERRORS, Damaged, Members
from align.index.store import FORMAT, Store, check_record, message_detail
from align.index.vectors import LanguageVectors
from align.textsafe import json_dumps, shown_path
from align.wirecopy.lsh import PassageIndex
from align.wirecopy.minhash import MinHasher

_MAGIC = "align-wirecopy-index"
_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_MAGIC = b"\x80"  # pickle protocols 2-5 start with the PROTO opcode
_META, _KEYS, _SIGNATURES, _SHINGLES, _OFFSETS = "meta.json", "keys", "signatures", "shingles", "shingle_offsets"
_VECTORS, _OWNERS = "vectors_", "vector_owners_"  # + the language's place in meta.json's vectors.langs
_BLOCK = 1 << 16  # shingle sets concatenated per write when saving


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



def _check_docs(raw: Any) -> dict[int, dict[str, Any]]:
    """The document records of ``meta.json``, with their types checked (ids back to ints)."""
    if not isinstance(raw, dict):
        raise Damaged("docs is not an object")
    docs = {}
    for key, rec in raw.items():
        if not (re.fullmatch(r"[0-9]{1,18}", key) and check_record(rec)):
            raise Damaged(f"document record {key[:20]!r} is malformed")
        docs[int(key)] = rec
    return docs


def _count(value: Any) -> bool:
    """Whether ``value`` is a count or id as align writes them (an int, not a bool, not negative)."""
    return type(value) is int and value >= 0


class FileStore(Store):
    """The whole index in memory, kept in one file (format :data:`FORMAT`) written atomically.

    ``writable`` takes an exclusive ``flock`` for the whole load-change-save cycle, so two
    ``align index add`` runs on one file do not lose each other's additions. The lock is on
    the index file itself, so no lock file is left behind (a new index's file is created
    empty to hold it). Saving replaces the file with a new one, so a run that waited for the
    lock checks that the file it locked is still the one at the path, and locks the new one
    if not, before it reads anything. The index must be a regular file: a device or pipe
    (``/dev/null``) is refused, since it cannot be replaced atomically.
    """

    def __init__(self, path: str | os.PathLike[str], writable: bool = False) -> None:
        self.path = Path(path)
        self.location = shown_path(path)
        self._lock: int | None = None  # the locked index file, while writable
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
        self._vector_info: dict[str, Any] | None = None
        self._vectors: dict[str, LanguageVectors] = {}
        try:
            fd = self._open_locked() if writable else self._open_file()
            if fd is None:
                raise InputError(f"index {self.location}: no such file; build it first with "
                                 f"'align index add FILE... --index {self.location}'")
            try:
                if not (writable and os.fstat(fd).st_size == 0):  # an empty file is a new index to a writer
                    self._load(fd)
            finally:
                if fd != self._lock:
                    os.close(fd)
        except BaseException:
            self.close()
            raise

    def _open_file(self) -> int | None:
        """A read-only descriptor of the index file (None: there is none), refused unless a regular file.

        Opened without blocking, so a named pipe given as the index is refused instead of
        waiting for a writer forever.
        """
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as err:
            raise InputError(f"index {self.location}: cannot be read ({err.strerror or err}); check the file") from None
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            if stat.S_ISDIR(mode):
                raise InputError(f"index {self.location}: is a directory; give an index file name (created if missing)")
            raise InputError(f"index {self.location}: not a regular file (a device, pipe or socket); "
                             "give an index file name (created if missing)")
        return fd

    def _open_locked(self) -> int:
        """Lock the index for writing; return the descriptor of its file, which holds the lock.

        A new index's file is created empty (``O_EXCL``: of two runs, one creates it, the
        other opens it) and locked like any other; saving replaces it, and :meth:`close`
        removes it if nothing was saved. An empty file is an index still being created, or
        one whose creation was killed: a writer starts it afresh.
        """
        folder = os.path.dirname(os.path.realpath(self.path))
        if not os.path.isdir(folder):
            raise OutputError(f"cannot write index {self.location}: folder {shown_path(folder)} does not exist; "
                              "create it or choose another --index")
        if not os.access(folder, os.W_OK | os.X_OK):  # found now, not after all the work
            raise OutputError(f"cannot write index {self.location}: no permission to write in {shown_path(folder)}; "
                              "choose another --index")
        if os.path.isfile(self.path) and not os.access(self.path, os.W_OK):  # as atomic_output refuses it
            raise OutputError(f"cannot write index {self.location}: the file is read-only; make it writable "
                              "(chmod u+w) or choose another --index")
        raced = 0
        while True:
            fd = self._open_file()
            if fd is None:
                try:  # (through a dangling symlink: the file it names)
                    fd = os.open(os.path.realpath(self.path), os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                                 0o666)
                except FileExistsError:  # another run created it just now: open that
                    raced += 1
                    if raced > 100:
                        raise OutputError(f"cannot write index {self.location}: it keeps appearing and vanishing; "
                                          "choose another --index") from None
                    continue
                except OSError as err:
                    raise OutputError(f"cannot write index {self.location}: {err.strerror or err}; "
                                      "choose another --index") from None
            fcntl.flock(fd, fcntl.LOCK_EX)
            if self._is_at_path(fd):
                self._lock = fd
                return fd
            os.close(fd)  # replaced (saved by the run we waited for) or removed meanwhile: start again

    def _is_at_path(self, fd: int) -> bool:
        """Whether the file open as ``fd`` is still the one at :attr:`path`."""
        try:
            now, held = os.stat(self.path), os.fstat(fd)
        except OSError:
            return False
        return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)

    def _refuse(self, why: str) -> InputError:
        return InputError(f"index {self.location}: {why}; rebuild it: delete it and run "
                          f"'align index add FILE... --index {self.location}'")

    def damaged(self, what: str) -> InputError:
        return self._refuse(f"damaged or not an align index file ({message_detail(what)})")

    def _load(self, fd: int) -> None:
        """Read a format-2 file; anything else is refused before any of it is interpreted."""
        try:
            with open(fd, "rb", closefd=False) as f:
                head = f.read(len(_ZIP_MAGIC))
                if head != _ZIP_MAGIC:
                    if not head:
                        raise InputError(f"index {self.location}: an empty file, not an align wire-copy index "
                                         "(is an 'align index add' creating it?); give another --index or add "
                                         "files to it")
                    if head.startswith(_PICKLE_MAGIC):
                        raise self._refuse("an index in align's old format (a Python pickle, which align no "
                                           "longer opens because loading one can run any code)")
                    raise InputError(f"index {self.location}: not an align wire-copy index; give another --index")
                f.seek(0)
                with zipfile.ZipFile(f) as zf, no_gc():
                    self._read(Members(zf, os.fstat(fd).st_size))
        except DAMAGE_ERRORS as err:
            # (json.JSONDecodeError, UnicodeDecodeError and numpy's header errors are ValueErrors)
            raise self.damaged(message_detail(err)) from None
        except OSError as err:
            raise InputError(f"index {self.location}: cannot be read ({err.strerror or err}); check the file") from None

    def _read(self, members: Members) -> None:
        meta = members.json(_META)
        if not isinstance(meta, dict) or meta.get("magic") != _MAGIC:
            raise InputError(f"index {self.location}: not an align wire-copy index; give another --index")
        if meta.get("version") != FORMAT:
            version = message_detail(repr(meta.get("version")))[:20]
            raise self._refuse(f"made by another version of align (format {version}, this one reads format {FORMAT})")
        settings, n = meta.get("settings"), meta.get("passages")
        next_doc, lines = meta.get("next_doc"), meta.get("lines")
        if not (settings is None or isinstance(settings, dict)) or not _count(n) or not _count(next_doc):
            raise Damaged("settings, passages or next_doc malformed")
        if not (isinstance(lines, dict) and all(_count(c) for c in lines.values())):
            raise Damaged("lines malformed")
        docs = _check_docs(meta.get("docs"))
        if docs and next_doc <= max(docs):
            raise Damaged("next_doc below a document id")
        width = settings.get("num_perm") if settings else None
        # every array's header before any array: their sizes must agree with meta.json and each other
        keys_h = members.header(_KEYS, "u", 1, 1)
        sig_h = members.header(_SIGNATURES, "u", 4, 2)
        off_h = members.header(_OFFSETS, "i", 8, 1)
        flat_h = members.header(_SHINGLES, "u", 4, 1)
        if sig_h.shape[0] != n or (n and sig_h.shape[1] != width) or off_h.shape != (n + 1,) \
                or (n and keys_h.shape[0] < 2 * n - 1) or (not n and keys_h.shape[0]):
            raise Damaged("passage keys, signatures and shingles do not match")
        offsets = members.array(off_h)
        if offsets[0] != 0 or offsets[-1] != flat_h.shape[0] or (n and bool((np.diff(offsets) < 0).any())):
            raise Damaged("passage keys, signatures and shingles do not match")
        keys = members.array(keys_h).tobytes().decode("utf-8").split("\n") if n else []
        if len(keys) != n:
            raise Damaged("passage keys, signatures and shingles do not match")
        signatures = members.array(sig_h)
        flat = members.array(flat_h)
        bounds = offsets.tolist()
        shingles = {k: flat[bounds[i]:bounds[i + 1]] for i, k in enumerate(keys)}
        if len(shingles) != n:
            raise Damaged("a passage key occurs twice")
        vector_info, vectors = self._read_vectors(members, meta.get("vectors"), docs)
        self._settings, self._docs, self._lines, self._next_doc = settings, docs, lines, next_doc
        self._vector_info, self._vectors = vector_info, vectors
        self._digests = {rec["digest"]: i for i, rec in docs.items()}
        self._shingles, self._signatures, self._loaded = shingles, [signatures] if n else [], n

    @staticmethod
    def _read_vectors(members: Members, info: Any, docs: dict[int, dict[str, Any]]
                      ) -> tuple[dict[str, Any] | None, dict[str, LanguageVectors]]:
        """The sentence vectors of each language, every member checked against ``meta.json`` first."""
        if info is None:
            return None, {}
        if not (isinstance(info, dict) and set(info) == {"model", "half_weight", "dims", "langs"}
                and isinstance(info["model"], str) and 0 < len(info["model"]) <= 500
                and type(info["half_weight"]) in (int, float) and 0 <= info["half_weight"] <= 100
                and _count(info["dims"]) and 1 <= info["dims"] <= 8192 and isinstance(info["langs"], list)
                and len(info["langs"]) <= 1000 and all(isinstance(x, str) for x in info["langs"])
                and len(set(info["langs"])) == len(info["langs"])):
            raise Damaged("vectors malformed")
        dims, out = info["dims"], {}
        sentences = {i: len(rec["spans"]) // 2 for i, rec in docs.items()}
        for i, lang in enumerate(info["langs"]):
            owners_h = members.header(f"{_OWNERS}{i}", "i", 8, 2)
            graph_h = members.header(f"{_VECTORS}{i}", "u", 1, 1)
            rows = owners_h.shape[0]
            if owners_h.shape[1] != 2 or graph_h.shape[0] < 8 + rows * dims:
                raise Damaged(f"sentence vectors of {lang[:20]!r} do not match their owners")
            owners = members.array(owners_h)
            for d, sid in owners.tolist():
                if d not in docs or docs[d]["lang"] != lang or not 0 <= sid < sentences[d]:
                    raise Damaged(f"a sentence vector of {lang[:20]!r} names no indexed sentence")
            if len({(d, sid) for d, sid in owners.tolist()}) != rows:
                raise Damaged("a sentence has two vectors")
            out[lang] = LanguageVectors.from_blob(members.array(graph_h), owners, dims)
        return info, out

    def settings(self) -> dict[str, Any] | None:
        return self._settings

    def vector_info(self) -> dict[str, Any] | None:
        return self._vector_info

    def enable_vectors(self, info: dict[str, Any]) -> None:
        self._vector_info = dict(info)

    def language_vectors(self, lang: str, create: bool = False) -> LanguageVectors | None:
        if lang not in self._vectors and create and self._vector_info is not None:
            self._vectors[lang] = LanguageVectors(self._vector_info["dims"])
        return self._vectors.get(lang)

    def vector_languages(self) -> list[str]:
        return sorted(self._vectors)

    def no_vectors(self) -> InputError:
        return InputError(f"index {self.location}: has no sentence vectors (it was built without --cross-lingual); "
                          f"re-add its files to a new index: 'align index add --cross-lingual FILE... --index NEW'")

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
        """Write the whole index to a temporary file, then rename it over the old one.

        A file name that is not UTF-8 (its bad bytes are lone surrogates in Python) is kept
        exactly: :func:`~align.textsafe.json_dumps` writes each surrogate as a ``\\udcXX``
        JSON escape, which :func:`json.loads` reads back as the same surrogate, so the member
        stays UTF-8 and the format (and the align that wrote it before) is unchanged.
        """
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
        langs = sorted(self._vectors)
        if self._vector_info is not None:
            meta["vectors"] = {**self._vector_info, "langs": langs}
        sets = list(self._shingles.values())
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.fromiter((len(s) for s in sets), dtype=np.int64, count=n), out=offsets[1:])
        held = None  # the new file, locked before it replaces the old one
        try:
            with atomic_output(self.path) as f:
                if self._lock is not None:
                    # the lock must pass to the new file with no gap, or a run that opens it
                    # meanwhile could load, add and save while this one still adds and saves
                    held = os.dup(f.fileno())
                    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                    zf.writestr(_META, json_dumps(meta).encode("utf-8"))
                    _write_array(zf, _KEYS, np.frombuffer("\n".join(keys).encode("utf-8"), dtype=np.uint8))
                    _write_parts(zf, _SIGNATURES, self._signatures, "<u4", (n, width))
                    _write_array(zf, _OFFSETS, offsets.astype("<i8", copy=False))
                    _write_parts(zf, _SHINGLES, (np.concatenate(sets[i:i + _BLOCK]) for i in range(0, n, _BLOCK)),
                                 "<u4", (int(offsets[-1]),))
                    for i, lang in enumerate(langs):
                        vectors = self._vectors[lang]
                        _write_array(zf, f"{_OWNERS}{i}", vectors.owners.astype("<i8", copy=False))
                        _write_array(zf, f"{_VECTORS}{i}", vectors.blob())
        except BaseException:
            if held is not None:
                os.close(held)
            raise
        if held is not None:
            old, self._lock = self._lock, held
            os.close(old)  # (the replaced file: a run waiting on it then finds the new one)

    def close(self) -> None:
        """Release the lock; a new index's file that nothing was saved to is removed first."""
        if self._lock is not None:
            with contextlib.suppress(OSError):
                if os.fstat(self._lock).st_size == 0 and self._is_at_path(self._lock):
                    os.unlink(os.path.realpath(self.path))  # while still locked: no one else is using it
            os.close(self._lock)  # releases the lock
            self._lock = None

