"""From matched units to maximal shared passages, and from passages to clusters.

A *link* says "sentences ``a_first..a_last`` of document ``a`` match sentences
``b_first..b_last`` of document ``b``". Links between the same two documents that touch
or overlap on both sides (allowing ``gap`` unmatched sentences, e.g. one the editor
rewrote) are one passage. Passages that cover largely the same sentences of a document
belong to the same copy, so their members are united into one cluster (a story
reprinted by three outlets is one cluster with three members).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from align.types import Document
from align.wirecopy.report import Cluster, Member


@dataclass(frozen=True)
class Link:
    """Matched sentence ranges (inclusive) of two documents, with a score in [0, 1].

    ``weight`` (sentences covered) weighs the link when merged links are averaged;
    ``margin`` is the cross-lingual margin score (for monolingual links: the shingle
    Jaccard); ``cross`` tells which of the two a link is.
    """

    a: int
    a_first: int
    a_last: int
    b: int
    b_first: int
    b_last: int
    score: float
    weight: float = 1.0
    margin: float = 0.0
    cross: bool = False


def merge_links(links: list[Link], gap: int) -> list[Link]:
    """Merge the links of each document pair into maximal passages (score: weighted mean)."""
    by_pair: dict[tuple[int, int, bool], list[Link]] = {}
    for link in links:
        by_pair.setdefault((link.a, link.b, link.cross), []).append(link)
    merged: list[Link] = []
    for group in by_pair.values():
        group.sort(key=lambda x: (x.a_first, x.b_first))
        open_: list[list[Link]] = []
        for link in group:
            for run in open_:
                a_end = max(x.a_last for x in run)
                b_lo, b_hi = min(x.b_first for x in run), max(x.b_last for x in run)
                if link.a_first <= a_end + 1 + gap and b_lo - 1 - gap <= link.b_first <= b_hi + 1 + gap:
                    run.append(link)
                    break
            else:
                open_.append([link])
        for run in open_:
            total = sum(x.weight for x in run)
            merged.append(Link(
                run[0].a, min(x.a_first for x in run), max(x.a_last for x in run),
                run[0].b, min(x.b_first for x in run), max(x.b_last for x in run),
                sum(x.score * x.weight for x in run) / total, total,
                sum(x.margin * x.weight for x in run) / total, run[0].cross,
            ))
    return merged


def member_of(docs: list[Document], d: int, first: int, last: int) -> Member:
    """The member for sentences ``first..last`` of document ``d``, with its character span."""
    doc = docs[d]
    start, end = doc.sentences[first].start, doc.sentences[last].end
    return Member(doc.name, doc.lang, first, last, start, end, doc.text[start:end])


def clusters_from(
    docs: list[Document], passages: list[Link], kind_of: Callable[[set[str]], str],
    details: Callable[[list[Link]], dict[str, float]] | None = None, min_overlap: float = 0.75,
) -> list[Cluster]:
    """Group passages into clusters: two passages are one copy when their ranges in some
    document overlap by at least ``min_overlap`` of the shorter range.

    A looser rule lets one imprecise boundary chain unrelated copies into one cluster:
    with any shared sentence, or with half of a two-sentence passage, a cross-lingual
    pair that reaches one sentence into a neighbouring copy joined the two copies, and
    every pair of their members was reported (wire-copy benchmark v2, five seeds:
    translated precision 0.921 -> 0.941 and edited 0.973 -> 0.983 going from 1/2 to 3/4,
    recall unchanged; ``bench/RESULTS.md``).
    """
    ends: list[tuple[int, int, int]] = []  # (doc, first, last) of each passage end
    for p in passages:
        ends.append((p.a, p.a_first, p.a_last))
        ends.append((p.b, p.b_first, p.b_last))
    parent = list(range(len(ends)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[rx] = ry

    for k in range(len(passages)):
        union(2 * k, 2 * k + 1)
    by_doc: dict[int, list[int]] = {}
    for k, (d, _, _) in enumerate(ends):
        by_doc.setdefault(d, []).append(k)
    for members in by_doc.values():
        members.sort(key=lambda k: ends[k][1])
        for i, x in enumerate(members):
            _, lo_x, hi_x = ends[x]
            for y in members[i + 1 :]:
                _, lo_y, hi_y = ends[y]
                if lo_y > hi_x:
                    break
                shared = min(hi_x, hi_y) - lo_y + 1
                if shared >= min_overlap * min(hi_x - lo_x + 1, hi_y - lo_y + 1):
                    union(x, y)

    groups: dict[int, list[int]] = {}
    for k in range(len(ends)):
        groups.setdefault(find(k), []).append(k)
    clusters = []
    for group in groups.values():
        spans: dict[int, list[list[int]]] = {}
        for k in sorted(group, key=lambda k: ends[k]):
            d, lo, hi = ends[k]
            runs = spans.setdefault(d, [])
            if runs and lo <= runs[-1][1]:
                runs[-1][1] = max(runs[-1][1], hi)
            else:
                runs.append([lo, hi])
        members = tuple(member_of(docs, d, lo, hi) for d in sorted(spans) for lo, hi in spans[d])
        links = [passages[k // 2] for k in group if k % 2 == 0]
        total = sum(p.weight for p in links)
        score = sum(p.score * p.weight for p in links) / total
        clusters.append(Cluster(kind_of({m.lang for m in members}), score, members, details(links) if details else {}))
    clusters.sort(key=lambda c: (c.members[0].doc, c.members[0].start))
    return clusters
