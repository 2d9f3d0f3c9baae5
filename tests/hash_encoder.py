"""A cheap, deterministic stand-in encoder for property tests, the fuzzer and big-input benches.

The invariants checked with it (every sentence in exactly one bead, well-formed and
round-tripping exports) do not depend on the vectors' quality, only on the pipeline around
them, so a hashed bag of character trigrams is enough and costs microseconds instead of the
real model's milliseconds. It is deterministic across processes (no ``hash()``, which
``PYTHONHASHSEED`` randomises), so a failing case replays exactly.

Example::

    >>> enc = HashEncoder()
    >>> v = enc.encode(["Guten Tag.", "Guten Tag!"])
    >>> v.shape, float(v[0] @ v[1]) > 0.5
    ((2, 64), True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from align.embed import Encoder


class HashEncoder(Encoder):
    """Unit vectors of hashed, case-folded character trigrams (``dim`` buckets)."""

    name = "hash-trigram"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            # code points of the padded text; surrogatepass keeps lone surrogates countable
            codes = np.frombuffer(
                f"  {text.casefold()} ".encode("utf-32-le", "surrogatepass"), dtype="<u4"
            ).astype(np.uint64)
            if len(codes) >= 3:
                h = (codes[:-2] * np.uint64(1_000_003) ^ codes[1:-1] * np.uint64(10_007) ^ codes[2:]) % np.uint64(
                    self.dim
                )
                out[row] = np.bincount(h.astype(np.int64), minlength=self.dim)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, np.float32(1e-12))
