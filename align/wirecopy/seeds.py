"""From scored sentence pairs to matched runs: mutual best seeds, grown along diagonals.

The last step of the cross-lingual passage search, shared by ``align dedup``
(:mod:`align.wirecopy.crosslingual`) and the index's ``--cross-lingual`` lookups
(:mod:`align.index.crosslingual`), so that both find the same passages by the same rules:

1. **Seeds.** Among the candidate pairs of two documents, a pair is *mutual best* when
   each sentence is the other's best-margin partner. A mutual best pair is a seed when
   its margin is clear (``seed_margin``), or merely good (``support_margin``) with another
   mutual best pair on the same diagonal within ``support_distance`` sentences: chance
   rarely puts two on one diagonal of two documents.
2. **Growth.** From every seed, step along its diagonal in both directions while the next
   pair scores ``extend_margin`` or more, bridging one weak (or unscorable) pair when the
   pair beyond it is good. Translated passages run in parallel, so this finds the
   sentences whose own neighbourhoods were too crowded to make them seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

__all__ = ["Matched", "grow_along_diagonals", "mutual_seeds"]

#: Matched pairs of two documents: source sentence -> (target sentence, margin, cosine).
Matched = dict[int, tuple[int, float, float]]


def mutual_seeds(rows: Iterable[tuple[Hashable, int, int, float, float]], seed_margin: float,
                 support_margin: float, support_distance: int) -> dict[Hashable, Matched]:
    """The seeds among ``rows`` (``(key, sa, sb, margin, cosine)``, ``key`` naming the two
    documents), per key, in the order their keys first occur (module docstring, step 1)."""
    rows = list(rows)
    best_a: dict[tuple[Hashable, int], tuple[float, int]] = {}
    best_b: dict[tuple[Hashable, int], tuple[float, int]] = {}
    for key, sa, sb, m, _ in rows:
        if m > best_a.get((key, sa), (-1.0, -1))[0]:
            best_a[(key, sa)] = (m, sb)
        if m > best_b.get((key, sb), (-1.0, -1))[0]:
            best_b[(key, sb)] = (m, sa)
    mutual: dict[Hashable, Matched] = {}
    for key, sa, sb, m, c in rows:
        if best_a[(key, sa)][1] == sb and best_b[(key, sb)][1] == sa:
            mutual.setdefault(key, {})[sa] = (sb, m, c)
    seeds: dict[Hashable, Matched] = {}
    for key, found in mutual.items():
        for sa, (sb, m, c) in found.items():
            if m >= seed_margin or (m >= support_margin and any(
                0 < abs(sa2 - sa) <= support_distance and sb2 - sa2 == sb - sa
                for sa2, (sb2, _, _) in found.items()
            )):
                seeds.setdefault(key, {})[sa] = (sb, m, c)
    return seeds


def grow_along_diagonals(matched: Matched, pair_score: Callable[[int, int], tuple[float, float] | None],
                         extend_margin: float) -> None:
    """Grow the seeds in ``matched`` in place along their diagonals (module docstring,
    step 2). ``pair_score(sa, sb)`` is the (margin, cosine) of a pair, None when it cannot
    be scored (a sentence the search left out, or past a document's end)."""
    used_b = {sb for sb, _, _ in matched.values()}
    for sa, (sb, _, _) in sorted(matched.items()):
        for step in (1, -1):
            na, nb = sa + step, sb + step
            while na not in matched and nb not in used_b and na >= 0 and nb >= 0:
                scored = pair_score(na, nb)
                if scored is not None and scored[0] >= extend_margin:
                    matched[na] = (nb, *scored)
                    used_b.add(nb)
                    na, nb = na + step, nb + step
                    continue
                # bridge one weak pair, or one the search leaves out (a line too short to
                # embed reliably: "No result from Sid."), when the pair beyond it is good;
                # then go on extending from there
                na2, nb2 = na + step, nb + step
                if na2 in matched or nb2 in used_b or na2 < 0 or nb2 < 0:
                    break
                beyond = pair_score(na2, nb2)
                if beyond is None or beyond[0] < extend_margin:
                    break
                if scored is not None:
                    matched[na] = (nb, *scored)
                    used_b.add(nb)
                matched[na2] = (nb2, *beyond)
                used_b.add(nb2)
                na, nb = na2 + step, nb2 + step
