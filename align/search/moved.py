"""Moved passages: runs the monotone search left unmatched on both sides that translate
each other (issue 18, item 3).

Every aligner of the field, this one's :func:`~align.search.align_windows` included, is
monotone: when an adaptation moves a paragraph, its sentences are left unmatched on
both sides, in two different gaps of the bead sequence. :func:`find_moved` runs after the
monotone search (and refinement): it takes the runs of consecutive unmatched sentences on
each side, scores every (source run, target run) pair that lies in different gaps (a
pair in the same gap is one the monotone search already weighed and turned down), and
aligns the pairs that clearly translate each other with the same search
(:func:`~align.search.align_windows`, full band over the two runs).

Pure: vectors in, beads out, no encoder. The window vectors it takes are those of the
unmatched sentences only, in document order (``encoder.encode_windows(texts, k)`` over
the texts of :func:`unmatched_ids`): a few sentences, so the caller need not keep the
whole documents' windows (hundreds of MB for a book) past the search.

The rule (a pair is a moved passage), chosen on the adapted+moved dev sets and the
sample pair (bench/RESULTS.md, 2026-12-07): see :func:`translates`.

Order of the result: a moved passage's beads are out of order. The bead list is the
monotone one with the unmatched beads of a found source run replaced, in place, by the
beads aligning it (in source order); the found target run's unmatched beads are taken
out, and its sentences left unmatched stay where they were. So every bead with source
sentences is in source order; target ids are in order except inside moved passages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from align.search.aligner import _MIN_SPREAD, _random_baseline, align_windows
from align.search.band import Band
from align.settings import SearchConfig
from align.types import Bead

__all__ = ["find_moved", "translates", "unmatched_ids", "Run"]


@dataclass(frozen=True)
class Run:
    """A run of consecutive unmatched sentences on one side: ``ids``, the gap it lies in
    (how many matched beads precede it in the bead list) and where its window rows start
    in the unmatched sentences' windows (``offset``)."""

    ids: tuple[int, ...]
    gap: int
    offset: int


def unmatched_ids(beads: Sequence[Bead]) -> tuple[list[int], list[int]]:
    """Ids of the unmatched source and target sentences, each in document order."""
    src = sorted(i for b in beads if not b.tgt for i in b.src)
    tgt = sorted(j for b in beads if not b.src for j in b.tgt)
    return src, tgt


def _runs(beads: Sequence[Bead]) -> tuple[list[Run], list[Run]]:
    """Maximal runs of consecutive unmatched sentences on each side, with their gaps."""
    found: tuple[dict[int, list[int]], dict[int, list[int]]] = ({}, {})
    gap = 0
    for b in beads:
        if b.is_match:
            gap += 1
        elif b.src:
            found[0].setdefault(gap, []).extend(b.src)
        else:
            found[1].setdefault(gap, []).extend(b.tgt)
    out: tuple[list[Run], list[Run]] = ([], [])
    for side in (0, 1):
        offset = 0
        for g, ids in sorted(found[side].items(), key=lambda kv: min(kv[1])):
            ids = sorted(ids)
            start = 0
            for k in range(1, len(ids) + 1):  # a gap's ids are consecutive; split defensively if not
                if k == len(ids) or ids[k] != ids[k - 1] + 1:
                    out[side].append(Run(tuple(ids[start:k]), g, offset + start))
                    start = k
            offset += len(ids)
    for side in (0, 1):
        out[side].sort(key=lambda r: r.offset)
    return out


def translates(cos: np.ndarray, src1: np.ndarray, tgt1: np.ndarray, doc_typical: float,
               config: SearchConfig) -> float:
    """How clearly a source run translates a target run; 0.0 when it does not.

    ``cos`` is the runs' 1-1 cosine matrix (``src1 @ tgt1.T``). In the pair's own units
    (as the aligner measures a document pair: ``baseline`` the mean cosine of its unrelated
    sentence pairs, ``typical`` the median best match, ``spread`` their difference), a
    sentence of the shorter run *hits* when its best match in the other run is mutual
    (each is the other's best) and at least ``baseline + config.moved_level * spread``,
    and also at least ``doc_typical - config.moved_drop`` in absolute terms (the document
    pair's typical matched cosine: a passage of one topic resembles another passage of
    the same topic, mutually and above its own unrelated pairs, but not as much as
    translations do). The pair is a moved passage when at least ``config.moved_hits`` of
    the shorter run's sentences hit, and at least two; the value returned is the mean
    cosine of the hits (to choose among competing pairs).
    """
    a, b = cos.shape
    best_src, best_tgt = cos.max(axis=1), cos.max(axis=0)
    baseline = _random_baseline(src1, tgt1, best_src, best_tgt)
    typical = float(np.median(np.concatenate([best_src, best_tgt])))
    spread = max(typical - baseline, _MIN_SPREAD)
    level = max(baseline + config.moved_level * spread, doc_typical - config.moved_drop)
    arg_src, arg_tgt = cos.argmax(axis=1), cos.argmax(axis=0)
    mutual = arg_tgt[arg_src] == np.arange(a)
    hit = mutual & (best_src >= level)
    shorter = min(a, b)
    hits = int(hit.sum())
    if hits < 2 or hits < config.moved_hits * shorter:
        return 0.0
    return float(best_src[hit].mean())


