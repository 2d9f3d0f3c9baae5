"""A damaged or hostile index file is refused in one line naming it, before anything big is allocated.

A deflate bomb, ``.npy`` headers that lie about their size, wrong dtypes, bad settings,
missing members, a truncated or corrupted zip, and keys that disagree with the document
records. The helpers: ``tests/index_hostile_support.py``.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from align.errors import InputError
from align.index import open_index
from align.read import read_document
from tests.index_hostile_support import (
    ARTICLES,
    SAMPLE,
    _cli,
    _one_line_error,
    _reprint,
    open_outcome,
    refused_as_damaged,
    rezip,
    zip_members,
)
from tests.index_support import build_file_index

# --- item 5: damaged or hostile index files ----------------------------------------------------


def _npy(array: np.ndarray, **header: object) -> bytes:
    """``array`` as ``.npy`` bytes, with header fields (``shape``, ``descr``) replaced if given."""
    out = io.BytesIO()
    fields = {"descr": np.lib.format.dtype_to_descr(array.dtype), "fortran_order": False, "shape": array.shape}
    np.lib.format.write_array_header_1_0(out, {**fields, **header})
    out.write(np.ascontiguousarray(array).tobytes())
    return out.getvalue()


def _array(body: bytes) -> np.ndarray:
    return np.load(io.BytesIO(body), allow_pickle=False)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small valid index of the sample articles."""
    path = tmp_path_factory.mktemp("good") / "good.index"
    return build_file_index(path, [read_document(str(p), "und") for p in ARTICLES[:3]])


def _hostile_cases(good: Path) -> dict[str, dict[str, bytes | None]]:
    """Member replacements that make a damaged or hostile index (each a dict for :func:`_rezip`)."""
    m = zip_members(good)
    meta = json.loads(m["meta.json"])
    sig, offsets, shingles, keys = (_array(m[n]) for n in
                                    ("signatures.npy", "shingle_offsets.npy", "shingles.npy", "keys.npy"))

    def with_meta(**changes: object) -> dict[str, bytes | None]:
        return {"meta.json": json.dumps({**meta, **changes}).encode()}

    def with_settings(**changes: object) -> dict[str, bytes | None]:
        return with_meta(settings={**meta["settings"], **changes})

    first = next(iter(meta["docs"]))
    return {
        # .npy headers that do not tell the truth about the data behind them
        "huge shape": {"shingle_offsets.npy": _npy(offsets, shape=(10**12,))},
        "huge 2-d shape": {"signatures.npy": _npy(sig, shape=(2**40, sig.shape[1]))},
        "short array": {"signatures.npy": _npy(sig)[: -sig.nbytes // 2]},
        "trailing bytes": {"shingles.npy": _npy(shingles) + b"\0" * 400},
        "wrong dtype": {"signatures.npy": _npy(sig.astype(np.float64))},
        "wrong int width": {"shingle_offsets.npy": _npy(offsets.astype(np.int32))},
        "wrong ndim": {"signatures.npy": _npy(sig.reshape(-1))},
        "structured dtype": {"keys.npy": _npy(keys.view([("a", "u1")]))},
        "not an npy": {"shingles.npy": b"\x93NUMPY\x09\x00" + b"x" * 64},
        "huge npy header": {"shingles.npy": b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31) + b"{" * 100},
        "offsets out of order": {"shingle_offsets.npy": _npy(offsets[::-1].copy())},
        # members missing
        **{f"no {name}": {name: None} for name in m},
        # settings with the wrong types or values
        "settings: num_perm a string": with_settings(num_perm="128"),
        "settings: shingle 0": with_settings(shingle=0),
        "settings: threshold NaN": with_settings(threshold=float("nan")),
        "settings: threshold a string": with_settings(threshold="0.6"),
        "settings: negative window": with_settings(window=-1),
        "settings: huge window": with_settings(window=10**9),
        "settings: bool gap": with_settings(gap=True),
        "settings: unknown key": with_settings(colour="blue"),
        "settings: a list": with_meta(settings=[1, 2]),
        # the rest of meta.json
        "passages negative": with_meta(passages=-1),
        "next_doc a string": with_meta(next_doc="7"),
        "lines negative": with_meta(lines={"a b": -3}),
        "odd spans": with_meta(docs={**meta["docs"], first: {**meta["docs"][first], "spans": [0, 5, 9]}}),
        "doc id not ascii digits": with_meta(docs={"\u00b2": meta["docs"][first]}),
        "meta not json": {"meta.json": b"{\"magic\": "},
        "meta not utf-8": {"meta.json": b"\xff\xfe{}"},
    }


def test_every_hostile_index_file_is_refused_in_one_line_naming_it(good: Path, tmp_path: Path) -> None:
    refused = []
    for label, changes in _hostile_cases(good).items():
        path = rezip(tmp_path / (re.sub(r"\W+", "-", label) + ".index"), {**zip_members(good), **changes})
        outcome = open_outcome(path)
        if not refused_as_damaged(outcome, path):
            refused.append(f"{label}: {outcome[:300]}")
    assert not refused, "\n".join(refused)


def test_sizes_are_checked_before_anything_is_read(good: Path, tmp_path: Path) -> None:
    """A header that declares far more than the member holds is named as such (not found out by a
    failed 8 TB allocation or a short read)."""
    m = zip_members(good)
    offsets = _array(m["shingle_offsets.npy"])
    path = rezip(tmp_path / "huge.index", {**m, "shingle_offsets.npy": _npy(offsets, shape=(10**12,))})
    with pytest.raises(InputError, match=r"shingle_offsets\.npy declares 8000000000000 bytes of data"):
        open_index(str(path))


def test_a_truncated_or_corrupted_index_file_gives_one_line(good: Path, tmp_path: Path) -> None:
    data = good.read_bytes()
    bodies = {f"cut at {k}/8": data[: len(data) * k // 8] for k in range(1, 8)}
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF  # inside a member: its CRC no longer matches
    bodies["flipped byte"] = bytes(flipped)
    bodies["no central directory"] = data[: data.rindex(b"PK\x01\x02")]
    for label, body in bodies.items():
        path = tmp_path / "bad.index"
        path.write_bytes(body)
        with pytest.raises(InputError) as err:
            open_index(str(path))
        message = str(err.value)
        assert "\n" not in message and str(path) in message, (label, message)
        assert ("damaged" in message and "rebuild" in message) or "not an align wire-copy index" in message, \
            (label, message)


def _zip_with(members: dict[str, bytes], name: str, deflated: bytes, crc: int, size: int) -> bytes:
    """A zip of ``members`` (stored) and one member ``name`` given as a raw deflate stream."""
    out, central = io.BytesIO(), []
    entries = [(n, 0, body, zlib.crc32(body), len(body)) for n, body in members.items() if n != name]
    entries.append((name, 8, deflated, crc, size))
    for n, method, body, c, usize in entries:
        offset = out.tell()
        raw = n.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, c, len(body), usize, len(raw), 0))
        out.write(raw + body)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, c, len(body), usize,
                                   len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), out.tell() - start, start, 0))
    return out.getvalue()


