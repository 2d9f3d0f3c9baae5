"""Sentence and clause windows built where the search reads them, from small rows kept after embedding.

Why a module of its own: window vectors of every size for the whole document were a long
document's memory (clause windows, about 1.75 clauses a sentence and four run sizes: 14 KB
a sentence a side; sentence windows of four sizes: 8 KB). With use-m3 a window is
assembled from per-sentence, per-clause and per-seam rows
(:mod:`align.embed.usem3.windows`), so those are what is kept: each sentence's vector,
feature sum and seam correction (6 KB), and the clause states of sentences of several
clauses (:class:`PartStates`). Windows of 2+ sentences (:class:`SentenceWindowSource`) and
clause windows (:class:`ClauseWindowSource`) are built a page at a time where the search
reads them, a few pages held at once (a short document keeps them all). Every vector is the
one :meth:`~align.embed.base.Encoder.encode_with_parts` gives, bit for bit.

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
from align.search.windows import ArrayWindows, Windows, WindowSource, as_source

__all__ = ["ClauseWindowSource", "ClauseWindows", "PartStates", "SentenceWindowSource", "embed_staged"]

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
ClauseWindows = Callable[[WindowSource], WindowSource]


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
) -> tuple[WindowSource, ClauseWindows]:
    """The sentence windows of ``texts`` and a function that gives their parts' windows.

    Call the function with the sentence windows returned here, after the sentence search:
    it gives the parts' windows (:meth:`Encoder.encode_with_parts`' second list) as a
    :class:`~align.search.windows.WindowSource`. For use-m3 both are built where they are
    read (:class:`SentenceWindowSource`, :class:`ClauseWindowSource`) from the rows kept
    here: each sentence's vector, feature sum and seam correction, and the clause states of
    sentences of several clauses (a sentence of one clause is its own clause). Embedding
    runs ``chunk`` sentences at a time, as :func:`~align.embed.base.windows_in_chunks` does.
    """
    from align.embed.usem3.windows import EMB, FULL, NTOK, seam_corrections

    texts = list(texts)
    check_parts(parts, len(texts))
    inner = _use_m3(encoder)
    if inner is None or max_window < 1:
        windows, part_windows = windows_in_chunks(encoder, texts, parts, max_window, chunk)
        assert part_windows is not None
        return ArrayWindows(windows), lambda _windows: ArrayWindows(part_windows)
    n = len(texts)
    chunk = base.CHUNK_SENTENCES if chunk is None else chunk
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    first_part = np.concatenate(([0], np.cumsum([len(p) for p in parts]))).astype(np.int64)
    own = PartStates.layout(first_part)
    joins = max_window > 1 and n > 1
    vectors = np.empty((n, inner.dim), np.float32)
    full = np.empty((n, EMB + 1), np.float32)  # feature sum | token count, as a part state
    multi = np.empty((own.rows, inner.part_dim), np.float32)
    seams = np.empty((max(n - 1, 0), inner.dim), np.float32) if joins else None
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        end = min(hi + 1, n) if joins else hi  # the seam after the chunk's last sentence
        ext_joins = joins and end - lo > 1
        states, join_states, ext_parts = _states(encoder, inner, texts[lo:end], parts[lo:end], ext_joins)
        vectors[lo:hi] = inner.embed_states(states[:hi - lo])
        full[lo:hi, :EMB] = states[:hi - lo, FULL]
        full[lo:hi, EMB] = states[:hi - lo, NTOK]
        p0, p1 = int(first_part[lo]), int(first_part[hi])
        keep = own.slot[p0:p1] >= 0
        multi[own.slot[p0:p1][keep]] = ext_parts[:p1 - p0][keep]
        if seams is not None and join_states is not None:
            take = min(hi, n - 1) - lo  # the seams after sentences lo .. hi - 1
            seams[lo:lo + take] = seam_corrections(states, join_states)[:take]
        del states, join_states, ext_parts
    owners = part_owners(parts)
    sentences = SentenceWindowSource(inner, vectors, full, seams, max_window)
    part_states = PartStates(own, full, multi, owners)

    def clause_windows(sentence_windows: WindowSource) -> WindowSource:
        return ClauseWindowSource(inner, part_states, seams, owners, first_part, sentence_windows, max_window)

    return sentences, clause_windows


class _Layout:
    """Where a clause's state is kept: ``slot[p]`` is its row among the kept rows, or -1
    for the one clause of a one-clause sentence (which is the sentence's own state)."""

    def __init__(self, slot: np.ndarray) -> None:
        self.slot = slot
        self.rows = int((slot >= 0).sum())


class PartStates:
    """The clause states of a document, of which only those of sentences of two or more
    clauses are stored: a sentence of one clause has that clause's state as its own
    (use-m3 copies the sentence's sum and token count into it, bit for bit), so its row
    is read from the sentence sums. Saves about half the clause rows on prose.
    Slicing (``states[p0:p1]``) gives the rows as one array, the same bits as stored whole.
    """

    def __init__(self, layout: _Layout, full: np.ndarray, multi: np.ndarray, owners: np.ndarray) -> None:
        self._slot = layout.slot
        self._full = full
        self._multi = multi
        self._owners = np.asarray(owners, np.int64)

    @staticmethod
    def layout(first_part: np.ndarray) -> _Layout:
        """Which clauses get a row of their own, from where each sentence's clauses start."""
        counts = np.diff(first_part)
        several = np.repeat(counts > 1, counts)
        slot = np.full(int(first_part[-1]), -1, np.int64)
        slot[several] = np.arange(int(several.sum()))
        return _Layout(slot)

    def __len__(self) -> int:
        return len(self._slot)

    def __getitem__(self, rows: slice) -> np.ndarray:
        p0, p1, step = rows.indices(len(self._slot))
        if step != 1:
            raise ValueError("clause states are read as a contiguous range")
        slot = self._slot[p0:p1]
        out = np.empty((max(p1 - p0, 0), self._full.shape[1]), np.float32)
        own = slot >= 0
        out[own] = self._multi[slot[own]]
        out[~own] = self._full[self._owners[p0:p1][~own]]
        return out


class _Pages:
    """Built pages of windows, kept up to a number of bytes: the least recently read go
    first, the newest always stays. ``built`` counts the pages built (for tests and
    measurements)."""

    def __init__(self, kept_bytes: int) -> None:
        self.kept = kept_bytes
        self.built = 0
        self._pages: OrderedDict[object, list[np.ndarray]] = OrderedDict()
        self._bytes = 0

    def get(self, key: object) -> list[np.ndarray] | None:
        got = self._pages.get(key)
        if got is not None:
            self._pages.move_to_end(key)
        return got

    def put(self, key: object, page: list[np.ndarray]) -> list[np.ndarray]:
        self._pages[key] = page
        self._bytes += sum(v.nbytes for v in page)
        self.built += 1
        while self._bytes > self.kept and len(self._pages) > 1:
            _, gone = self._pages.popitem(last=False)
            self._bytes -= sum(v.nbytes for v in gone)
        return page


#: Sentences a page of :class:`SentenceWindowSource` (windows of 2 and more sentences):
#: 256 sentences of three sizes are 1.5 MB.
SENTENCE_PAGE = 256

#: A document whose windows of 2 and more sentences take at most this many bytes a side
#: keeps every page once built (about 5,000 sentences with windows of up to 4): the search
#: reads them in several passes. Larger documents keep :data:`CLAUSE_CACHE_BYTES` of pages.
SENTENCE_WHOLE_BYTES = 32 << 20


class SentenceWindowSource:
    """A document's sentence windows: size 1 (the sentence vectors, which the anchor pass
    and the moved passes read whole) stored, larger sizes built a page at a time from each
    sentence's feature sum and the seam corrections when the search reads them.

    Why: every size stored was 8 KB a sentence a side, the largest part of a long
    document's memory; the sums and seams are 4 KB and the head is cheap next to the
    embedding. A window's sum is made from its own sentences' rows in one order
    (:func:`align.embed.usem3.windows.sentence_run_sums`) and the head computes each row on
    its own, so a row has the same bits whichever page or range it is read in, and the same
    as :meth:`~align.embed.base.AdditiveEncoder.window_embeddings` gives.
    """

    def __init__(self, encoder: AdditiveEncoder, vectors: np.ndarray, full: np.ndarray, seams: np.ndarray | None,
                 max_window: int, page: int = SENTENCE_PAGE, kept_bytes: int = CLAUSE_CACHE_BYTES,
                 whole_bytes: int = SENTENCE_WHOLE_BYTES) -> None:
        if page < 1 or kept_bytes < 1:
            raise ValueError(f"page and kept_bytes must be >= 1, got {page}, {kept_bytes}")
        self.max_window = max_window
        self._encoder = encoder
        self._vectors = vectors
        self._full = full
        self._seams = seams
        self._n = len(vectors)
        self._page = page
        larger = sum(self.count(k) for k in range(2, max_window + 1)) * encoder.dim * 4
        self._pages = _Pages(max(kept_bytes, whole_bytes) if larger <= whole_bytes else kept_bytes)

    @property
    def pages_built(self) -> int:
        """How many pages were built (for tests and measurements)."""
        return self._pages.built

    def count(self, k: int) -> int:
        return max(self._n - k + 1, 0)

    def rows(self, k: int, lo: int, hi: int) -> np.ndarray:
        if not 1 <= k <= self.max_window:
            raise ValueError(f"window size {k} is not in 1..{self.max_window}")
        if k == 1:
            return self._vectors[lo:hi]
        if hi <= lo:
            return np.empty((0, self._encoder.dim), np.float32)
        if lo < 0 or hi > self.count(k):
            raise IndexError(f"rows {lo}..{hi} of {self.count(k)} windows of size {k}")
        pieces = []
        for pg in range(lo // self._page, (hi - 1) // self._page + 1):
            start = pg * self._page
            got = self._built(pg)[k - 2]
            pieces.append(got[max(lo - start, 0):min(hi - start, len(got))])
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def rows_at(self, k: int, starts: np.ndarray) -> np.ndarray:
        """The windows of ``k`` sentences starting at each of ``starts``, as :meth:`rows`
        gives them, bit for bit: from a kept page, else summed and run through the head
        one by one (a path's beads need a few windows a page; building whole pages for
        them was a pass over the document)."""
        from align.embed.usem3.windows import EMB

        starts = np.asarray(starts, np.int64)
        if k == 1:
            return self._vectors[starts]
        if not 2 <= k <= self.max_window:
            raise ValueError(f"window size {k} is not in 1..{self.max_window}")
        if len(starts) and (starts.min() < 0 or starts.max() >= self.count(k)):
            raise IndexError(f"a window of size {k} starts outside 0..{self.count(k) - 1}")
        out = np.empty((len(starts), self._encoder.dim), np.float32)
        todo = []
        for r, i in enumerate(starts.tolist()):
            page = self._pages.get(i // self._page)
            if page is None:
                todo.append(r)
            else:
                out[r] = page[k - 2][i - (i // self._page) * self._page]
        if todo:
            at = starts[todo]
            assert self._seams is not None
            # the additions of align.embed.usem3.windows.sentence_run_sums, in its order
            sums, counts = self._full[at, :EMB], self._full[at, EMB]
            for step in range(1, k):
                sums = sums + self._full[at + step, :EMB]
                sums += self._seams[at + step - 1]
                counts = counts + self._full[at + step, EMB]
                counts -= 2.0
            out[todo] = self._encoder.embed_sums(sums, counts)
        return out

    def _built(self, pg: int) -> list[np.ndarray]:
        """The windows of sizes 2..max_window starting in page ``pg``."""
        kept = self._pages.get(pg)
        if kept is not None:
            return kept
        from align.embed.usem3.windows import EMB

        lo = pg * self._page
        hi = min(lo + self._page, self._n)
        end = min(hi + self.max_window - 1, self._n)  # the windows that start in the page end by here
        full = self._full[lo:end]
        seams = self._seams[lo:end - 1] if self._seams is not None and end - lo > 1 else None
        got = self._encoder.sentence_window_embeddings(full[:, :EMB], full[:, EMB], seams, self.max_window, 2)
        return self._pages.put(pg, [vectors[:min(hi - lo, len(vectors))].copy() for vectors in got])


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

    def __init__(self, encoder: AdditiveEncoder, part_states: np.ndarray | PartStates, seams: np.ndarray | None,
                 owners: np.ndarray, first_part: np.ndarray, sentence_windows: Windows,
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
        self._sentence_windows = as_source(sentence_windows)
        self._n = len(first_part) - 1
        self._page = page
        self._pages = _Pages(kept_bytes)
        # a document whose clause windows all fit the budget builds every page once, all
        # sizes at the first read (the search reads them in several passes, size 1 first)
        self._whole = sum(self.count(k) for k in range(1, max_window + 1)) * encoder.dim * 4 <= whole_bytes
        if self._whole:
            self._pages.kept = max(kept_bytes, whole_bytes)

    @property
    def pages_built(self) -> int:
        """How many pages were built (for tests and measurements)."""
        return self._pages.built

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
            kept = self._pages.get(key) if key[1] >= k else None
            if kept is not None:
                return kept
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
            [self._sentence_windows.rows(k, lo, max(end - k + 1, lo)) for k in range(1, top + 1)],
        )
        return self._pages.put((pg, top), [vectors[:min(p1 - p0, len(vectors))] for vectors in got])
