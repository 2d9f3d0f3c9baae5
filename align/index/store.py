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

A damaged or hostile index is refused in one line ("damaged ...; rebuild it") before
anything big is allocated: every zip member's claimed size is checked against its place
in the file and a bounded inflation ratio (a deflate bomb claims 1000x), every ``.npy``
header against the member's size and the other members, every value of ``meta.json``
and of the Redis hashes against what align writes (settings by
:meth:`align.index.archive.IndexSettings.problem`). A Redis URL is shown only through
:func:`redact`, which hides a password in every form a URL can carry one.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import io
import json
import os
import re
import stat
import struct
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote

import numpy as np

from align.errors import AlignError, InputError, OutputError
from align.export.atomic import atomic_output
from align.textsafe import json_dumps, printable, shown_path
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

#: How many times its compressed size a member may claim to inflate to. align stores the
#: members uncompressed (ratio 1); a zip tool that deflates them gets 1x (hashes) to about
#: 25x (the JSON of a very repetitive archive), while a deflate bomb claims about 1000x.
#: Checked, with the member's place in the file, before a byte is inflated, so reading
#: needs memory in proportion to the file's size.
_MAX_RATIO = 32
#: A member this small is never refused for its ratio (a tiny, well-compressed meta.json).
_SMALL_MEMBER = 1 << 20
#: The longest ``.npy`` header read (numpy's own limit for untrusted files).
_MAX_NPY_HEADER = 10_000
_READ_CHUNK = 1 << 24  # bytes of an array read at a time (no whole-member bytes copy)
#: What ``json.loads`` or a hostile member can raise besides :class:`_Damaged`.
_DAMAGE = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, NotImplementedError, RecursionError,
           OverflowError, struct.error)


class _Damaged(ValueError):
    """An index whose parts do not fit together (reported as "damaged; rebuild it")."""


def _detail(err: BaseException | str) -> str:
    """The first line of an error's text (or its type), printable, cut to a message's length."""
    text = str(err)
    first = text.splitlines()[0] if text.strip() else type(err).__name__
    return printable(first.rstrip(". "), keep_newlines=False)[:160]


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


def check_record(rec: Any) -> bool:
    """Whether ``rec`` is a document record as align writes it (a damaged one would fail
    later, deep in a query, with a KeyError or an IndexError)."""
    if not (isinstance(rec, dict) and isinstance(rec.get("path"), str) and isinstance(rec.get("lang"), str)
            and isinstance(rec.get("digest"), str) and isinstance(rec.get("spans"), list)):
        return False
    spans = rec["spans"]
    return len(spans) % 2 == 0 and all(type(x) is int and x >= 0 for x in spans)


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

    @abstractmethod
    def damaged(self, what: str) -> InputError:
        """The one-line error for an index found damaged (``what``: how), saying to rebuild it."""

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


@dataclass(frozen=True)
class _NpyHeader:
    """What a ``.npy`` member's header declares, checked against the member's size."""

    info: zipfile.ZipInfo
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    offset: int  # where the data starts in the member


