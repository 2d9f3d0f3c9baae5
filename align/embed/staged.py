"""Sentence windows for the sentence search now, clause windows for the refinement as it reads them.

Why a module of its own: the refinement's clause windows (about 1.75 clauses a sentence,
four run sizes each: 14 KB a sentence a side) were built for the whole document, first
beside the sentence windows during the sentence search, later after it; either way they
were a long document's peak (50,000 sentences a side: 2.7 GB). With use-m3 a clause window
is assembled from small per-clause and per-seam rows (:mod:`align.embed.usem3.windows`), so
those rows (under 6 KB a sentence) are what is kept, and the clause windows are built a
page of sentences at a time where the clause search reads them
(:class:`ClauseWindowSource`, a :class:`~align.search.windows.WindowSource`), a few pages
held at once. Every vector is the one :meth:`~align.embed.base.Encoder.encode_with_parts`
gives, bit for bit.

Any other encoder gets both at once (:func:`~align.embed.base.windows_in_chunks`), as
before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from align.embed import base
from align.embed.base import AdditiveEncoder, Encoder, check_parts, windows_in_chunks
from align.embed.cached import CachedEncoder
from align.parts import Parts, part_owners
from align.search.windows import ArrayWindows, WindowSource

__all__ = ["ClauseWindowSource", "ClauseWindows", "embed_staged"]

#: Sentences a page of :class:`ClauseWindowSource`: the clause search reads a band chunk of
#: at most a few hundred clauses at a time, so a few pages cover it; a page's clause windows
#: (all sizes) are about 1 MB.
CLAUSE_PAGE = 64

#: Bytes of pages a :class:`ClauseWindowSource` keeps (least recently used go first): the
#: chunks of the band being scored on both sides of a page boundary take a few MB; the rest
#: keeps the size-1 pages of a document of a few thousand sentences whole (224 KB a page),
#: which the search reads in several passes (``align pair --no-cache`` on Tom Sawyer's
#: 2,448 sentences: CPU time 14.6 s with 24 pages kept, 13.9 s with 16 MB; 12.9 s when the
#: whole document's clause windows were built once).
CLAUSE_CACHE_BYTES = 16 << 20

#: A document whose clause windows (all sizes) take at most this many bytes a side keeps
#: them all once built, each page built once with every size at its first read: the search
#: reads them in several passes, size 1 first, and rebuilding evicted pages cost Tom Sawyer's
#: 2,448 sentences (34 MB a side) 0.8 CPU s of 4.9 with a warm cache. Larger documents keep
#: :data:`CLAUSE_CACHE_BYTES`, so their memory stays a few pages.
CLAUSE_WHOLE_BYTES = 64 << 20

#: A side's clause windows, given its sentence windows (whose runs of whole sentences the
#: clause windows copy).
ClauseWindows = Callable[[list[np.ndarray]], WindowSource]


def _use_m3(encoder: Encoder) -> AdditiveEncoder | None:
    """The use-m3 encoder under ``encoder`` (direct or cached), or None."""
    from align.embed.usem3.encoder import USEM3Encoder

    inner = encoder.encoder if isinstance(encoder, CachedEncoder) else encoder
    return inner if isinstance(inner, USEM3Encoder) else None


def _states(encoder: Encoder, inner: AdditiveEncoder, texts: list[str], parts: Parts,
            joins: bool) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Sentence, join and part states of consecutive texts (from the cache when it has them)."""
    if isinstance(encoder, CachedEncoder):
        states, join_states, part_states = encoder.additive_states(texts, parts, joins)
    else:
        states, part_states = inner.sentence_part_states(texts, parts)
        join_states = inner.join_states(texts[:-1], texts[1:]) if joins else None
    return states, join_states, part_states


def embed_staged(
    encoder: Encoder, texts: Sequence[str], parts: Parts, max_window: int, chunk: int | None = None,
) -> tuple[list[np.ndarray], ClauseWindows]:
    """The sentence windows of ``texts`` and a function that gives their parts' windows.

    Call the function with the sentence windows returned here, after the sentence search:
    it gives the parts' windows (:meth:`Encoder.encode_with_parts`' second list) as a
    :class:`~align.search.windows.WindowSource`, which for use-m3 builds them where they
    are read (:class:`ClauseWindowSource`; it holds the sentence windows and the rows kept
    here). Embedding runs ``chunk`` sentences at a time, as
    :func:`~align.embed.base.windows_in_chunks` does.
    """
    from align.embed.usem3.windows import seam_corrections

    texts = list(texts)
    check_parts(parts, len(texts))
    inner = _use_m3(encoder)
    if inner is None or max_window < 1:
        windows, part_windows = windows_in_chunks(encoder, texts, parts, max_window, chunk)
        assert part_windows is not None
        return windows, lambda _windows: ArrayWindows(part_windows)
    n = len(texts)
    chunk = base.CHUNK_SENTENCES if chunk is None else chunk
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    first_part = np.concatenate(([0], np.cumsum([len(p) for p in parts]))).astype(np.int64)
    joins = max_window > 1 and n > 1
    windows: list[np.ndarray] = [np.empty((max(n - k + 1, 0), inner.dim), np.float32)
                                 for k in range(1, max_window + 1)]
    part_states = np.empty((int(first_part[-1]), inner.part_dim), np.float32)
    seams = np.empty((max(n - 1, 0), inner.dim), np.float32) if joins else None
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        end = min(hi + max_window - 1, n)  # the windows that start in the chunk end by here
        ext_joins = joins and end - lo > 1
        states, join_states, ext_parts = _states(encoder, inner, texts[lo:end], parts[lo:end], ext_joins)
        got = inner.window_embeddings(states, join_states, max_window)
        for k, vectors in enumerate(got, start=1):
            take = min(hi - lo, len(vectors))
            windows[k - 1][lo:lo + take] = vectors[:take]
        del got
        p0, p1 = int(first_part[lo]), int(first_part[hi])
        part_states[p0:p1] = ext_parts[:p1 - p0]
        if seams is not None and join_states is not None:
            take = min(hi, n - 1) - lo  # the seams after sentences lo .. hi - 1
            seams[lo:lo + take] = seam_corrections(states, join_states)[:take]
        del states, join_states, ext_parts
    owners = part_owners(parts)

    def clause_windows(sentence_windows: list[np.ndarray]) -> WindowSource:
        return ClauseWindowSource(inner, part_states, seams, owners, first_part, sentence_windows, max_window)

    return windows, clause_windows


