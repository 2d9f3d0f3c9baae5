"""Reading the members of an index zip safely: every claimed size checked before a byte is inflated.

An index file may come from anyone (a colleague's archive, a download), so nothing it
says about itself is believed until it has been checked against the file: a zip member's
claimed size against its place in the file and a bounded inflation ratio (a deflate bomb
claims 1000x), a ``.npy`` header against the member's size, before anything big is
allocated. Kept apart from :mod:`align.index.file_store`, which decides what the members
must hold, so these checks are read (and reviewed) on their own. Any failure is a
:class:`Damaged` (or one of :data:`DAMAGE_ERRORS`), which the file store reports in one
line, "damaged ...; rebuild it".
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from align.index.store import message_detail

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
#: What ``json.loads`` or a hostile member can raise besides :class:`Damaged`.
DAMAGE_ERRORS = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, NotImplementedError, RecursionError,
                 OverflowError, struct.error)


class Damaged(ValueError):
    """An index whose parts do not fit together (reported as "damaged; rebuild it")."""


@dataclass(frozen=True)
class _NpyHeader:
    """What a ``.npy`` member's header declares, checked against the member's size."""

    info: zipfile.ZipInfo
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    offset: int  # where the data starts in the member


class Members:
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
            raise Damaged(f"no {name} member") from None
        if info.flag_bits & 0x1:
            raise Damaged(f"{name} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Damaged(f"{name} is compressed with zip method {info.compress_type}")
        if info.header_offset + info.compress_size > self.file_size:
            raise Damaged(f"{name} extends past the end of the file")
        stored = info.compress_type == zipfile.ZIP_STORED
        if (stored and info.file_size != info.compress_size) or \
                info.file_size > max(_SMALL_MEMBER, _MAX_RATIO * info.compress_size):
            raise Damaged(f"{name} claims to inflate {info.compress_size} bytes to {info.file_size}")
        return info

    def json(self, name: str) -> Any:
        info = self.info(name)
        with self.zf.open(info) as member:
            data = member.read()
        if len(data) != info.file_size:
            raise Damaged(f"{name} is shorter than the zip says")
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
                    raise Damaged(f"{member_name} has .npy version {version}, not 1.0 or 2.0")
                length_format = "<H" if version == (1, 0) else "<I"
                raw_length = member.read(struct.calcsize(length_format))
                (length,) = struct.unpack(length_format, raw_length)
                if length > _MAX_NPY_HEADER:
                    raise Damaged(f"{member_name} has a {length}-byte header")
                text = member.read(length)
                read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                    np.lib.format.read_array_header_2_0
                shape, fortran, dtype = read(io.BytesIO(raw_length + text), max_header_size=_MAX_NPY_HEADER)
            except TypeError as err:  # a descr numpy cannot make a dtype of
                raise Damaged(f"{member_name}: {message_detail(err)}") from None
        offset = 8 + len(raw_length) + length
        if dtype.hasobject or dtype.names is not None or dtype.subdtype is not None or dtype.kind != kind \
                or dtype.itemsize != itemsize or len(shape) != ndim or any(d < 0 for d in shape):
            raise Damaged(f"{member_name} is not a {ndim}-d array of {kind}{itemsize * 8}")
        nbytes = itemsize
        for d in shape:
            nbytes *= d
        if offset + nbytes != info.file_size:
            raise Damaged(f"{member_name} declares {nbytes} bytes of data but holds {info.file_size - offset}")
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
                        raise Damaged(f"{header.info.filename} is shorter than its header says")
                    view[done:done + len(chunk)] = chunk
                    done += len(chunk)
        array = out.T if header.fortran else out
        return np.ascontiguousarray(array, dtype=header.dtype.newbyteorder("="))