class _Members:
    """The members of an index zip, each checked against what it claims before it is read.

    A zip member says how big it inflates to; ``zipfile`` never returns more than that (and
    checks the CRC at the end), so refusing a claim out of proportion to the member's
    compressed size (:data:`_MAX_RATIO`) bounds the memory of reading it. A ``.npy``
    header says how big its array is; it must be exactly what the member holds, and is
    compared before the array is allocated (``np.load`` allocates first).
    """

    def __init__(self, zf: zipfile.ZipFile, file_size: int) -> None:
        self.zf = zf
        self.file_size = file_size

    def info(self, name: str) -> zipfile.ZipInfo:
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            raise _Damaged(f"no {name} member") from None
        if info.flag_bits & 0x1:
            raise _Damaged(f"{name} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Damaged(f"{name} is compressed with zip method {info.compress_type}")
        if info.header_offset + info.compress_size > self.file_size:
            raise _Damaged(f"{name} extends past the end of the file")
        stored = info.compress_type == zipfile.ZIP_STORED
        if (stored and info.file_size != info.compress_size) or \
                info.file_size > max(_SMALL_MEMBER, _MAX_RATIO * info.compress_size):
            raise _Damaged(f"{name} claims to inflate {info.compress_size} bytes to {info.file_size}")
        return info

    def json(self, name: str) -> Any:
        info = self.info(name)
        with self.zf.open(info) as member:
            data = member.read()
        if len(data) != info.file_size:
            raise _Damaged(f"{name} is shorter than the zip says")
        return json.loads(data)

    def header(self, name: str, kind: str, itemsize: int, ndim: int) -> _NpyHeader:
        """The header of member ``NAME.npy``, which must be an ``ndim``-d array of ``kind``
        (``"u"``, ``"i"``) of ``itemsize`` bytes filling the member exactly."""
        member_name = name + ".npy"
        info = self.info(member_name)
        with self.zf.open(info) as member:
            try:
                version = np.lib.format.read_magic(member)
                if version not in ((1, 0), (2, 0)):
                    raise _Damaged(f"{member_name} has .npy version {version}, not 1.0 or 2.0")
                length_format = "<H" if version == (1, 0) else "<I"
                raw_length = member.read(struct.calcsize(length_format))
                (length,) = struct.unpack(length_format, raw_length)
                if length > _MAX_NPY_HEADER:
                    raise _Damaged(f"{member_name} has a {length}-byte header")
                text = member.read(length)
                read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                    np.lib.format.read_array_header_2_0
                shape, fortran, dtype = read(io.BytesIO(raw_length + text), max_header_size=_MAX_NPY_HEADER)
            except TypeError as err:  # a descr numpy cannot make a dtype of
                raise _Damaged(f"{member_name}: {_detail(err)}") from None
        offset = 8 + len(raw_length) + length
        if dtype.hasobject or dtype.names is not None or dtype.subdtype is not None or dtype.kind != kind \
                or dtype.itemsize != itemsize or len(shape) != ndim or any(d < 0 for d in shape):
            raise _Damaged(f"{member_name} is not a {ndim}-d array of {kind}{itemsize * 8}")
        nbytes = itemsize
        for d in shape:
            nbytes *= d
        if offset + nbytes != info.file_size:
            raise _Damaged(f"{member_name} declares {nbytes} bytes of data but holds {info.file_size - offset}")
        return _NpyHeader(info, tuple(shape), dtype, fortran, offset)

    def array(self, header: _NpyHeader) -> np.ndarray:
        """The array behind ``header``, read into place (in native byte order)."""
        shape = header.shape[::-1] if header.fortran else header.shape
        out = np.empty(shape, dtype=header.dtype)
        if out.nbytes:
            view = memoryview(out).cast("B")
            with self.zf.open(header.info) as member:
                member.seek(header.offset)
                done = 0
                while done < out.nbytes:
                    chunk = member.read(min(_READ_CHUNK, out.nbytes - done))
                    if not chunk:
                        raise _Damaged(f"{header.info.filename} is shorter than its header says")
                    view[done:done + len(chunk)] = chunk
                    done += len(chunk)
        array = out.T if header.fortran else out
        return np.ascontiguousarray(array, dtype=header.dtype.newbyteorder("="))


def _check_docs(raw: Any) -> dict[int, dict[str, Any]]:
    """The document records of ``meta.json``, with their types checked (ids back to ints)."""
    if not isinstance(raw, dict):
        raise _Damaged("docs is not an object")
    docs = {}
    for key, rec in raw.items():
        if not (re.fullmatch(r"[0-9]{1,18}", key) and check_record(rec)):
            raise _Damaged(f"document record {key[:20]!r} is malformed")
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
        return self._refuse(f"damaged or not an align index file ({_detail(what)})")

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
                    self._read(_Members(zf, os.fstat(fd).st_size))
        except _DAMAGE as err:
            # (json.JSONDecodeError, UnicodeDecodeError and numpy's header errors are ValueErrors)
            raise self.damaged(_detail(err)) from None
        except OSError as err:
            raise InputError(f"index {self.location}: cannot be read ({err.strerror or err}); check the file") from None

    def _read(self, members: _Members) -> None:
        meta = members.json(_META)
        if not isinstance(meta, dict) or meta.get("magic") != _MAGIC:
            raise InputError(f"index {self.location}: not an align wire-copy index; give another --index")
        if meta.get("version") != FORMAT:
            raise self._refuse(f"made by another version of align (format {_detail(repr(meta.get('version')))[:20]}, "
                               f"this one reads format {FORMAT})")
        settings, n = meta.get("settings"), meta.get("passages")
        next_doc, lines = meta.get("next_doc"), meta.get("lines")
        if not (settings is None or isinstance(settings, dict)) or not _count(n) or not _count(next_doc):
            raise _Damaged("settings, passages or next_doc malformed")
        if not (isinstance(lines, dict) and all(_count(c) for c in lines.values())):
            raise _Damaged("lines malformed")
        docs = _check_docs(meta.get("docs"))
        if docs and next_doc <= max(docs):
            raise _Damaged("next_doc below a document id")
        width = settings.get("num_perm") if settings else None
        # every array's header before any array: their sizes must agree with meta.json and each other
        keys_h = members.header(_KEYS, "u", 1, 1)
        sig_h = members.header(_SIGNATURES, "u", 4, 2)
        off_h = members.header(_OFFSETS, "i", 8, 1)
        flat_h = members.header(_SHINGLES, "u", 4, 1)
        if sig_h.shape[0] != n or (n and sig_h.shape[1] != width) or off_h.shape != (n + 1,) \
                or (n and keys_h.shape[0] < 2 * n - 1) or (not n and keys_h.shape[0]):
            raise _Damaged("passage keys, signatures and shingles do not match")
        offsets = members.array(off_h)
        if offsets[0] != 0 or offsets[-1] != flat_h.shape[0] or (n and bool((np.diff(offsets) < 0).any())):
            raise _Damaged("passage keys, signatures and shingles do not match")
        keys = members.array(keys_h).tobytes().decode("utf-8").split("\n") if n else []
        if len(keys) != n:
            raise _Damaged("passage keys, signatures and shingles do not match")
        signatures = members.array(sig_h)
        flat = members.array(flat_h)
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


# --- Redis ------------------------------------------------------------------------------

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
#: Options of a Redis URL's query whose values are never secret (``redis-py``'s own); any
#: other option's value (``password=``, and whatever a client may add) is hidden.
_PLAIN_OPTIONS = frozenset({"db", "socket_timeout", "socket_connect_timeout", "socket_keepalive", "retry_on_timeout",
                            "max_connections", "health_check_interval", "protocol", "ssl_cert_reqs",
                            "ssl_check_hostname", "client_name"})
_WORD = re.compile(r"[A-Za-z0-9_.-]+")
_URL_HELP = ("use redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (a password's '/', '?', '#' and '@' written "
             "%2F, %3F, %23 and %40), rediss://... or unix:///PATH.sock")


@dataclass(frozen=True)
class _UrlParts:
    scheme: str  # "redis://", or "" when there is none
    userinfo: str | None  # everything before the last "@"
    rest: str  # host, port and path
    query: str | None
    fragment: str | None


def _split_url(url: str) -> _UrlParts:
    """Split ``url`` so that the most is hidden, whatever a password holds.

    A password may hold '/', '?', '#' or '@' unencoded; ``urlsplit`` (and redis-py) end the
    user part at the first of them, which leaves the rest of the password in the path,
    query or fragment (or takes its start for a port). Here the user part is everything
    before the *last* '@', so a password is always inside it. Nothing is parsed as a
    number, so this never fails.
    """
    match = _SCHEME.match(url)
    scheme = match.group(0) if match else ""
    rest = url[len(scheme):]
    userinfo = None
    if "@" in rest:
        userinfo, _, rest = rest.rpartition("@")
    rest, hashmark, fragment = rest.partition("#")
    rest, mark, query = rest.partition("?")
    return _UrlParts(scheme, userinfo, rest, query if mark else None, fragment if hashmark else None)


def _user(userinfo: str) -> str | None:
    """The user name in ``userinfo`` when it plainly is one (``user:password``), else None."""
    user, colon, _ = userinfo.partition(":")
    return user if colon and (not user or _WORD.fullmatch(user)) else None


def _shown_option(item: str) -> str:
    """One ``name=value`` of a URL's query as a message shows it."""
    name, eq, value = item.partition("=")
    if eq and _WORD.fullmatch(name):
        plain = name.lower() in _PLAIN_OPTIONS and (not value or _WORD.fullmatch(value))
        return item if plain else f"{name}=***"
    return "***"


def redact(url: str) -> str:
    """``url`` for a message: its password, and every query value that could be one, as ``***``.

    ``redis://user:***@host:6379/0``, ``redis://host/0?password=***``, ``unix:///r.sock?password=***``;
    an unencoded '/', '?', '#' or '@' in the password is hidden with it. Never raises.
    """
    parts = _split_url(url)
    out = parts.scheme
    if parts.userinfo is not None:
        user = _user(parts.userinfo)
        out += "***@" if user is None else f"{user}:***@"
    out += parts.rest
    if parts.query is not None:
        out += "?" + "&".join(_shown_option(item) for item in parts.query.split("&"))
    if parts.fragment is not None:
        out += "#***"
    return printable(out, keep_newlines=False)


def _secrets(url: str) -> list[str]:
    """Every part of ``url`` that :func:`redact` hides, and its pieces between delimiters
    (the part of a password a client took for a port, say), longest first."""
    parts = _split_url(url)
    hidden = []
    if parts.userinfo is not None:
        user = _user(parts.userinfo)
        hidden.append(parts.userinfo if user is None else parts.userinfo[len(user) + 1:])
    for item in (parts.query or "").split("&"):
        if _shown_option(item) != item:  # the value, or the whole item when its name is not shown either
            name, eq, value = item.partition("=")
            hidden.append(value if eq and _WORD.fullmatch(name) else item)
    if parts.fragment:
        hidden.append(parts.fragment)
    pieces = {form for text in hidden for piece in (text, *re.split(r"[:/?#@&=;]", text))
              for form in (piece, unquote(piece)) if form}
    return sorted(pieces, key=len, reverse=True)


def _scrub(text: str, url: str) -> str:
    """``text`` (an error message of the Redis client) with every secret of ``url`` as ``***``.

    The client's messages name the host and port it tried, and with an unencoded '#' or
    '?' in a password those come from the password. A piece of six or more characters is
    replaced wherever it occurs; a shorter one where it stands alone (not inside a word).
    """
    for piece in _secrets(url):
        if len(piece) >= 6:
            text = text.replace(piece, "***")
        else:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(piece)}(?![A-Za-z0-9])", "***", text)
    return text