class ClauseWindowSource:
    """The windows of every run of 1..``max_window`` consecutive clauses of a document,
    built a page of :data:`CLAUSE_PAGE` sentences at a time when the search reads them.

    Made from what :func:`embed_staged` kept: the clauses' states (feature sums in their
    sentence), one seam correction per sentence boundary, and the sentence windows (a run
    of whole sentences is their window, copied as
    :meth:`~align.embed.base.AdditiveEncoder.windows_with_parts` does). A page is built by
    the call that built the whole document's clause windows in chunks, over fewer
    sentences: a run's sum is made from its own rows in the same order, and use-m3's head
    computes each row on its own, so every row has the bits it had then, whichever page or
    range it is read in. A read of size-1 windows only
    builds size 1 (a quarter of the work): the search reads them alone in several passes;
    but a document whose clause windows fit :data:`CLAUSE_WHOLE_BYTES` builds each page
    once, every size at its first read, and keeps them all.
    """

    def __init__(self, encoder: AdditiveEncoder, part_states: np.ndarray, seams: np.ndarray | None,
                 owners: np.ndarray, first_part: np.ndarray, sentence_windows: list[np.ndarray],
                 max_window: int, page: int = CLAUSE_PAGE, kept_bytes: int = CLAUSE_CACHE_BYTES,
                 whole_bytes: int = CLAUSE_WHOLE_BYTES) -> None:
        if page < 1 or kept_bytes < 1:
            raise ValueError(f"page and kept_bytes must be >= 1, got {page}, {kept_bytes}")
        self.max_window = max_window
        self._encoder = encoder
        self._part_states = part_states
        self._seams = seams
        self._owners = np.asarray(owners, np.int64)
        self._first_part = first_part
        self._sentence_windows = sentence_windows
        self._n = len(first_part) - 1
        self._page = page
        self._kept = kept_bytes
        self._pages: OrderedDict[tuple[int, int], list[np.ndarray]] = OrderedDict()
        self._bytes = 0  # of the pages kept
        self.pages_built = 0  # how many pages were built (for tests and measurements)
        # a document whose clause windows all fit the budget builds every page once, all
        # sizes at the first read (the search reads them in several passes, size 1 first)
        self._whole = sum(self.count(k) for k in range(1, max_window + 1)) * encoder.dim * 4 <= whole_bytes
        if self._whole:
            self._kept = max(kept_bytes, whole_bytes)

    def count(self, k: int) -> int:
        return max(len(self._part_states) - k + 1, 0)

    def rows(self, k: int, lo: int, hi: int) -> np.ndarray:
        if not 1 <= k <= self.max_window:
            raise ValueError(f"window size {k} is not in 1..{self.max_window}")
        if hi <= lo:
            return np.empty((0, self._encoder.dim), np.float32)
        if lo < 0 or hi > self.count(k):
            raise IndexError(f"rows {lo}..{hi} of {self.count(k)} windows of size {k}")
        first = int(self._owners[lo]) // self._page
        last = int(self._owners[hi - 1]) // self._page
        pieces = []
        for pg in range(first, last + 1):
            start = int(self._first_part[pg * self._page])  # the page's first clause
            got = self._built(pg, k)[k - 1]
            pieces.append(got[max(lo - start, 0):min(hi - start, len(got))])
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def _built(self, pg: int, k: int) -> list[np.ndarray]:
        """The windows of the runs starting in page ``pg``: sizes 1..max_window, or size 1
        alone when that is what is read (an all-sizes page serves it too)."""
        for key in ((pg, self.max_window), (pg, 1)):
            if key[1] >= k and key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        from align.embed.usem3.windows import seam_states

        top = 1 if k == 1 and not self._whole else self.max_window
        lo = pg * self._page
        hi = min(lo + self._page, self._n)
        end = min(hi + top - 1, self._n)  # the runs that start in the page end by here
        fp = self._first_part
        p0, p1, p_end = int(fp[lo]), int(fp[hi]), int(fp[end])
        seams = self._seams[lo:end - 1] if self._seams is not None and end - lo > 1 else None
        got = self._encoder.part_window_embeddings(
            seam_states(end - lo), seams, self._part_states[p0:p_end], self._owners[p0:p_end] - lo, top,
            [w[lo:] for w in self._sentence_windows[:top]],
        )
        built = [vectors[:min(p1 - p0, len(vectors))] for vectors in got]
        self._pages[(pg, top)] = built
        self._bytes += sum(v.nbytes for v in built)
        self.pages_built += 1
        while self._bytes > self._kept and len(self._pages) > 1:  # the newest page stays
            _, gone = self._pages.popitem(last=False)
            self._bytes -= sum(v.nbytes for v in gone)
        return built
