"""Named arrays kept in one file of the cache folder, to be memory-mapped instead of inflated.

Why: the two models every aligning command loads ship compressed: use-m3's weights as a
deflated ``weights.npz`` (30 MB, 79 MB inflated, then rounded for exact products),
py3langid's as an LZMA-packed npz. Inflating and preparing them on every start cost
about half a second of CPU of a one-sentence ``align pair``. The first load now writes
what it prepared into one uncompressed file in the cache folder; later loads map it
(``mmap``, pre-faulted), check it and use the arrays in place: a few hundredths of a
second, and the pages are shared by every process that maps the same file (the workers
of ``align batch``, commands running side by side). Callers: :mod:`align.embed.usem3.model`
and :mod:`align.langid`, each naming its file by what it was made from.

What makes it safe: the file is written under a temporary name and renamed into place,
so a reader never sees half of it; it ends with a CRC-32 of everything before it,
checked on every load (a few milliseconds for 100 MB with ISA-L), so a truncated or
damaged copy (a full disk, a crash before the data reached the disk, a stray write) is
never used: :func:`load` says there is none and the caller makes it again. A folder
that cannot be written (read-only home, full disk) only costs the faster start:
:func:`store` says so and the caller keeps what it made in memory.

Why one file of our own rather than ``.npy`` files for ``np.load(mmap_mode="r")``: sixty
arrays would be sixty files to write atomically and check, and one rename makes the
whole set appear at once. The layout is plain: a magic string, a JSON header (the
``key`` the caller made it from, and each array's name, dtype, shape and offset, 64-byte
aligned), the arrays' bytes, and the CRC trailer.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import tempfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

__all__ = ["load", "store"]

_MAGIC = b"ALIGNPW1"
_HEAD = struct.Struct("<8sQ")  # magic, header length
_TRAILER = struct.Struct("<I4s")  # CRC-32 of everything before it, end mark
_END = b"END."
_ALIGN = 64


def _crc32() -> Callable[..., int]:
    try:
        from isal import isal_zlib

        return isal_zlib.crc32
    except ImportError:  # a declared dependency, but optional here: zlib gives the same value, 5x slower
        return zlib.crc32


def load(path: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays stored at ``path`` for ``key``, memory-mapped and read-only, or ``None``
    when there is no such file, or it is truncated, damaged or was made for another key."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size < _HEAD.size + _TRAILER.size:
                return None
            try:
                flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)  # one call maps every page
                mm = mmap.mmap(f.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
            except (AttributeError, TypeError):  # Windows: no flags or prot, access instead
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    view = memoryview(mm)
    try:
        crc, end = _TRAILER.unpack_from(view, size - _TRAILER.size)
        if end != _END or _crc32()(view[:size - _TRAILER.size]) & 0xFFFFFFFF != crc:
            return None
        magic, header_len = _HEAD.unpack_from(view, 0)
        if magic != _MAGIC or _HEAD.size + header_len > size:
            return None
        header = json.loads(bytes(view[_HEAD.size:_HEAD.size + header_len]))
        if header.get("source") != key:
            return None
        out: dict[str, np.ndarray] = {}
        for name, dtype, shape, offset in header["arrays"]:
            dt = np.dtype(dtype)
            count = int(np.prod(shape, dtype=np.int64))
            if dt.hasobject or offset < 0 or offset + count * dt.itemsize > size - _TRAILER.size:
                return None
            out[name] = np.frombuffer(mm, dtype=dt, count=count, offset=offset).reshape(shape)
        return out
    except (ValueError, TypeError, KeyError, struct.error):
        return None
    finally:
        view.release()  # the arrays keep the map alive; this view must not


def store(path: Path, key: str, arrays: Mapping[str, np.ndarray]) -> bool:
    """Write ``arrays`` for ``key`` at ``path`` (atomically; the folder is made if need be);
    False when it cannot be written. Not synced to disk: a copy that did not reach it whole
    fails the CRC check of the next :func:`load`, and its caller writes it again."""
    # (not np.ascontiguousarray: it turns a 0-d array into a 1-d one)
    entries = [(name, np.asarray(a) if np.asarray(a).flags.c_contiguous else np.array(a, order="C"))
               for name, a in arrays.items()]

    def layout_after(start: int) -> list[list]:
        rows, at = [], start
        for name, a in entries:
            rows.append([name, a.dtype.str, list(a.shape), at])
            at = -(-(at + a.nbytes) // _ALIGN) * _ALIGN
        return rows

    # the data starts after the header, whose length depends on the offsets' digits: lay
    # it out once to measure the header, then again after it with room to spare
    measured = len(json.dumps({"source": key, "arrays": layout_after(0)}).encode())
    data_start = -(-(_HEAD.size + measured + 1024) // _ALIGN) * _ALIGN
    layout = layout_after(data_start)
    header = json.dumps({"source": key, "arrays": layout}).encode()
    if _HEAD.size + len(header) > data_start:  # pragma: no cover - 1 KB holds any offsets' digits
        raise ValueError("the header of a mapped file outgrew its room")
    crc32 = _crc32()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".writing-", suffix=".tmp", delete=False) as tmp:
            try:
                crc = 0
                pos = 0

                def put(chunk: bytes | memoryview) -> None:
                    nonlocal crc, pos
                    tmp.write(chunk)
                    crc = crc32(chunk, crc)
                    pos += len(chunk)

                put(_HEAD.pack(_MAGIC, len(header)) + header)
                for (_, a), (_, _, _, at) in zip(entries, layout):
                    put(b"\0" * (at - pos))
                    put(memoryview(a.reshape(-1).view(np.uint8)))
                put(b"\0" * (-pos % _ALIGN))
                tmp.write(_TRAILER.pack(crc & 0xFFFFFFFF, _END))
                tmp.flush()
                os.replace(tmp.name, path)
            except BaseException:
                os.unlink(tmp.name)
                raise
    except OSError:
        return False
    return True