def _client_detail(err: BaseException, url: str) -> str:
    """The first line of a Redis client error, without any secret of ``url``, printable."""
    text = str(err)
    first = text.splitlines()[0] if text.strip() else type(err).__name__
    return _detail(_scrub(first, url))


def redis_params(url: str) -> dict[str, Any]:
    """Keyword arguments for ``redis.Redis`` (what datasketch's storage passes on) from a URL:
    ``redis://[[user]:password@]host[:port][/db]``, ``rediss://`` (TLS) or ``unix:///path.sock``.

    Every way a URL can be wrong is an :class:`InputError` that shows the URL redacted."""
    try:
        import redis
        from redis.connection import parse_url
    except ImportError:
        raise AlignError("--redis needs the redis client: pip install 'align[redis]'") from None
    try:
        params = dict(parse_url(url))
    except (ValueError, TypeError) as err:
        why = _client_detail(err, url)
        raise InputError(f"--redis {redact(url)} is not a Redis URL ({why}); {_URL_HELP}") from None
    cls = params.pop("connection_class", None)
    if cls is not None:
        if cls.__name__ == "SSLConnection":
            params["ssl"] = True
        elif cls.__name__ == "UnixDomainSocketConnection":
            path = params.pop("path", None)
            if not path:
                raise InputError(f"--redis {redact(url)} names no socket; use unix:///PATH.sock")
            params["unix_socket_path"] = path
    import inspect

    accepted = inspect.signature(redis.Redis.__init__).parameters
    unknown = sorted(k for k in params if k not in accepted)
    if unknown:
        raise InputError(f"--redis {redact(url)}: unknown option {unknown[0][:40]!r}; {_URL_HELP}")
    params.setdefault("socket_connect_timeout", 5)
    params.setdefault("socket_timeout", 60)
    return params