def _deflate_bomb(prefix: bytes, suffix: bytes, blocks: int) -> tuple[bytes, int, int]:
    """A raw deflate stream of ``prefix``, ``blocks`` x 16 MiB of spaces and ``suffix``: about
    1/1000 of its inflated size. Returns (stream, CRC-32, inflated size)."""
    chunk = b" " * (16 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = co.compress(prefix) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)  # the same bytes each time after a full flush
    tail = co.compress(suffix) + co.flush()
    crc = zlib.crc32(prefix)
    for _ in range(blocks):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix, crc)
    return head + block * blocks + tail, crc, len(prefix) + blocks * len(chunk) + len(suffix)


#: The address-space limit the hostile files are opened under: a normal run needs far less.
_LIMIT = 1536 << 20


def test_a_deflate_bomb_in_meta_json_gives_one_line_in_bounded_memory(good: Path, tmp_path: Path) -> None:
    members = zip_members(good)
    meta = members["meta.json"]
    assert meta.endswith(b"}")
    # valid JSON (and a valid index) once inflated: 1.6 GB of spaces before the final brace
    stream, crc, size = _deflate_bomb(meta[:-1], b"}", blocks=100)
    assert len(stream) < 2 << 20 and size > 1600 << 20
    bomb = tmp_path / "bomb.index"
    bomb.write_bytes(_zip_with(members, "meta.json", stream, crc, size))
    with zipfile.ZipFile(bomb) as zf:  # what the zip itself says, which is what is checked
        assert zf.getinfo("meta.json").file_size == size
    # the same run on the good index works under this limit
    assert _cli("query", SAMPLE, "--index", str(good), cwd=tmp_path, memory=_LIMIT).returncode == 0
    done = _cli("query", SAMPLE, "--index", str(bomb), cwd=tmp_path, memory=_LIMIT)
    err = _one_line_error(done)
    assert "damaged" in err and "rebuild it" in err and str(bomb) in err, err


def test_declared_sizes_are_not_allocated_under_a_memory_limit(good: Path, tmp_path: Path) -> None:
    """A header declaring 8 TB, and settings asking for a billion permutations of an empty
    index (no array to contradict them), are refused before anything is allocated."""
    m = zip_members(good)
    meta = json.loads(m["meta.json"])
    huge = rezip(tmp_path / "huge.index", {**m, "shingle_offsets.npy": _npy(_array(m["shingle_offsets.npy"]),
                                                                            shape=(10**12,))})
    empty = {
        "meta.json": json.dumps({**meta, "settings": {**meta["settings"], "num_perm": 10**9}, "docs": {},
                                 "lines": {}, "passages": 0, "next_doc": 0}).encode(),
        "keys.npy": _npy(np.zeros(0, np.uint8)),
        "signatures.npy": _npy(np.zeros((0, 10**9), np.uint32)),
        "shingle_offsets.npy": _npy(np.zeros(1, np.int64)),
        "shingles.npy": _npy(np.zeros(0, np.uint32)),
    }
    perms = rezip(tmp_path / "perms.index", empty)
    for path in (huge, perms):
        for command in ("query", "add"):
            err = _one_line_error(_cli(command, SAMPLE, "--index", str(path), cwd=tmp_path, memory=_LIMIT))
            assert "damaged" in err and "rebuild it" in err and str(path) in err, err


def test_a_passage_beyond_its_documents_sentences_is_refused_when_queried(tmp_path: Path) -> None:
    """Keys and document records that disagree (spans too short for a key's sentences)."""
    path = build_file_index(tmp_path / "w.index", [read_document(str(p), "und") for p in ARTICLES])
    m = zip_members(path)
    meta = json.loads(m["meta.json"])
    docs = {i: {**rec, "spans": rec["spans"][:2]} for i, rec in meta["docs"].items()}
    rezip(path, {**m, "meta.json": json.dumps({**meta, "docs": docs}).encode()})
    index = open_index(str(path))
    with pytest.raises(InputError, match=r"damaged.*rebuild"):
        index.query([read_document(str(_reprint(tmp_path)), "und")])
    index.close()
