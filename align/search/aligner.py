"""The aligner: window embeddings and sentence lengths in, beads out. No I/O, no model.

Three steps, each linear in document length:

1. an anchor pass finds a rough monotone 1-1 path (``anchors.py``);
2. a band of ``margin`` sentences around it bounds the search (``band.py``);
3. a DP over that band picks the best sequence of beads of every type up to
   ``max_align`` sentences, and unmatched sentences on either side (``dp.py``), using
   the scores of ``scoring.py``.
"""

from __future__ import annotations

import numpy as np

from align.search.anchors import anchor_band
from align.search.band import Band
from align.search.dp import best_path
from align.search.scoring import NEG, band_dots_pairs, bead_cosines, bead_scores
from align.search.windows import Windows, WindowSource, all_rows, as_source, column_sums
from align.settings import SearchConfig
from align.types import Bead


def _random_baseline(src: np.ndarray, tgt: np.ndarray, best_src: np.ndarray, best_tgt: np.ndarray) -> float:
    """Mean cosine of unrelated sentence pairs: the document pair's noise floor.

    The mean over all pairs is the dot product of the two sums over n·m, so this is exact
    and linear in length, with no sampling. The pairs that are each sentence's best match
    (on the shorter side) are taken out, since they are the likely translations: in long
    documents that changes almost nothing, but in a pair of one or two sentences the
    translations would otherwise be their own noise floor. With nothing left (one
    sentence on each side) the floor is 0, the cosine of unrelated text.
    """
    n, m = len(src), len(tgt)
    if n * m - min(n, m) <= 0:
        return 0.0
    # numpy's own sums, not a BLAS dot product: the same bits on every kernel
    return _baseline_of_sums(n, m, src.sum(axis=0, dtype=np.float64), tgt.sum(axis=0, dtype=np.float64),
                             best_src, best_tgt)


def _baseline_of_sums(n: int, m: int, src_sum: np.ndarray, tgt_sum: np.ndarray, best_src: np.ndarray,
                      best_tgt: np.ndarray) -> float:
    """:func:`_random_baseline` from the float64 sums of the ``n`` source and ``m`` target
    sentence vectors (:func:`~align.search.windows.column_sums`)."""
    best = best_src if n <= m else best_tgt
    rest = n * m - min(n, m)
    if rest <= 0:
        return 0.0
    total = float(np.sum(src_sum * tgt_sum))
    return (total - float(np.maximum(best, -1.0).sum())) / rest


_MIN_SPREAD = 0.05  # a floor for the spread, for pairs of documents with almost nothing in common


#: How many next-best matches a sentence's best match is compared with (:func:`_rival_means`).
_RIVALS = 3


def _skip_costs(best: np.ndarray, rivals: np.ndarray, floor: float, typical: float, cost: float) -> np.ndarray:
    """Cost of leaving each sentence unmatched, from how well and how distinctly it matches
    anything nearby.

    ``cost`` is in cosine units: the full cost for a sentence whose best match is typical
    (or better), or below typical but standing out from its rivals (``rivals``: the mean of its next-best matches, nan when
    it has none) as much as a typical sentence's does. Why the second factor: a sentence
    an adapted translation added (a quote, a line from elsewhere in the story) resembles
    its same-topic neighbours about equally, so its best match is good but not distinct;
    charging it the full price made the search take it into a neighbouring bead rather
    than leave it out (bench/RESULTS.md, 2026-12-07). :func:`_like_neighbours` then lowers
    a sentence's cost to its cheaper neighbour's.
    """
    quality = np.clip((best - floor) / max(typical - floor, 1e-6), 0.0, 1.0)
    lead = best - np.where(np.isnan(rivals), floor, rivals)
    distinct = np.clip(lead / max(float(np.median(lead)), 1e-6), 0.0, 1.0)
    # A match as good as a typical translation is one, however alike its rivals are
    # (a repeated "Yes." / "Ja.", a refrain): only a weaker best match is discounted.
    distinct = np.where(best >= typical, 1.0, distinct)
    return -cost * np.minimum(quality, distinct)