def _ids(raw: list[bytes | None]) -> list[int | None] | None:
    """Ids or counts as align stores them in Redis (decimal digits); None when one is not."""
    if not all(x is None or re.fullmatch(rb"[0-9]{1,18}", x) for x in raw):
        return None
    return [int(x) if x is not None else None for x in raw]


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
        self._response_error = redis.exceptions.ResponseError
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
            detail = _client_detail(err, self.url)
            if isinstance(err, self._response_error) and (detail.startswith("WRONGTYPE") or "not an integer" in detail):
                raise self.damaged(detail) from None  # a key holding what align never writes there
            raise AlignError(
                f"Redis at {redact(self.url)}: {detail}; check that redis-server is running and the --redis URL"
            ) from None

    def damaged(self, what: str) -> InputError:
        return InputError(
            f"Redis index {self.name!r} at {redact(self.url)}: damaged ({_detail(what)}); rebuild it under a new "
            f"--name, or delete its keys (redis-cli --scan --pattern '{self.name}:*' | xargs redis-cli unlink) "
            "and add the files again"
        )

    def _key(self, part: str) -> str:
        return f"{self.name}:{part}"

    def settings(self) -> dict[str, Any] | None:
        with self.guard():
            raw, fmt = self.r.hmget(self._key("meta"), ["settings", "format"])
        if not raw:
            return None
        if fmt != str(FORMAT).encode():
            made = f"format {_detail(fmt.decode(errors='replace'))[:20]}" if fmt else \
                "an older align, whose LSH keys are pickles"
            raise InputError(
                f"Redis index {self.name!r} at {redact(self.url)} was made by {made}, which this align does not "
                f"read; rebuild it under a new --name, or delete its keys "
                f"(redis-cli --scan --pattern '{self.name}:*' | xargs redis-cli unlink) and add the files again"
            )
        try:
            settings = json.loads(raw)
        except (ValueError, RecursionError):
            settings = None
        if not isinstance(settings, dict):
            raise self.damaged("its settings are not a JSON object")
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
            found = _ids(self.r.hmget(self._key("digests"), digests))
        if found is None:
            raise self.damaged(f"a document id in {self._key('digests')} is not a number")
        return found

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
        docs = {}
        for i, x in zip(ids, raw):
            if x is not None:
                try:
                    rec = json.loads(x)
                except (ValueError, RecursionError):
                    rec = None
                if not check_record(rec):
                    raise self.damaged(f"document record {i} in {self._key('docs')} is malformed")
                docs[i] = rec
        return docs

    def get_shingles(self, keys: list[str]) -> list[np.ndarray | None]:
        if not keys:
            return []
        with self.guard():
            raw = self.r.hmget(self._key("shingles"), keys)
        try:
            return [np.frombuffer(x, dtype="<u4").astype(np.uint32) if x is not None else None for x in raw]
        except ValueError:  # a value whose length is not a multiple of 4 bytes: not written by align
            raise self.damaged("a passage's shingles are not 32-bit values") from None

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
            found = _ids(self.r.hmget(self._key("lines"), keys))
        if found is None:
            raise self.damaged(f"a count in {self._key('lines')} is not a number")
        return [x or 0 for x in found]

    def counts(self) -> tuple[int, int]:
        with self.guard():
            return int(self.r.hlen(self._key("digests"))), int(self.r.hlen(self._key("shingles")))

    def close(self) -> None:
        self.r.close()
