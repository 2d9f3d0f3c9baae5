"""MinHash signatures for many passages at once, in numpy, identical to datasketch's.

datasketch's ``MinHash.update_batch`` hashes one shingle per Python call; a collection
of 100,000 passages has millions of shingles. Here every distinct word is hashed once
(CRC-32 of its UTF-8 bytes, stable across processes, unlike ``hash()``), a shingle's
32-bit value is computed from its words' values with array arithmetic, and the
permutations of a datasketch ``MinHash`` (its public ``permutations``, default
``affine32`` scheme) are applied to all shingles of a chunk of passages in one go. The
result equals what ``MinHash(num_perm, seed, hashfunc=lambda v: v)`` gives when updated
with the same shingle values (checked by the tests), so the signatures go straight into
``LeanMinHash`` and ``MinHashLSH``.

Example::

    hasher = MinHasher(num_perm=128, shingle=2)
    shingles = hasher.shingles([["wire", "copy", "text"], ["other", "words"]])
    signatures = hasher.signatures(shingles)       # (2, 128) uint32
"""

from __future__ import annotations

import zlib

import numpy as np
from datasketch import LeanMinHash, MinHash

from align.progress import steps

_MASK = np.uint64(0xFFFFFFFF)
# MurmurHash3's 32-bit finalizer, which datasketch's affine32 scheme applies to inputs.
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
# Odd multipliers that spread a word's position within a shingle (FNV-style combination).
_COMBINE = np.uint32(0x01000193)
_CHUNK = 1 << 16  # shingles per block: 65k x 128 permutations x 4 bytes = 32 MB transient


def _fmix32(h: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s3)


class MinHasher:
    """Shingles and MinHash signatures with fixed settings (``num_perm``, ``seed``, ``shingle``)."""

    def __init__(self, num_perm: int = 128, seed: int = 1, shingle: int = 2) -> None:
        if shingle < 1:
            raise ValueError("shingle must be at least 1 word")
        self.num_perm = num_perm
        self.seed = seed
        self.shingle = shingle
        template = MinHash(num_perm=num_perm, seed=seed)
        if template.scheme != "affine32":
            raise RuntimeError(f"datasketch's default MinHash scheme changed to {template.scheme!r}; update align")
        self.scheme = template.scheme
        self._a, self._b = (np.asarray(p, dtype=np.uint32) for p in template.permutations)
        self._word_hash: dict[str, int] = {}

    def _word_values(self, words: list[str]) -> np.ndarray:
        cache = self._word_hash
        out = np.empty(len(words), dtype=np.uint32)
        for i, w in enumerate(words):
            h = cache.get(w)
            if h is None:
                h = cache[w] = zlib.crc32(w.encode("utf-8"))
            out[i] = h
        return out

    def shingles(self, passages: list[list[str]]) -> list[np.ndarray]:
        """The sorted, distinct 32-bit shingle values of each passage (its words as given).

        A passage shorter than the shingle size is one shingle of all its words; an empty
        passage has none.
        """
        k = self.shingle
        out = []
        with steps("hashing", len(passages), "passages") as done:
            for p, words in enumerate(passages):
                if p & 1023 == 1023:
                    done.advance(1024)
                v = self._word_values(words)
                if len(v) == 0:
                    out.append(np.empty(0, dtype=np.uint32))
                    continue
                if len(v) < k:
                    k_eff, n = len(v), 1
                else:
                    k_eff, n = k, len(v) - k + 1
                h = np.zeros(n, dtype=np.uint32)
                for offset in range(k_eff):
                    h = h * _COMBINE ^ v[offset : offset + n]
                out.append(np.unique(h))
        return out

    def signatures(self, shingles: list[np.ndarray]) -> np.ndarray:
        """``(len(shingles), num_perm)`` uint32 MinHash values; an empty set gives all-max values."""
        n = len(shingles)
        sig = np.full((n, self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        lengths = np.fromiter((len(s) for s in shingles), dtype=np.int64, count=n)
        start = 0
        while start < n:
            # a block of passages whose shingles fit the chunk (at least one passage)
            stop, total = start, 0
            while stop < n and (total == 0 or total + lengths[stop] <= _CHUNK):
                total += lengths[stop]
                stop += 1
            nonempty = [i for i in range(start, stop) if lengths[i]]
            if nonempty:
                values = _fmix32(np.concatenate([shingles[i] for i in nonempty]))
                permuted = values[:, None] * self._a[None, :] + self._b[None, :]
                offsets = np.concatenate(([0], np.cumsum(lengths[nonempty])[:-1]))
                sig[nonempty] = np.minimum.reduceat(permuted, offsets, axis=0)
            start = stop
        return sig

    def lean(self, signature: np.ndarray) -> LeanMinHash:
        """A datasketch ``LeanMinHash`` for one signature row (what ``MinHashLSH`` stores)."""
        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme=self.scheme)


def jaccard_containment(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact Jaccard and containment (of the smaller set in the larger) of two shingle sets."""
    if len(a) == 0 or len(b) == 0:
        return 0.0, 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter), inter / min(len(a), len(b))