def _like_neighbours(skip: np.ndarray) -> np.ndarray:
    """Skip costs where a sentence costs no more to leave out than its cheaper neighbour.

    Why: adaptations leave out and add sentences in runs (a dropped paragraph, an added
    quote of several sentences), so the neighbour of a sentence that matches nothing well
    is likely without counterpart too. At their own price the edge sentences of such a
    run, which often match a neighbouring sentence about as well as a loose translation
    does, were taken into the beads beside the run. In a faithful translation every
    sentence matches well, so its costs stay as they were (bench/RESULTS.md, 2026-12-07,
    "neighbours").
    """
    if len(skip) < 2:
        return skip
    left = np.concatenate(([-np.inf], skip[:-1]))
    right = np.concatenate((skip[1:], [-np.inf]))
    return np.maximum(skip, np.maximum(left, right))  # costs are negative: the cheaper is the larger


#: Where the first path puts a sentence, how far (sentences, either way) the second pass
#: looks for its local match (:func:`_local_best`).
_LOCAL_REACH = 1

#: A sentence matches nothing where the first path puts it when its local best is below
#: ``baseline + _LOCAL_LEVEL * spread``.
_LOCAL_LEVEL = 0.25

#: ... and its best match in the band is at least this much better (cosine): it has a
#: clearly better partner elsewhere than anything around where it stands.
_LOCAL_GAP = 0.1

#: The shortest sentences of a side (this fraction) keep their costs: "No answer.",
#: "See?", a title: the sentences translators leave out and the gold puts with a neighbour.
_LOCAL_SHORT = 0.2


def _local_best(src1: np.ndarray | WindowSource, tgt1: np.ndarray | WindowSource,
                path: list[tuple[int, int, int, int]], reach: int) -> tuple[np.ndarray, np.ndarray]:
    """Best 1-1 cosine of each sentence with the other side's sentences where ``path``
    puts it: its bead's other side, or the gap an unmatched sentence stands in, and
    ``reach`` sentences more each way. The sentence vectors are an array or the size-1
    windows of a :class:`~align.search.windows.WindowSource` (read a block at a time)."""
    src1 = src1 if isinstance(src1, WindowSource) else as_source([src1])
    tgt1 = tgt1 if isinstance(tgt1, WindowSource) else as_source([tgt1])
    n, m = src1.count(1), tgt1.count(1)
    lo = (np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64))
    hi = (np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64))
    for i0, i1, j0, j1 in path:
        lo[0][i0:i1], hi[0][i0:i1] = j0 - reach, j1 + reach
        lo[1][j0:j1], hi[1][j0:j1] = i0 - reach, i1 + reach
    out = []
    for mine, theirs, a, b in ((src1, tgt1, lo[0], hi[0]), (tgt1, src1, lo[1], hi[1])):
        size = theirs.count(1)
        a, b = np.clip(a, 0, size), np.clip(b, 0, size)
        # the dtype of the products (float32 vectors in practice; tests pass float64 too)
        dtype = np.result_type(mine.rows(1, 0, min(1, mine.count(1))).dtype, theirs.rows(1, 0, min(1, size)).dtype)
        best = np.empty(mine.count(1), dtype=dtype)
        for r0, r1 in _row_blocks(np.maximum(b - a, 1)):
            # a block of rows at a time, as wide as its own widest row: the gathered
            # candidates are rows x width x dim floats, so one wide gap (a long unmatched
            # stretch) must not set the width of every row (50k sentences: 700 MB)
            ar, br = a[r0:r1], b[r0:r1]
            idx = ar[:, None] + np.arange(max(int((br - ar).max()), 1))[None, :]
            ok = idx < br[:, None]
            np.minimum(idx, size - 1, out=idx)
            c0, c1 = int(idx.min()), int(idx.max()) + 1  # the other side's rows the block reads
            cos = np.einsum("id,iwd->iw", mine.rows(1, r0, r1), theirs.rows(1, c0, c1)[idx - c0])
            best[r0:r1] = np.where(ok, cos, -1.0).max(axis=1)
        out.append(best)
    return out[0], out[1]


