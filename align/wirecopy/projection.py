"""Grow accepted cross-lingual passages along a sentence alignment of their two documents.

Margin-scored 1-1 pairs find *that* two documents share a translated passage, but a
translation does not keep sentence boundaries: a sentence becomes two, two become one,
and the strict diagonal breaks there. Once a passage is accepted, its two documents are
aligned with ``align``'s own aligner (1-1, 1-n, n-1, n-m beads and unmatched sentences)
and the passage is extended over neighbouring matched beads whose similarity stays at
``min_cos`` or above. Acceptance never depends on this step: it only decides how far a
passage that is already known to be a copy reaches.
"""

from __future__ import annotations

from typing import Any

from align.types import Bead, Document
from align.wirecopy.passages import Link


def _beads(src: Document, tgt: Document, encoder: Any) -> list[Bead]:
    from align.api import align_documents
    from align.search import SearchConfig

    # sentence beads, not refined: passages widen bead by bead, and a refined bead can
    # join a copied sentence to a neighbour that is not part of the copy; monotone, since a
    # passage widens over neighbouring beads and a moved passage's beads are out of order
    return list(align_documents(src, tgt, model=encoder, config=SearchConfig(refine=False, moved=False)).beads)


def extend_by_alignment(
    docs: list[Document], passages: list[Link], encoder: Any, min_cos: float
) -> list[Link]:
    """The passages, each widened to the run of good beads around it."""
    cache: dict[tuple[int, int], list[Bead]] = {}
    out = []
    for p in passages:
        key = (p.a, p.b)
        if key not in cache:
            cache[key] = _beads(docs[p.a], docs[p.b], encoder)
        beads = cache[key]
        inside = [k for k, b in enumerate(beads)
                  if b.src and b.tgt and p.a_first <= b.src[-1] and b.src[0] <= p.a_last
                  and p.b_first <= b.tgt[-1] and b.tgt[0] <= p.b_last]
        if not inside:
            out.append(p)
            continue
        lo, hi = min(inside), max(inside)
        while lo > 0 and _good(beads[lo - 1], min_cos):
            lo -= 1
        while hi + 1 < len(beads) and _good(beads[hi + 1], min_cos):
            hi += 1
        run = [b for b in beads[lo : hi + 1] if b.src and b.tgt]
        out.append(Link(
            p.a, min(p.a_first, run[0].src[0]), max(p.a_last, run[-1].src[-1]),
            p.b, min(p.b_first, run[0].tgt[0]), max(p.b_last, run[-1].tgt[-1]),
            p.score, p.weight, p.margin, p.cross,
        ))
    return out


def _good(bead: Bead, min_cos: float) -> bool:
    return bool(bead.src) and bool(bead.tgt) and bead.score >= min_cos
