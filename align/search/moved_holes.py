"""Moved passages, pass three: found from the holes they leave (issue 18, item 3).

Runs after pass two (:func:`align.search.moved.find_moved_in_beads`): a hole (two or
more unmatched sentences in a row) whose passage vector matches a run of the other side
elsewhere, clearly better than that run matches its present partners, is aligned with it
(:func:`_moved_into_holes`; bench/RESULTS.md, 2026-12-07, "pass three").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from align.search.moved_apply import (
    _REACH,
    Windows,
    _align_ids,
    _apply_move,
    _runs_of,
    unmatched_ids,
)
from align.settings import SearchConfig
from align.types import Bead, bead_index

#: How much lower than the pair's typical 1-1 score a passage's vector may match the
#: passage it is moved to (pass three): a passage's vector averages out its weak
#: sentences, so a moved passage matches about as well as a typical sentence pair does.
_HOLE_DROP = 0.1

#: How much better (cosine of passage vectors) a hole must match a passage elsewhere
#: than that passage matches what it is paired with now, and how much better the moved
#: passage's beads must score than the beads its sentences are taken from.
_HOLE_MARGIN = 0.1

#: A sentence this close (cosine) to another one of its side is a repeat ("Aye-aye,
#: sir!", a passage quoted again): it says nothing about where its passage belongs.
_REPEAT = 0.98

#: A sentence next to a found move whose best cosine with its present partners is this
#: far below the pair's typical 1-1 score matches nothing where it stands: the move's
#: edges take it in (:func:`_grown`), and the move's own search decides where it goes.
_GROW_WEAK = 0.3

#: ... or whose best cosine with the move's other side beats its present partners by this much.
_GROW_CLEARLY = 0.01


class PrefixSums:
    """Cumulative float64 sums of a side's sentence vectors: row ``r`` is the sum of the
    vectors before sentence ``r`` (rows ``0 .. n``), the same bits as
    ``np.vstack([zeros, np.cumsum(vectors, axis=0, dtype=np.float64)])``, which is what
    was held before: 4 KB a sentence a side, the peak of a long document's whole run
    (200,000 sentences a side: 1.6 GB, and as much again for the copy ``vstack`` made).

    Only every ``step``-th row is kept; a span is summed again from the kept row before
    it. ``np.cumsum`` adds row after row, so continuing from a kept row repeats the very
    additions of the whole-document sum, bit for bit.
    """

    def __init__(self, vectors: np.ndarray, step: int = 1024) -> None:
        if step < 1:
            raise ValueError(f"step must be >= 1, got {step}")
        self._v = vectors
        self._step = step
        self.n = len(vectors)
        marks = [np.zeros(vectors.shape[1], np.float64)]
        for c in range(1, self.n // step + 1):
            marks.append(self._from_mark(c - 1, marks[-1], c * step + 1)[-1])
        self._marks = np.array(marks)

    def _from_mark(self, c: int, mark: np.ndarray, hi: int) -> np.ndarray:
        """Rows ``c * step .. hi - 1``, summed on from kept row ``c``."""
        a = c * self._step
        if c == 0:  # as the whole-document sum: zeros, then cumsum's own first row
            return np.vstack([mark[None, :], np.cumsum(self._v[:hi - 1], axis=0, dtype=np.float64)])
        return np.cumsum(np.vstack([mark[None, :], self._v[a:hi - 1].astype(np.float64)]), axis=0)

    def span(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo .. hi - 1`` (``0 <= lo < hi <= n + 1``)."""
        if not 0 <= lo < hi <= self.n + 1:
            raise IndexError(f"rows {lo}..{hi} of {self.n + 1} prefix sums")
        c = lo // self._step
        return self._from_mark(c, self._marks[c], hi)[lo - c * self._step:]


def _run_vectors(cums: PrefixSums, starts: np.ndarray, length: int) -> np.ndarray:
    """Unit vectors of the runs of ``length`` sentences starting at ``starts`` (ascending:
    the normalised sum of their sentence vectors, from the cumulative sums)."""
    lo = int(starts[0])
    rows = cums.span(lo, int(starts[-1]) + length + 1)
    w = rows[starts - lo + length] - rows[starts - lo]
    return w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)


def _best_run(v: np.ndarray, cums: PrefixSums, centre: int, size: int, excluded: Callable[[np.ndarray, int], np.ndarray],
              min_len: int = 2) -> tuple[float, int, int]:
    """The run (of ``size - 2`` to ``size + 2`` sentences, at least ``min_len``) within
    ``_REACH`` of ``centre`` whose vector is closest to ``v``, not ``excluded(starts, length)``:
    ``(cosine, start, length)``, cosine -2.0 when there is none."""
    n = cums.n
    best = (-2.0, 0, 0)
    for length in range(max(min_len, size - 2), size + 3):
        lo, hi = max(0, centre - _REACH), min(n - length, centre + _REACH)
        if hi < lo:
            continue
        starts = np.arange(lo, hi + 1)
        cos = _run_vectors(cums, starts, length) @ v
        cos[excluded(starts, length)] = -2.0
        x = int(cos.argmax())
        if cos[x] > best[0]:
            best = (float(cos[x]), int(starts[x]), length)
    return best


