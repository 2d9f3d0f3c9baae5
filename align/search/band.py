"""The search band: which DP nodes the aligner may visit.

A node ``(i, j)`` means "the first ``i`` source and ``j`` target sentences are aligned".
Row ``i`` of a band allows the contiguous columns ``lo[i] <= j < hi[i]``. Keeping both
bounds non-decreasing makes every allowed node reachable from ``(0, 0)`` and lets a row's
predecessors be read as contiguous slices, which is what keeps the DP vectorised, and the
band's total width is what keeps time and memory linear in document length.

Values per band node (scores, cosines, the DP's totals and back pointers) are stored
ragged, like a CSR matrix: one flat array whose row ``i`` holds the ``hi[i] - lo[i]``
cells ``start[i] .. start[i + 1]``, node ``(i, j)`` at ``start[i] + j - lo[i]``. A dense
``(n + 1) x width`` layout would cost ``n`` times the widest row, and on repeated text
(a passage concatenated with itself) the anchor path jumps a whole repetition at one
row: a Tom Sawyer pair repeated to 20,000 lines a side had one row 2,489 columns wide
in a band of 27 cells a row on average, and its dense arrays took 15.7 GB.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

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
        """The widest row (the DP's scratch arrays for one row are this long)."""
        return int((self.hi - self.lo).max())

    @property
    def cells(self) -> int:
        """How many nodes the band allows (the DP's work, and the length of its flat arrays)."""
        return int(self.start[-1])

    @cached_property
    def start(self) -> np.ndarray:
        """Where each row's cells begin in the band's flat arrays (``n + 2`` entries, the last the total)."""
        return np.concatenate(([0], np.cumsum(self.hi - self.lo))).astype(np.int64)

    # rows and columns are int32 (half the memory of the per-cell scores' float64): a
    # document of 2**31 sentences is not aligned in one piece anyway
    @cached_property
    def rows(self) -> np.ndarray:
        """The row ``i`` of every cell of the flat layout."""
        return np.repeat(np.arange(self.n + 1, dtype=np.int32), self.hi - self.lo)

    @cached_property
    def cols(self) -> np.ndarray:
        """The column ``j`` of every cell of the flat layout."""
        first = np.repeat((self.start[:-1] - self.lo).astype(np.int64), self.hi - self.lo)
        return (np.arange(self.cells, dtype=np.int64) - first).astype(np.int32)

    def index(self, i: int, j: int) -> int:
        """Where node ``(i, j)`` (which must be in the band) is in the flat layout."""
        return int(self.start[i] + j - self.lo[i])

    def row_chunks(self, budget: int = 1 << 16) -> Iterator[tuple[int, int, int]]:
        """Row ranges ``(r0, r1, w)`` whose rows padded to their widest, ``w`` columns, fit in
        ``budget`` cells (one row at least): for per-row operations (a row's top k, its sort)
        done densely a block at a time, so that a wide row pads only the rows near it."""
        widths = self.hi - self.lo
        r0 = 0
        while r0 <= self.n:
            ahead = widths[r0 : r0 + max(1, budget // max(1, int(widths[r0])))]  # no more rows can fit
            fits = np.arange(1, len(ahead) + 1) * np.maximum.accumulate(ahead) <= budget
            r1 = r0 + max(1, int(np.argmin(fits)) if not fits.all() else len(ahead))
            yield r0, r1, int(widths[r0:r1].max())
            r0 = r1

    def dense_rows(self, values: np.ndarray, r0: int, r1: int, width: int, fill: float) -> np.ndarray:
        """Rows ``r0:r1`` of flat ``values`` as a ``(r1 - r0, width)`` array, ``fill`` past each row's end."""
        out = np.full((r1 - r0, width), fill, dtype=values.dtype)
        s = self.start[r0 : r1 + 1]
        w = self.hi[r0:r1] - self.lo[r0:r1]
        cells = np.arange(int(s[-1] - s[0]))
        row = np.repeat(np.arange(r1 - r0), w)
        out[row, cells - (s[:-1] - s[0])[row]] = values[s[0] : s[-1]]
        return out

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
