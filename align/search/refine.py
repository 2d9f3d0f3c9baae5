"""Refining sentence beads with a clause-level alignment of the same documents.

The sentence-level search has to choose between two 1-1 beads and one 2-2 bead from
sentence vectors alone, and use-m3's cosines cannot tell them apart (merging two true
1-1 beads raises the window cosine about as often as merging a true 2-2 does; see
``bench/RESULTS.md``). A clause-level alignment can: when a clause of one sentence is
aligned with a clause of the *neighbouring* sentence's translation, content crosses the
sentence boundary there, and hand-made gold standards (Text+Berg) then make one bead of
both sentences on both sides — the smallest bead whose two sides say the same thing.

:func:`refine_beads` keeps every cut between consecutive sentence beads except those a
clause bead crosses, where at least one of the sentence beads it touches is not a plain
1-1 bead (confident 1-1 beads are where the sentence level is most reliable and clause
vectors least, so they are left alone). A cut where exactly one side starts a new
paragraph is never removed: translators keep paragraphs, so a bead across such a cut
would join a paragraph of one version to the next paragraph of the other (a news lead
that restates the story is its own paragraph). The result covers every sentence once,
in order, and every bead is a union of consecutive sentence beads.

Example::

    sentence beads: [0]:[0]  [1,2]:[1]  [3]:[2]    a clause bead links sentence 1 with target 0
    refined:        [0,1,2]:[0,1]  [3]:[2]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from align.parts import Parts, part_lengths, part_owners
from align.search.aligner import align_windows
from align.search.band import Band
from align.search.windows import Windows
from align.settings import SearchConfig
from align.types import Bead, bead_index

__all__ = ["length_z", "part_band", "refine_alignment", "refine_beads"]


def refine_alignment(
    beads: Sequence[Bead],
    parts: tuple[Parts, Parts],
    part_windows: tuple[Windows, Windows],
    config: SearchConfig,
    src_breaks: np.ndarray | None = None,
    tgt_breaks: np.ndarray | None = None,
) -> list[Bead]:
    """Sentence beads merged where a clause-level alignment shows content crossing them.

    The refinement stage of the search, run after :func:`~align.search.align_windows` on
    the sentences: ``parts`` are the two documents' clauses (per sentence, see
    :mod:`align.parts`) and ``part_windows`` their window vectors (from
    :meth:`align.embed.base.Encoder.encode_with_parts`, or a
    :class:`~align.search.windows.WindowSource` that builds them where the clause search
    reads them, :mod:`align.embed.staged`). The clause level runs the same
    search over clauses, within ``config.clause_margin`` clauses of the sentence path
    (its costs measured on the pair's own clause statistics), and only decides which cuts
    between sentence beads survive (:func:`refine_beads`).
    """
    src_parts, tgt_parts = parts
    if all(len(p) == 1 for p in src_parts) and all(len(p) == 1 for p in tgt_parts):
        return list(beads)  # no sentence has a clause boundary: nothing to learn
    src_owner, tgt_owner = part_owners(src_parts), part_owners(tgt_parts)
    src_part_len, tgt_part_len = part_lengths(src_parts), part_lengths(tgt_parts)
    clause_beads = align_windows(
        part_windows[0], part_windows[1], src_part_len, tgt_part_len,
        replace(config, refine=False),
        band=part_band(beads, src_owner, tgt_owner, config.clause_margin),
        scored=False,  # refine_beads reads which clauses a bead holds, not its score
    )
    lengths = (_sentence_lengths(src_part_len, src_owner), _sentence_lengths(tgt_part_len, tgt_owner))
    return refine_beads(beads, clause_beads, src_owner, tgt_owner, src_breaks, tgt_breaks,
                        lengths=lengths, absorb_z=config.absorb_z)


def _sentence_lengths(part_len: np.ndarray, owner: Sequence[int]) -> np.ndarray:
    """Characters per sentence, from its parts' lengths."""
    owner = np.asarray(owner, np.int64)
    return np.bincount(owner, weights=np.asarray(part_len, np.float64), minlength=int(owner.max()) + 1 if len(owner) else 0)


def length_z(src_chars: float, tgt_chars: float, ratio: float) -> float:
    """Gale and Church's length statistic of a bead: how many standard deviations the
    target's length lies from ``ratio`` times the source's (variance 6.8 per character,
    their figure), 0 for an empty bead."""
    total = src_chars + tgt_chars / ratio
    if total <= 0:
        return 0.0
    return (tgt_chars - ratio * src_chars) / float(np.sqrt(6.8 * total / 2))


def _absorbs_plausibly(group: Sequence[Bead], lengths: tuple[np.ndarray, np.ndarray], ratio: float,
                       absorb_z: float) -> bool:
    """Whether merging ``group`` (consecutive beads, at least one without counterpart on a
    side) gives a bead whose lengths the length model finds plausible (``|z| <= absorb_z``)
    or more plausible than the matched beads alone (see ``SearchConfig.absorb_z``)."""
    src_len, tgt_len = lengths

    def z(beads: Sequence[Bead]) -> float:
        return abs(length_z(sum(src_len[i] for b in beads for i in b.src),
                            sum(tgt_len[j] for b in beads for j in b.tgt), ratio))

    merged = z(group)
    matched = [b for b in group if b.src and b.tgt]
    return merged <= absorb_z or (bool(matched) and merged <= z(matched))


def _is_plain(bead: Bead) -> bool:
    return len(bead.src) == 1 and len(bead.tgt) == 1


def _protected_cuts(beads: Sequence[Bead], src_breaks: np.ndarray | None, tgt_breaks: np.ndarray | None) -> list[bool]:
    """Cuts between beads ``k`` and ``k + 1`` where one side has a paragraph break and the other not."""
    out = [False] * (len(beads) - 1)
    if src_breaks is None or tgt_breaks is None:
        return out
    p = q = 0  # sentences of each side before the cut
    for k, b in enumerate(beads[:-1]):
        p += len(b.src)
        q += len(b.tgt)
        src_break = 0 < p <= len(src_breaks) and bool(src_breaks[p - 1])
        tgt_break = 0 < q <= len(tgt_breaks) and bool(tgt_breaks[q - 1])
        out[k] = src_break != tgt_break
    return out


def refine_beads(
    beads: Sequence[Bead],
    clause_beads: Sequence[Bead],
    src_owner: Sequence[int],
    tgt_owner: Sequence[int],
    src_breaks: np.ndarray | None = None,
    tgt_breaks: np.ndarray | None = None,
    *,
    lengths: tuple[np.ndarray, np.ndarray] | None = None,
    absorb_z: float = float("inf"),
) -> list[Bead]:
    """Merge consecutive sentence ``beads`` where ``clause_beads`` show content crossing.

    ``clause_beads`` align clauses; ``src_owner[c]`` / ``tgt_owner[c]`` is the sentence
    that clause ``c`` belongs to. ``*_breaks[k]`` (optional) is true when a paragraph ends
    after sentence ``k``. ``lengths`` (characters per sentence of each side) with
    ``absorb_z``: a merge that would take in a bead without counterpart must give a bead
    of plausible lengths (:func:`_absorbs_plausibly`); without ``lengths`` no such check.
    A merged bead's score is the mean of its matched parts' scores weighted by their
    sentence counts (0.0 if none matched).
    """
    beads = list(beads)
    if len(beads) < 2:
        return beads
    bead_of_src, bead_of_tgt = bead_index(beads)
    protected = _protected_cuts(beads, src_breaks, tgt_breaks)
    ratio = 1.0
    if lengths is not None and lengths[0].sum() > 0 and lengths[1].sum() > 0:
        ratio = float(lengths[1].sum() / lengths[0].sum())
    joined = [False] * (len(beads) - 1)  # joined[k]: the cut between beads k and k + 1 goes
    for cb in clause_beads:
        if not cb.src or not cb.tgt:
            continue
        touched = {bead_of_src[src_owner[c]] for c in cb.src} | {bead_of_tgt[tgt_owner[c]] for c in cb.tgt}
        lo, hi = min(touched), max(touched)
        if lo == hi or all(_is_plain(beads[k]) for k in touched) or any(protected[lo:hi]):
            continue
        span = beads[lo:hi + 1]
        if (lengths is not None and any(not (b.src and b.tgt) for b in span)
                and not _absorbs_plausibly(span, lengths, ratio, absorb_z)):
            continue  # an unmatched sentence of an adapted translation, not part of its neighbour
        for k in range(lo, hi):
            joined[k] = True
    out: list[Bead] = []
    group: list[Bead] = [beads[0]]
    for k in range(1, len(beads)):
        if joined[k - 1]:
            group.append(beads[k])
        else:
            out.append(_merge(group))
            group = [beads[k]]
    out.append(_merge(group))
    return out


def _merge(group: list[Bead]) -> Bead:
    if len(group) == 1:
        return group[0]
    src = tuple(i for b in group for i in b.src)
    tgt = tuple(j for b in group for j in b.tgt)
    matched = [b for b in group if b.src and b.tgt]
    weight = sum(len(b.src) + len(b.tgt) for b in matched)
    score = sum(b.score * (len(b.src) + len(b.tgt)) for b in matched) / weight if weight else 0.0
    return Bead(src, tgt, round(score, 4))


def part_band(beads: Sequence[Bead], src_owner: Sequence[int], tgt_owner: Sequence[int], margin: int) -> Band:
    """The band for aligning parts (clauses) of sentences already aligned by ``beads``.

    Each sentence bead becomes the rectangle of its sentences' parts, widened by
    ``margin`` parts: the clause search only has to find where content crosses a cut
    between neighbouring beads, so it needs no anchor pass of its own (which cost as
    much as the rest of it).
    """
    src_owner = np.asarray(src_owner, np.int64)
    tgt_owner = np.asarray(tgt_owner, np.int64)
    n_src = sum(len(b.src) for b in beads)
    n_tgt = sum(len(b.tgt) for b in beads)
    # first part of each sentence, and the total, as node indices
    src_first = np.searchsorted(src_owner, np.arange(n_src + 1))
    tgt_first = np.searchsorted(tgt_owner, np.arange(n_tgt + 1))
    rects = []
    p = q = 0
    for b in beads:
        p2, q2 = p + len(b.src), q + len(b.tgt)
        rects.append((int(src_first[p]), int(src_first[p2]), int(tgt_first[q]), int(tgt_first[q2])))
        p, q = p2, q2
    return Band.around_path(len(src_owner), len(tgt_owner), rects, margin=margin)