def _has_repeat(vecs: np.ndarray, ids: Sequence[int]) -> bool:
    """Whether a sentence of ``ids`` has a near copy (``_REPEAT``) anywhere else on its side."""
    cos = vecs @ vecs[list(ids)].T
    for r, i in enumerate(ids):
        cos[i, r] = -1.0
    return bool(cos.size) and float(cos.max()) >= _REPEAT


def _moved_into_holes(beads: list[Bead], vecs: tuple[np.ndarray, np.ndarray], lengths: tuple[np.ndarray, np.ndarray],
                      windows: Windows, config: SearchConfig, doc_typical: float,
                      fixed: tuple[set[int], set[int]]) -> list[Bead]:
    """Pass three: moved passages found from the holes they leave.

    Why: the monotone search usually leaves one side of a moved passage unmatched (a
    *hole*: a run of two or more unmatched sentences) and pairs the other side with
    whatever stands where it now is, in weak beads; the passage's sentences are often
    too weakly alike one by one (cosines 0.3-0.5 in a novel) for pass two's mutual best
    matches. Here a hole's passage vector (the normalised sum of its sentence vectors,
    so weak sentences ride along with strong ones) looks for the run of the other side
    closest to it, beyond the band's reach (``config.margin`` sentences) and within
    ``_REACH``; the pair is moved when (1) the two runs' vectors match at least
    ``doc_typical - _HOLE_DROP``; (2) clearly better (``_HOLE_MARGIN``) than the run
    matches its present partners; (3) the run's own best match on the hole's side is
    the hole (mutual); (4) neither holds a repeated sentence (an inserted copy, a
    refrain); (5) aligned with each other, their beads score ``_HOLE_MARGIN`` better on
    average than the beads the run is taken from. The run is first trimmed of the
    confident 1-1 beads (at or above ``doc_typical``) at its ends, and left alone when
    half of it or more is in such beads. A hole turned down is tried once more cut to the
    sentences that pair with where its passage vector points (:func:`_trimmed`: a hole
    merged with unmatched neighbours), when the run found for it is mostly in beads. Both
    spans then take in the sentence next to each of their ends when it is in a weak bead
    that it does not belong to (:func:`_grown`), and :func:`_apply_move` as in pass two.
    """
    cums = (PrefixSums(vecs[0]), PrefixSums(vecs[1]))
    candidates = []
    bead_of = bead_index(beads)
    unmatched = unmatched_ids(beads)
    unmatched_set = (set(unmatched[0]), set(unmatched[1]))

    def partners(side: int, i: int) -> tuple[int, ...]:
        b = beads[bead_of[side][i]]
        return b.tgt if side == 0 else b.src

    def confident(side: int, i: int) -> bool:
        b = beads[bead_of[side][i]]
        return len(b.src) == 1 and len(b.tgt) == 1 and b.score >= doc_typical

    def candidate(side: int, hole: tuple[int, ...]) -> tuple[tuple[float, int, tuple[int, ...], tuple[int, ...]] | None,
                                                         tuple[int, int]]:
        """The move ``(value, side, hole, run)`` for ``hole`` if it passes checks (1)-(4) and
        the run trims, else None; with the best run's ``(start, length)`` either way."""
        mine, theirs = vecs[side], vecs[1 - side]
        centre = 0  # the other side's last sentence before the hole
        for k in range(bead_of[side][hole[0]], -1, -1):
            other = beads[k].tgt if side == 0 else beads[k].src
            if other:
                centre = max(other)
                break
        v = mine[list(hole)].sum(axis=0)
        v = v / max(float(np.linalg.norm(v)), 1e-12)
        margin = config.margin
        value, x, length = _best_run(v, cums[1 - side], centre, len(hole),
                                     lambda st, ln, c=centre, mg=margin: (st + ln > c - mg) & (st < c + mg + 1))
        if value < doc_typical - _HOLE_DROP:
            return None, (x, length)
        run = list(range(x, x + length))
        while run and confident(1 - side, run[-1]):
            run.pop()
        while run and confident(1 - side, run[0]):
            run.pop(0)
        if len(run) < 2 or _has_repeat(theirs, run) or 2 * sum(confident(1 - side, q) for q in run) >= len(run):
            return None, (x, length)
        present_ids = sorted({p for q in run for p in partners(1 - side, q)})
        present = -1.0
        if present_ids:
            rv, pv = theirs[run].sum(axis=0), mine[present_ids].sum(axis=0)
            present = float(rv @ pv) / max(float(np.linalg.norm(rv) * np.linalg.norm(pv)), 1e-12)
        if value < present + _HOLE_MARGIN:
            return None, (x, length)
        rv = theirs[run].sum(axis=0)
        rv = rv / max(float(np.linalg.norm(rv)), 1e-12)
        _, x2, l2 = _best_run(rv, cums[side], hole[0], len(run), lambda st, ln: np.zeros(len(st), bool))
        if not (x2 <= hole[-1] and x2 + l2 > hole[0]):
            return None, (x, length)
        return (value, side, tuple(hole), tuple(run)), (x, length)

    for side in (0, 1):
        for hole in _runs_of(unmatched[side]):
            if len(hole) < 2 or _has_repeat(vecs[side], hole):
                continue
            found, (x, length) = candidate(side, hole)
            if found is None and length:
                trimmed = _trimmed(hole, side, (x, length), len(vecs[1 - side]), lengths, windows, config,
                                   doc_typical)
                if len(trimmed) >= 2 and trimmed != hole:
                    found, _ = candidate(side, trimmed)
                    # a run mostly unmatched too is a pair of holes, which pass one weighed
                    # sentence by sentence and turned down (bench/RESULTS.md, "edges")
                    if found is not None and 2 * sum(q in unmatched_set[1 - side] for q in found[3]) >= len(found[3]):
                        found = None
            if found is not None:
                candidates.append(found)
    for _, side, hole, run in sorted(candidates, reverse=True):
        grown = _grown(beads, bead_of, vecs, 1 - side, run, hole, doc_typical, fixed)
        hole = _grown(beads, bead_of, vecs, side, hole, run, doc_typical, fixed)
        run = grown
        src_span, tgt_span = (hole, run) if side == 0 else (run, hole)
        pair = [b for b in _align_ids((src_span, tgt_span), lengths, windows, config) if b.is_match]
        taken_from = {bead_of[1 - side][q] for q in run}
        if any(k >= len(beads) for k in taken_from):
            continue
        present_scores = [beads[bead_of[1 - side][q]].score for q in run]
        if not pair or float(np.mean([b.score for b in pair])) < float(np.mean(present_scores)) + _HOLE_MARGIN:
            continue
        new = _apply_move(beads, src_span, tgt_span, lengths, windows, config, fixed)
        if new is not beads:
            beads = new
            bead_of = bead_index(beads)
    return beads



