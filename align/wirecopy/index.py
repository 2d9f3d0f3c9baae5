"""A MinHash LSH index of passages (datasketch ``MinHashLSH``).

Keys are plain strings, so the same index can later live in Redis (datasketch's storage
backends) without the algorithm knowing where its data is.

Example::

    index = PassageIndex(MinHasher(), threshold=0.4)
    index.add(["d0:3", "d1:7"], signatures)
    index.candidates(["d0:3", "d1:7"], signatures)   # -> {("d0:3", "d1:7")}
"""

from __future__ import annotations

import pickle
from typing import Any, Iterable

import numpy as np
from datasketch import MinHashLSH

from align.wirecopy.minhash import MinHasher


class PassageIndex:
    """Passages' MinHash signatures in LSH buckets tuned to a Jaccard ``threshold``."""

    def __init__(self, hasher: MinHasher, threshold: float, storage_config: dict[str, Any] | None = None) -> None:
        self.hasher = hasher
        self.lsh = MinHashLSH(threshold=threshold, num_perm=hasher.num_perm, storage_config=storage_config)

    def add(self, keys: list[str], signatures: np.ndarray) -> None:
        """Insert each key with its signature row."""
        with self.lsh.insertion_session() as session:
            for key, sig in zip(keys, signatures):
                session.insert(key, self.hasher.lean(sig), check_duplication=False)

    def query(self, signature: np.ndarray) -> list[str]:
        """Keys whose signatures collide with ``signature`` in at least one band."""
        return self.lsh.query(self.hasher.lean(signature))

    def query_many(self, signatures: np.ndarray) -> list[list[str]]:
        """:meth:`query` for each row, one storage round trip per LSH band for all rows
        (with Redis storage: one pipeline per band instead of one request per band and row)."""
        lsh = self.lsh
        leans = [self.hasher.lean(sig) for sig in signatures]
        found: list[set] = [set() for _ in leans]
        for (start, end), table in zip(lsh.hashranges, lsh.hashtables):
            bands = [lsh._H(m.hashvalues[start:end]) for m in leans]  # datasketch's band key
            for keys, hits in zip(found, table.getmany(*bands)):
                keys.update(hits)
        if lsh.prepickle:
            return [[pickle.loads(k) for k in keys] for keys in found]
        return [list(keys) for keys in found]

    def candidates(self, keys: Iterable[str], signatures: np.ndarray) -> set[tuple[str, str]]:
        """Unordered pairs of distinct indexed keys that share an LSH bucket (each pair once)."""
        pairs: set[tuple[str, str]] = set()
        for key, sig in zip(keys, signatures):
            for other in self.query(sig):
                if other != key:
                    pairs.add((key, other) if key < other else (other, key))
        return pairs