def find_moved(
    beads: Sequence[Bead],
    src_windows: list[np.ndarray],
    tgt_windows: list[np.ndarray],
    src_lengths: np.ndarray,
    tgt_lengths: np.ndarray,
    config: SearchConfig | None = None,
) -> list[Bead]:
    """The monotone ``beads`` with moved passages found and aligned.

    ``src_windows[k - 1][r]`` embeds the ``k`` unmatched source sentences starting at the
    ``r``-th unmatched one (in document order, :func:`unmatched_ids`); windows that cross
    from one run to the next are never used. ``*_lengths`` are every sentence's length
    in characters (indexed by sentence id). Returns beads covering every sentence of both
    sides exactly once, ordered as the module docstring says; the ids are the documents'.
    """
    config = config or SearchConfig()
    src_runs, tgt_runs = _runs(beads)
    if not src_runs or not tgt_runs:
        return list(beads)
    n_unmatched = sum(len(r.ids) for r in src_runs), sum(len(r.ids) for r in tgt_runs)
    if len(src_windows[0]) != n_unmatched[0] or len(tgt_windows[0]) != n_unmatched[1]:
        raise ValueError(f"windows for {len(src_windows[0])} + {len(tgt_windows[0])} unmatched sentences, "
                         f"the beads leave {n_unmatched[0]} + {n_unmatched[1]}")
    matched = [b.score for b in beads if len(b.src) == 1 and len(b.tgt) == 1]
    if not matched:
        return list(beads)
    doc_typical = float(np.median(matched))
    s1, t1 = src_windows[0], tgt_windows[0]
    candidates = []
    for si, s in enumerate(src_runs):
        sv = s1[s.offset:s.offset + len(s.ids)]
        for ti, t in enumerate(tgt_runs):
            if s.gap == t.gap or min(len(s.ids), len(t.ids)) < 2:
                continue
            tv = t1[t.offset:t.offset + len(t.ids)]
            value = translates(sv @ tv.T, sv, tv, doc_typical, config)
            if value > 0.0:
                candidates.append((-value, si, ti))
    if not candidates:
        return list(beads)
    used_src: set[int] = set()
    used_tgt: set[int] = set()
    placed: dict[int, list[Bead]] = {}  # first source id of a found run -> its beads
    taken_tgt: set[int] = set()
    for _, si, ti in sorted(candidates):
        if si in used_src or ti in used_tgt:
            continue
        used_src.add(si)
        used_tgt.add(ti)
        s, t = src_runs[si], tgt_runs[ti]
        aligned = _align_runs(s, t, src_windows, tgt_windows, src_lengths, tgt_lengths, config)
        placed[s.ids[0]] = [b for b in aligned if b.src]  # target-only beads stay where they were
        taken_tgt.update(j for b in aligned if b.is_match for j in b.tgt)
    found_src = {i for si in used_src for i in src_runs[si].ids}
    out: list[Bead] = []
    for b in beads:
        if not b.is_match and b.src and b.src[0] in found_src:
            out.extend(placed.pop(b.src[0], []))  # the run's first bead stands for the whole run
        elif not b.is_match and b.tgt and b.tgt[0] in taken_tgt:
            continue
        else:
            out.append(b)
    return out


def _align_runs(s: Run, t: Run, src_windows: list[np.ndarray], tgt_windows: list[np.ndarray],
                src_lengths: np.ndarray, tgt_lengths: np.ndarray, config: SearchConfig) -> list[Bead]:
    """Align one source run with one target run (full band), in document ids and the
    search's order (unmatched sentences of both runs included)."""
    a, b = len(s.ids), len(t.ids)
    sw = [w[s.offset:s.offset + a - k] for k, w in enumerate(src_windows) if a - k > 0]
    tw = [w[t.offset:t.offset + b - k] for k, w in enumerate(tgt_windows) if b - k > 0]
    band = Band.full(a, b)
    beads = align_windows(sw, tw, src_lengths[list(s.ids)], tgt_lengths[list(t.ids)],
                          replace(config, refine=False, moved=False), band=band)
    return [Bead(tuple(s.ids[i] for i in bead.src), tuple(t.ids[j] for j in bead.tgt), bead.score) for bead in beads]