def _grown(beads: Sequence[Bead], bead_of: tuple[dict[int, int], dict[int, int]], vecs: tuple[np.ndarray, np.ndarray],
           side: int, span: tuple[int, ...], other: tuple[int, ...], doc_typical: float,
           fixed: tuple[set[int], set[int]]) -> tuple[int, ...]:
    """``span`` (of side ``side``) grown by the sentence next to each end that belongs to the
    move rather than to its bead.

    Why: a moved block's edge sentence is often left in a weak bead at the block's old or
    new place (the second sentence of a 2-1 bead, a sentence the monotone search had to put
    somewhere), and a hole or run that stops before it leaves the block partly found. The
    sentence is taken in when its bead is a weak match (below ``doc_typical``), holds no
    ``fixed`` sentence, and the sentence either matches nothing there (best cosine with its
    partners below ``doc_typical - _GROW_WEAK``) or matches a sentence of ``other`` (the
    move's other side) ``_GROW_CLEARLY`` better. The move's own search then pairs it or
    leaves it to its region (:func:`_apply_move`).
    """
    mine, theirs = vecs[side], vecs[1 - side]
    out = list(span)
    for q in (span[0] - 1, span[-1] + 1):
        if q not in bead_of[side]:
            continue
        b = beads[bead_of[side][q]]
        if not b.is_match or b.score >= doc_typical or fixed[0] & set(b.src) or fixed[1] & set(b.tgt):
            continue
        partners = b.tgt if side == 0 else b.src
        now = max(float(mine[q] @ theirs[p]) for p in partners)
        best_other = float((theirs[list(other)] @ mine[q]).max())
        if now < doc_typical - _GROW_WEAK or best_other >= now + _GROW_CLEARLY:
            out = [q] + out if q < span[0] else out + [q]
    return tuple(out)


def _trimmed(hole: tuple[int, ...], side: int, run: tuple[int, int], n_other: int,
             lengths: tuple[np.ndarray, np.ndarray], windows: Windows, config: SearchConfig,
             doc_typical: float) -> tuple[int, ...]:
    """``hole`` without the sentences at its ends that the search, aligning the hole with
    ``run`` (``(start, length)`` on the other side, where the whole hole's passage vector
    points; two sentences more each way), leaves unmatched.

    Why: the monotone search leaves a moved passage's hole merged with the unmatched
    sentences next to it (an orphan whose counterpart was dropped, an insertion), and
    their vectors dilute the hole's passage vector below the margin its passage clears
    alone (bench/RESULTS.md, 2026-12-07, "edges"). Trims of the passage vector tried
    blindly found false moves; the hole's own sentences, aligned with where it points,
    say which of them belong.
    """
    x, length = run
    other = tuple(range(max(0, x - 2), min(n_other, x + length + 2)))
    spans = (hole, other) if side == 0 else (other, hole)
    paired = sorted(i for b in _align_ids(spans, lengths, windows, config)
                    if b.is_match and b.score >= doc_typical - _GROW_WEAK for i in (b.src if side == 0 else b.tgt))
    if not paired:
        return ()
    return tuple(range(paired[0], paired[-1] + 1))
