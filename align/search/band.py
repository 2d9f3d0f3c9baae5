"""The search band: which DP nodes the aligner may visit.

A node ``(i, j)`` means "the first ``i`` source and ``j`` target sentences are aligned".
Row ``i`` of a band allows the contiguous columns ``lo[i] <= j < hi[i]``. Keeping both
bounds non-decreasing makes every allowed node reachable from ``(0, 0)`` and lets a row's
predecessors be read as contiguous slices, which is what keeps the DP vectorised, and the
band's total width is what keeps time and memory linear in document length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Band:
    """Allowed columns per DP row: ``lo[i] <= j < hi[i]`` for ``i`` in ``0..n``."""

    n: int
    m: int
    lo: np.ndarray
    hi: np.ndarray

    @property
    def width(self) -> int:
        """The widest row, which sizes the DP's per-row storage."""
        return int((self.hi - self.lo).max())

    @property
    def cells(self) -> int:
        """How many nodes the band allows (the DP's work)."""
        return int((self.hi - self.lo).sum())

    def is_full(self) -> bool:
        """Whether every row allows every column (then a row of the band is a row of the matrix)."""
        return bool((self.lo == 0).all() and (self.hi == self.m + 1).all())

    def contains(self, i: int, j: int) -> bool:
        return 0 <= i <= self.n and self.lo[i] <= j < self.hi[i]

    @classmethod
    def full(cls, n: int, m: int) -> "Band":
        """Every node: used when the documents are small enough that a band saves nothing."""
        return cls(n, m, np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m + 1, dtype=np.int64))

    @classmethod
    def around_path(cls, n: int, m: int, rects: list[tuple[int, int, int, int]], margin: int) -> "Band":
        """The band covering rectangles ``(i0, i1, j0, j1)`` (inclusive node ranges) widened by ``margin``.

        The rectangles come from a coarser alignment projected onto this resolution; the
        margin lets the fine search correct the coarse path's imprecision.
        """
        lo = np.full(n + 1, m + 1, dtype=np.int64)
        hi = np.zeros(n + 1, dtype=np.int64)
        for i0, i1, j0, j1 in rects:
            r0, r1 = max(0, i0 - margin), min(n, i1 + margin)
            lo[r0 : r1 + 1] = np.minimum(lo[r0 : r1 + 1], max(0, j0 - margin))
            hi[r0 : r1 + 1] = np.maximum(hi[r0 : r1 + 1], min(m, j1 + margin) + 1)
        return cls._monotone(n, m, lo, hi)

    @classmethod
    def diagonal(cls, n: int, m: int, margin: int) -> "Band":
        """A band around the straight line from (0, 0) to (n, m): the prior when nothing else is known."""
        i = np.arange(n + 1)
        centre = np.round(i * (m / max(n, 1))).astype(np.int64)
        lo = np.clip(centre - margin, 0, m)
        hi = np.clip(centre + margin + 1, 1, m + 1)
        return cls._monotone(n, m, lo, hi)

    @classmethod
    def _monotone(cls, n: int, m: int, lo: np.ndarray, hi: np.ndarray) -> "Band":
        # Rows no rectangle touched inherit from their neighbours via the monotone closure.
        lo = np.minimum.accumulate(lo[::-1])[::-1]
        hi = np.maximum.accumulate(hi)
        lo[0] = 0
        hi[-1] = m + 1
        lo = np.minimum.accumulate(lo[::-1])[::-1]
        hi = np.maximum.accumulate(hi)
        lo = np.minimum(lo, hi - 1)
        return cls(n, m, lo.astype(np.int64), hi.astype(np.int64))
