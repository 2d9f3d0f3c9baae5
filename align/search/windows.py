"""Where the search reads window vectors from: stored arrays, or rows built on demand.

Why: the search reads a document's windows a band chunk at a time (a few hundred rows of
each size, :mod:`align.search.scoring`), so it need not hold every window of every size for
the whole document. A long document's clause windows (four run sizes, about 1.75 clauses a
sentence: 14 KB a sentence a side) were the peak of ``align pair`` at 50,000 sentences;
built per chunk from the small rows they are made of (:mod:`align.embed.staged`), they
cost a few chunks' worth. :class:`WindowSource` is the seam: ``rows(k, lo, hi)`` gives the
windows of ``k`` items starting at items ``lo .. hi - 1``. :class:`ArrayWindows` is the
plain form (any encoder's :meth:`~align.embed.base.Encoder.encode_windows`, tests, callers
that pass arrays), and every function of the search that takes windows accepts either a
list of arrays or a source (:func:`as_source`).

A source must give the same bits for a row whichever range it is asked for in (use-m3's
head computes each row on its own, :mod:`align.exact`), so that scores do not depend on
how the search happens to chunk its reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["ArrayWindows", "WindowSource", "Windows", "all_rows", "as_source", "column_sums", "rows_at"]


@runtime_checkable
class WindowSource(Protocol):
    """Window vectors of ``n`` items (sentences or clauses), for sizes ``1 .. max_window``."""

    max_window: int

    def count(self, k: int) -> int:
        """How many windows of ``k`` items there are (``n - k + 1``, at least 0)."""
        ...

    def rows(self, k: int, lo: int, hi: int) -> np.ndarray:
        """Unit float32 vectors of the windows of ``k`` items starting at ``lo .. hi - 1``
        (``0 <= lo <= hi <= count(k)``), one row each."""
        ...


class ArrayWindows:
    """A :class:`WindowSource` over stored arrays (``windows[k - 1]`` holds size ``k``):
    rows are views, nothing is copied."""

    def __init__(self, windows: Sequence[np.ndarray]) -> None:
        if not windows:
            raise ValueError("need the windows of at least one size")
        self.windows = list(windows)
        self.max_window = len(self.windows)

    def count(self, k: int) -> int:
        return len(self.windows[k - 1])

    def rows(self, k: int, lo: int, hi: int) -> np.ndarray:
        return self.windows[k - 1][lo:hi]

    def all_rows(self, k: int) -> np.ndarray:
        """Every window of size ``k`` (the stored array itself)."""
        return self.windows[k - 1]

    def rows_at(self, k: int, starts: np.ndarray) -> np.ndarray:
        """The windows of size ``k`` starting at each of ``starts``."""
        return self.windows[k - 1][starts]


def rows_at(source: WindowSource, k: int, starts: Sequence[int] | np.ndarray) -> np.ndarray:
    """The windows of size ``k`` starting at each of ``starts`` (any order), one row each:
    from the source's own ``rows_at`` when it has one (stored arrays index them; a source
    that builds pages computes a few scattered rows without building their pages), else
    read one by one."""
    own = getattr(source, "rows_at", None)
    if own is not None:
        return own(k, np.asarray(starts, np.int64))
    if len(starts) == 0:
        return source.rows(k, 0, 0)
    return np.concatenate([source.rows(k, int(i), int(i) + 1) for i in starts])


Windows = Sequence[np.ndarray] | WindowSource
"""What the search takes: a list of arrays (one per size) or a :class:`WindowSource`."""


def as_source(windows: Windows) -> WindowSource:
    """``windows`` as a :class:`WindowSource` (a list of arrays is wrapped, not copied)."""
    if isinstance(windows, WindowSource):
        return windows
    return ArrayWindows(windows)


def all_rows(source: WindowSource, k: int) -> np.ndarray:
    """Every window of size ``k``: the stored array when there is one, else built in full
    (for the few steps that need a whole size at once, e.g. the anchor pass)."""
    if isinstance(source, ArrayWindows):
        return source.all_rows(k)
    return source.rows(k, 0, source.count(k))


#: Rows read at a time by :func:`column_sums` from a source that builds them.
SUM_ROWS = 4096


def column_sums(source: WindowSource, k: int = 1) -> np.ndarray:
    """Float64 sum of all windows of size ``k``, the same bits as numpy's
    ``windows.sum(axis=0, dtype=np.float64)`` over the stored array.

    numpy sums over the first axis of a row-major array row after row (no pairwise
    summation across rows), so carrying the running sum into the next chunk as its first
    row keeps that order exactly.
    """
    if isinstance(source, ArrayWindows):
        return source.all_rows(k).sum(axis=0, dtype=np.float64)
    n = source.count(k)
    total: np.ndarray | None = None
    for lo in range(0, n, SUM_ROWS):
        block = source.rows(k, lo, min(lo + SUM_ROWS, n)).astype(np.float64)
        if total is not None:
            block = np.concatenate((total[None, :], block))
        total = block.sum(axis=0)
    if total is None:
        return np.zeros(0, np.float64)
    return total
