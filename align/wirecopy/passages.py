"""From matched units to maximal shared passages, and from passages to clusters.

A *link* says "sentences ``a_first..a_last`` of document ``a`` match sentences
``b_first..b_last`` of document ``b``". Links between the same two documents that touch
or overlap on both sides (allowing ``gap`` unmatched sentences, e.g. one the editor
rewrote) are one passage. Passages that share sentences of a document belong to the same
copy, so their members are united into one cluster (a story reprinted by three outlets
is one cluster with three members).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from align.types import Document
from align.wirecopy.types import Cluster, Member


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
    details: Callable[[list[Link]], dict[str, float]] | None = None,
) -> list[Cluster]:
    """Group passages whose members overlap in some document into clusters."""
    # Interval union per document: every member range becomes a node.
    ranges: dict[int, list[tuple[int, int]]] = {}
    for p in passages:
        ranges.setdefault(p.a, []).append((p.a_first, p.a_last))
        ranges.setdefault(p.b, []).append((p.b_first, p.b_last))
    nodes: dict[int, list[list[int]]] = {}
    for d, spans in ranges.items():
        spans.sort()
        out: list[list[int]] = []
        for lo, hi in spans:
            if out and lo <= out[-1][1]:
                out[-1][1] = max(out[-1][1], hi)
            else:
                out.append([lo, hi])
        nodes[d] = out

    def node(d: int, first: int) -> tuple[int, int]:
        for k, (lo, hi) in enumerate(nodes[d]):
            if lo <= first <= hi:
                return d, k
        raise AssertionError("range not in its document's nodes")

    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(x: tuple[int, int]) -> tuple[int, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in passages:
        ra, rb = find(node(p.a, p.a_first)), find(node(p.b, p.b_first))
        if ra != rb:
            parent[ra] = rb
    groups: dict[tuple[int, int], list[Link]] = {}
    for p in passages:
        groups.setdefault(find(node(p.a, p.a_first)), []).append(p)
    clusters = []
    for root, group in groups.items():
        keys = sorted({node(p.a, p.a_first) for p in group} | {node(p.b, p.b_first) for p in group})
        members = tuple(member_of(docs, d, *nodes[d][k]) for d, k in keys)
        total = sum(p.weight for p in group)
        score = sum(p.score * p.weight for p in group) / total
        clusters.append(Cluster(kind_of({m.lang for m in members}), score, members, details(group) if details else {}))
    clusters.sort(key=lambda c: (c.members[0].doc, c.members[0].start))
    return clusters
