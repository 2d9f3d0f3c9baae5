"""Read arrays from a ``.npz`` archive quickly: the bundled model's weights.

Why not ``np.load``: the use-m3 weights are 80 MB of deflated ``.npy`` members, and
inflating them is most of the model's load time, paid by every run of the command line.
``zipfile`` inflates with the system zlib (~260 MB/s here); ISA-L (the ``isal`` package,
a declared dependency with prebuilt wheels) inflates the same stream about three times
faster. This module reads each member's raw deflate stream straight from the archive
and inflates it with ISA-L when it is installed, zlib otherwise; the CRC-32 recorded in
the archive is checked either way, so a damaged file is refused, never half-read.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from types import ModuleType

import numpy as np

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., file name length, extra length


def _inflater() -> ModuleType:
    try:
        from isal import isal_zlib

        return isal_zlib
    except ImportError:  # optional speed-up: zlib gives the same bytes
        return zlib


def members(path: str) -> dict[str, zipfile.ZipInfo]:
    """The archive's ``.npy`` members by array name (``"q1"`` for ``q1.npy``)."""
    with zipfile.ZipFile(path) as zf:
        return {info.filename.removesuffix(".npy"): info for info in zf.infolist()}


def read_arrays(path: str, infos: Iterable[zipfile.ZipInfo]) -> dict[str, np.ndarray]:
    """Read the given members of the archive at ``path`` as arrays, keyed by array name.

    Raises ``ValueError`` for a member that is damaged (bad header, CRC mismatch) or
    stored with a compression other than deflate or none; ``OSError`` for I/O errors.
    Inflation releases the GIL, so callers may read disjoint members from threads.
    """
    inflate = _inflater()
    out: dict[str, np.ndarray] = {}
    with open(path, "rb") as f:
        for info in infos:
            f.seek(info.header_offset)
            signature, name_len, extra_len = _LOCAL_HEADER.unpack(f.read(_LOCAL_HEADER.size))
            if signature != b"PK\x03\x04":
                raise ValueError(f"damaged archive member {info.filename}")
            f.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
            raw = f.read(info.compress_size)
            if info.compress_type == zipfile.ZIP_DEFLATED:
                try:
                    data = inflate.decompress(raw, -15, info.file_size)
                except inflate.error as exc:
                    raise ValueError(f"damaged archive member {info.filename} ({exc})") from exc
            elif info.compress_type == zipfile.ZIP_STORED:
                data = raw
            else:
                raise ValueError(f"unsupported compression in archive member {info.filename}")
            if len(data) != info.file_size or (inflate.crc32(data) & 0xFFFFFFFF) != info.CRC:
                raise ValueError(f"damaged archive member {info.filename} (CRC mismatch)")
            out[info.filename.removesuffix(".npy")] = _parse_npy(data)
    return out


def _parse_npy(data: bytes) -> np.ndarray:
    """The array in an in-memory ``.npy`` file, without copying its data."""
    buf = io.BytesIO(data)
    version = np.lib.format.read_magic(buf)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(buf)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(buf)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    if dtype.hasobject:
        raise ValueError("object arrays are not model weights")
    array = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape, dtype=np.int64)), offset=buf.tell())
    return array.reshape(shape, order="F" if fortran else "C")