#: Most candidate cells (rows x width) gathered at once by :func:`_local_best`: with
#: 512-d vectors 16,384 cells are 32 MB, whatever the document's length.
_LOCAL_CELLS = 1 << 14


def _row_blocks(width: np.ndarray, cells: int = _LOCAL_CELLS) -> list[tuple[int, int]]:
    """Consecutive row ranges whose row count times their widest row stays within
    ``cells`` (a row wider than that is a block of its own)."""
    blocks: list[tuple[int, int]] = []
    n, start = len(width), 0
    while start < n:
        end, widest = start + 1, int(width[start])
        step = max(1, cells // max(widest, 1))
        # grow in strides while the block stays within the budget, then row by row
        while end < n:
            nxt = min(n, end + step)
            w = max(widest, int(width[end:nxt].max()))
            if w * (nxt - start) <= cells:
                end, widest = nxt, w
            elif step > 1:
                step = max(1, step // 2)
            else:
                break
        blocks.append((start, end))
        start = end
    return blocks


def _misplaced(best: np.ndarray, local: np.ndarray, lengths: np.ndarray, baseline: float, spread: float) -> np.ndarray:
    """Sentences that match nothing where the first path put them (local best below
    ``baseline + _LOCAL_LEVEL * spread``) but something elsewhere in the band clearly
    better (``_LOCAL_GAP``), and are not among the shortest of their side."""
    long_enough = lengths >= np.quantile(lengths, _LOCAL_SHORT)
    return (local < baseline + _LOCAL_LEVEL * spread) & (best - local > _LOCAL_GAP) & long_enough


def _rival_means(cos: np.ndarray, band: Band) -> tuple[np.ndarray, np.ndarray]:
    """Mean of each source and target sentence's 2nd to ``_RIVALS + 1``-th best 1-1
    cosine within the band (nan for a sentence with no second candidate). ``cos`` is in
    the band's flat layout (band.py)."""
    ok = cos > NEG / 2
    work = np.where(ok, cos, -np.inf)
    rows = np.empty((band.n + 1, _RIVALS))
    for r0, r1, w in band.row_chunks():  # each row sorted, a block of rows at a time
        block = band.dense_rows(work, r0, r1, max(w, 1 + _RIVALS), -np.inf)
        rows[r0:r1] = -np.sort(-block, axis=1)[:, 1:1 + _RIVALS]
    rows = rows[1:]
    finite = np.isfinite(rows)
    count = finite.sum(axis=1)
    src = np.where(count > 0, np.where(finite, rows, 0.0).sum(axis=1) / np.maximum(count, 1), np.nan)
    cols = band.cols[ok]
    vals = cos[ok]
    order = np.lexsort((-vals, cols))
    cols, vals = cols[order], vals[order]
    rank = np.arange(len(cols)) - np.searchsorted(cols, cols, side="left")
    keep = (rank >= 1) & (rank <= _RIVALS)
    m = band.m
    sums = np.bincount(cols[keep], weights=vals[keep], minlength=m + 1)[1:]
    counts = np.bincount(cols[keep], minlength=m + 1)[1:]
    tgt = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return src, tgt


def _best_matches(cos: np.ndarray, band: Band) -> tuple[np.ndarray, np.ndarray]:
    """Best 1-1 cosine of each source sentence (over its band row) and each target sentence
    (``cos`` in the band's flat layout)."""
    m = band.m
    ok = cos > NEG / 2
    best_src = np.maximum.reduceat(np.where(ok, cos, -1.0), band.start[:-1])[1:]  # no row is empty
    best_tgt = np.full(m + 1, -1.0)
    np.maximum.at(best_tgt, band.cols[ok], cos[ok])
    return best_src, best_tgt[1:]


def _band_has(flags: np.ndarray, size: int, band: Band, *, src_side: bool) -> np.ndarray:
    """For each band node (the band's flat layout), whether the ``size`` sentences of one
    side ending there include a flagged one."""
    counts = np.concatenate(([0], np.cumsum(np.asarray(flags, dtype=np.int64))))  # counts[k]: flags before k
    limit = len(counts) - 1
    end = np.clip(band.rows if src_side else band.cols, 0, limit)
    return counts[end] - counts[np.clip(end - size, 0, limit)] > 0


def align_windows(
    src_windows: Windows,
    tgt_windows: Windows,
    src_lengths: np.ndarray,
    tgt_lengths: np.ndarray,
    config: SearchConfig | None = None,
    src_breaks: np.ndarray | None = None,
    tgt_breaks: np.ndarray | None = None,
    *,
    src_clauses: np.ndarray | None = None,
    tgt_clauses: np.ndarray | None = None,
    band: Band | None = None,
    src_content: np.ndarray | None = None,
    tgt_content: np.ndarray | None = None,
    src_exclude: np.ndarray | None = None,
    tgt_exclude: np.ndarray | None = None,
    scored: bool = True,
) -> list[Bead]:
    """Align two documents given their window embeddings.

    ``src_windows[k - 1][i]`` is the unit embedding of source sentences ``i:i+k`` for
    ``k = 1..config.max_window``; likewise for the target. Either side may instead be a
    :class:`~align.search.windows.WindowSource` (``rows(k, i, i + 1)``), which the search
    reads a band chunk at a time; with one, give ``band`` too, or its size-1 windows are
    built in full for the anchor pass. ``*_lengths`` are sentence
    lengths in characters. ``*_breaks[k]`` (optional) is true when a paragraph ends after
    sentence ``k``; ``*_clauses[k]`` (optional) is true when sentence ``k`` ends at a
    clause mark (:func:`align.hints.clause_ends`). ``*_content[k]`` (optional) is false for
    a sentence with no letter or digit ("!!!", "* * *", a table border): a side made only of
    such sentences is never paired with a side that has words (on both sides, it may be).
    ``band`` (optional) is where to search
    when the caller already knows (a finer alignment of documents aligned before); without
    it the anchor pass finds the band. ``*_exclude[k]`` (optional) true: sentence ``k`` is
    left unmatched, at no cost (a moved block's, aligned elsewhere:
    :mod:`align.search.moved_chain`). Returns beads covering every sentence of both sides
    exactly once, in document order, each with its windows' cosine as its score (0.0 for
    all without ``scored``: a caller that reads only which items a bead holds, the clause
    level of the refinement, then saves reading every bead's windows again).
    """
    config = config or SearchConfig()
    src, tgt = as_source(src_windows), as_source(tgt_windows)
    n, m = src.count(1), tgt.count(1)
    if n == 0 or m == 0:
        return [Bead((i,), (), 0.0) for i in range(n)] + [Bead((), (j,), 0.0) for j in range(m)]
    if band is None:
        _, anchors = anchor_band(all_rows(src, 1), all_rows(tgt, 1), k=config.top_k, margin=config.margin,
                                 full_cells=config.full_cells)
        band = Band.around_path(n, m, anchors, margin=config.margin)
    elif band.n != n or band.m != m:
        raise ValueError(f"the band is for {band.n} x {band.m} sentences, the documents have {n} x {m}")

    cos11 = np.empty(band.cells, dtype=np.float64)
    band_dots_pairs(src, tgt, band, {(1, 1): [(1, 1, NEG, cos11, False)]})
    best_src, best_tgt = _best_matches(cos11, band)
    rivals_src, rivals_tgt = _rival_means(cos11, band)
    del cos11
    baseline = _baseline_of_sums(n, m, column_sums(src), column_sums(tgt), best_src, best_tgt)
    typical = float(np.median(np.concatenate([best_src, best_tgt])))
    spread = max(typical - baseline, _MIN_SPREAD)  # the unit of every cost (see SearchConfig)
    types = [(a, b) for a, b in config.types() if a <= src.max_window and b <= tgt.max_window]
    scores = bead_scores(
        src, tgt, src_lengths, tgt_lengths, types, band, baseline,
        src_breaks, tgt_breaks, config.paragraph_cost * spread, config.size_cost * spread,
        src_clauses, tgt_clauses, config.clause_cost * spread, positive_only=True,
    )
    # A bead whose two sides are not alike at all (cosine <= 0) is no translation, whatever
    # its margins say; its sentences stay unmatched. This matters where nothing resembles
    # anything: punctuation-only lines ("!!!") against sentences were paired at score 0.
    # (Not the pair's noise floor: loose literary renderings, "Wird was sein!" / "I bet you
    # don't.", are real beads at cosines below it; Tom Sawyer's gold has several.) Hence
    # positive_only.
    if src_content is not None and tgt_content is not None:
        for t, (a, b) in enumerate(types):
            words_src = _band_has(src_content, a, band, src_side=True)
            words_tgt = _band_has(tgt_content, b, band, src_side=False)
            scores[t][words_src != words_tgt] = NEG
    excluded = src_exclude is not None and tgt_exclude is not None and (src_exclude.any() or tgt_exclude.any())
    if excluded:
        for t, (a, b) in enumerate(types):
            held = _band_has(src_exclude, a, band, src_side=True) | _band_has(tgt_exclude, b, band, src_side=False)
            scores[t][held] = NEG
    src_skip = _like_neighbours(_skip_costs(best_src, rivals_src, baseline, typical, config.skip * spread))
    tgt_skip = _like_neighbours(_skip_costs(best_tgt, rivals_tgt, baseline, typical, config.skip * spread))
    if excluded:
        src_skip, tgt_skip = np.where(src_exclude, 0.0, src_skip), np.where(tgt_exclude, 0.0, tgt_skip)

    path = best_path(band, types, scores, src_skip, tgt_skip)
    # Second pass: a sentence that matches nothing where the path put it, though it matches
    # something elsewhere, is priced by what it matches where it stands. Why: a sentence an
    # adaptation added or whose counterpart it dropped often has a good match somewhere in
    # the band (same topic, same characters), which made leaving it out expensive, so the
    # search took it into a neighbouring bead it does not translate (bench/RESULTS.md,
    # 2026-12-07, "second pass").
    local_src, local_tgt = _local_best(src, tgt, path, _LOCAL_REACH)
    flag_src = _misplaced(best_src, local_src, src_lengths, baseline, spread)
    flag_tgt = _misplaced(best_tgt, local_tgt, tgt_lengths, baseline, spread)
    if flag_src.any() or flag_tgt.any():
        q_src = np.where(flag_src, np.minimum(best_src, local_src), best_src)
        q_tgt = np.where(flag_tgt, np.minimum(best_tgt, local_tgt), best_tgt)
        src_skip = _like_neighbours(_skip_costs(q_src, rivals_src, baseline, typical, config.skip * spread))
        tgt_skip = _like_neighbours(_skip_costs(q_tgt, rivals_tgt, baseline, typical, config.skip * spread))
        if excluded:
            src_skip, tgt_skip = np.where(src_exclude, 0.0, src_skip), np.where(tgt_exclude, 0.0, tgt_skip)
        path = best_path(band, types, scores, src_skip, tgt_skip)
    matched = [(i0, i1 - i0, j0, j1 - j0) for i0, i1, j0, j1 in path if i1 > i0 and j1 > j0]
    # the cosines the band's products held for the path's beads, bit for bit
    cosines = iter(bead_cosines(src, tgt, matched) if scored else np.zeros(len(matched)))
    beads = []
    for i0, i1, j0, j1 in path:
        score = min(max(float(next(cosines)), 0.0), 1.0) if i1 > i0 and j1 > j0 else 0.0
        beads.append(Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), round(score, 4)))
    return beads
