"""A MinHash LSH index of passages (datasketch ``MinHashLSH``).

Keys are plain strings, so the same index can later live in Redis (datasketch's storage
backends) without the algorithm knowing where its data is.

Keys are never pickled. datasketch pickles keys by default when the storage is Redis
(``MinHashLSH(prepickle=None)`` means ``True`` there) and unpickles whatever bucket members
it reads back, so anyone able to write to that Redis could make every query run code of
their choosing. Here ``prepickle=False`` always: with a non-dict storage the keys go in
as their UTF-8 bytes and come back decoded, which a tampered bucket can only turn into a
wrong key, never into code.

Example::

    index = PassageIndex(MinHasher(), threshold=0.4)
    index.add(["d0:3", "d1:7"], signatures)
    index.candidates(["d0:3", "d1:7"], signatures)   # -> {("d0:3", "d1:7")}
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
from datasketch import MinHashLSH
from datasketch.storage import DictListStorage, DictSetStorage

from align.wirecopy.minhash import MinHasher


class PassageIndex:
    """Passages' MinHash signatures in LSH buckets tuned to a Jaccard ``threshold``."""

    def __init__(self, hasher: MinHasher, threshold: float, storage_config: dict[str, Any] | None = None) -> None:
        self.hasher = hasher
        # datasketch stores str keys as they are in its dict storage; every other storage
        # (Redis, Cassandra) needs bytes when prepickle is off.
        self._bytes_keys = (storage_config or {"type": "dict"})["type"] != "dict"
        self.lsh = MinHashLSH(threshold=threshold, num_perm=hasher.num_perm, storage_config=storage_config,
                              prepickle=False)

    def _decode(self, key: bytes | str) -> str:
        # surrogateescape: bytes that are not UTF-8 (a damaged or tampered store) still give
        # a str, which the caller refuses with a message instead of a UnicodeDecodeError
        return key.decode("utf-8", "surrogateescape") if isinstance(key, bytes) else key

    def add(self, keys: list[str], signatures: np.ndarray) -> None:
        """Insert each key with its signature row.

        The first row always goes through datasketch's own insertion. With the in-memory
        storage the others are then put into its dicts directly, all band keys of a block of
        rows computed by numpy at once (:meth:`_add_in_bulk`): inserting row by row spends
        ~35 µs per passage in Python, which made rebuilding an index file's buckets several
        times slower than the rest of loading it. The result is the same storage content
        (checked on the first row here, and on whole indexes by the tests); any other
        storage, or a datasketch whose band keys differ, takes the insertion session.
        """
        if not len(keys):
            return
        encode = self._bytes_keys
        with self.lsh.insertion_session() as session:
            session.insert(keys[0].encode("utf-8") if encode else keys[0], self.hasher.lean(signatures[0]),
                           check_duplication=False)
            if self._bulk_ok(keys[0], signatures[0]):
                self._add_in_bulk(keys[1:], signatures[1:])
                return
            for key, sig in zip(keys[1:], signatures[1:]):
                session.insert(key.encode("utf-8") if encode else key, self.hasher.lean(sig),
                               check_duplication=False)

    def _band_keys(self, signatures: np.ndarray) -> list[list[bytes]]:
        """For each band, every row's band key as datasketch's ``_H`` makes it (the band's
        values as big-endian bytes), from one numpy copy per band."""
        # MinHasher's signatures are affine32, i.e. uint32 (it refuses any other scheme)
        return [np.ascontiguousarray(signatures[:, start:end], dtype=">u4").view(f"V{(end - start) * 4}")
                .ravel().tolist() for start, end in self.lsh.hashranges]

    def _numpy_band_keys_ok(self, signature: np.ndarray) -> bool:
        """True when :meth:`_band_keys` gives the keys datasketch looks up (no key hashing,
        and the same bytes for ``signature``): then a query's keys need no LeanMinHash per row."""
        lsh = self.lsh
        if lsh.hashfunc is not None:
            return False
        lean = self.hasher.lean(signature)
        ours = self._band_keys(signature[None, :])
        return all(band[0] == lsh._H(lean.hashvalues[start:end]) for band, (start, end) in zip(ours, lsh.hashranges))

    def _bulk_ok(self, key: str, signature: np.ndarray) -> bool:
        """True when the dicts can be filled directly: datasketch's dict storage, no key
        hashing, and the band keys datasketch stored for ``key`` are the ones computed here."""
        lsh = self.lsh
        if lsh.hashfunc is not None or lsh.prepickle or type(lsh.keys) is not DictListStorage \
                or any(type(t) is not DictSetStorage for t in lsh.hashtables):
            return False
        return lsh.keys.get(key) == [band[0] for band in self._band_keys(signature[None, :])]

    def _add_in_bulk(self, keys: list[str], signatures: np.ndarray, block: int = 1 << 16) -> None:
        """What ``insert`` does for each row (key → its band keys; band key → keys), a block of
        rows at a time so the band-key lists stay small."""
        by_key = self.lsh.keys._dict
        tables = [t._dict for t in self.lsh.hashtables]
        for start in range(0, len(keys), block):
            chunk = keys[start:start + block]
            bands = self._band_keys(signatures[start:start + block])
            for table, hs in zip(tables, bands):
                for h, key in zip(hs, chunk):
                    table[h].add(key)
            for key, hs in zip(chunk, zip(*bands)):
                by_key[key].extend(hs)

    def query(self, signature: np.ndarray) -> list[str]:
        """Keys whose signatures collide with ``signature`` in at least one band."""
        return [self._decode(k) for k in self.lsh.query(self.hasher.lean(signature))]

    def query_many(self, signatures: np.ndarray) -> list[list[str]]:
        """:meth:`query` for each row, one storage round trip per LSH band for all rows
        (with Redis storage: one pipeline per band instead of one request per band and row)."""
        lsh = self.lsh
        found: list[set] = [set() for _ in range(len(signatures))]
        if not len(signatures):
            return []
        if self._numpy_band_keys_ok(signatures[0]):
            band_lists = self._band_keys(signatures)  # every row's band keys, numpy at once
        else:  # datasketch's own band keys, row by row
            leans = [self.hasher.lean(sig) for sig in signatures]
            band_lists = [[lsh._H(m.hashvalues[start:end]) for m in leans] for start, end in lsh.hashranges]
        for bands, table in zip(band_lists, lsh.hashtables):
            for keys, hits in zip(found, table.getmany(*bands)):
                keys.update(hits)
        if self._bytes_keys:
            return [[self._decode(k) for k in keys] for keys in found]
        return [list(keys) for keys in found]

    def candidates(self, keys: Iterable[str], signatures: np.ndarray, block: int = 1 << 14) -> set[tuple[str, str]]:
        """Unordered pairs of distinct indexed keys that share an LSH bucket (each pair once)."""
        pairs: set[tuple[str, str]] = set()
        keys = list(keys)
        # in blocks of rows, so the band keys of a block are all that is held at once
        found_all = (found for start in range(0, len(keys), block)
                     for found in self.query_many(signatures[start:start + block]))
        for key, found in zip(keys, found_all):
            for other in found:
                if other != key:
                    pairs.add((key, other) if key < other else (other, key))
        return pairs
