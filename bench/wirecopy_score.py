"""Scoring a wire-copy finder's clusters against the collection's ground truth, passage by passage.

Kept apart from running the finder and printing the figures because the scoring is
what the benchmark's numbers mean, and the tests check it on its own (the truth itself
as predictions must score 1, a wrong pair must cost precision of the kind it claims):
the predicted pairs a cluster stands for, the match rule (both members cover at least
``cover`` of the true passage), precision and recall per kind, the false positives by
cause, and the targets each kind must meet. The rule is spelt out in the docstring of
``bench/wirecopy.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from align.wirecopy.report import Cluster, Member
from bench.wirecopy_truth import KINDS, Benchmark, Span, TruePair

TARGETS = {"verbatim": (0.95, 0.95), "edited": (0.95, 0.95), "translated": (0.90, 0.90)}


# --------------------------------------------------------------------------- predictions


@dataclass(frozen=True)
class PredictedPair:
    """Two members of one reported cluster, in different documents."""

    a: Any
    b: Any
    cluster_kind: str


def predicted_pairs(clusters: Iterable[Any]) -> list[PredictedPair]:
    """Every pair of members in different documents, once (identical pairs across clusters once)."""
    seen, out = set(), []
    for c in clusters:
        members = list(c.members)
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                a, b = members[i], members[j]
                if a.doc == b.doc:
                    continue
                if (a.doc, a.start) > (b.doc, b.start):
                    a, b = b, a
                key = (a.doc, a.start, a.end, b.doc, b.start, b.end)
                if key not in seen:
                    seen.add(key)
                    out.append(PredictedPair(a, b, c.kind))
    return out


def oracle_clusters(bench: Benchmark) -> list[Cluster]:
    """The truth as a finder would report it: one cluster per copy event."""
    texts = {d.name: d.text for d in bench.documents}
    out = []
    for e in bench.events:
        members = tuple(Member(s.doc, s.lang, s.first, s.last, s.start, s.end, texts[s.doc][s.start : s.end])
                        for s in e.members)
        kind = "cross-lingual" if len({m.lang for m in members}) > 1 else "monolingual"
        out.append(Cluster(kind, 1.0, members))
    return out


# --------------------------------------------------------------------------- scoring


def _overlap(m: Any, s: Span) -> int:
    return max(0, min(m.end, s.end) - max(m.start, s.start))


def _cover(m: Any, s: Span) -> float:
    return _overlap(m, s) / max(1, s.end - s.start)


def _iou(m: Any, s: Span) -> float:
    inter = _overlap(m, s)
    return inter / max(1, (m.end - m.start) + (s.end - s.start) - inter)


def _oriented(p: PredictedPair, t: TruePair) -> tuple[Any, Any]:
    """The predicted members in the order of the true pair's (a, b)."""
    return (p.a, p.b) if p.a.doc == t.a.doc else (p.b, p.a)


def _norm(text: str) -> str:
    return " ".join(text.split())


def score(bench: Benchmark, clusters: Iterable[Any], cover: float = 0.5) -> dict[str, Any]:
    """Precision, recall and counts per kind and overall, with a breakdown of the false positives."""
    preds = predicted_pairs(clusters)
    truth_by_docs: dict[frozenset[str], list[int]] = {}
    for i, t in enumerate(bench.pairs):
        truth_by_docs.setdefault(frozenset((t.a.doc, t.b.doc)), []).append(i)
    distractor_spans: dict[str, list[tuple[str, Span]]] = {}
    for d in bench.distractors:
        for s in d.spans:
            distractor_spans.setdefault(s.doc, []).append((d.kind, s))

    matched_truth = [False] * len(bench.pairs)
    tp = {k: 0 for k in KINDS}
    fp = {k: 0 for k in KINDS}
    fp_why: dict[str, dict[str, int]] = {k: {} for k in KINDS}
    ious: dict[str, list[float]] = {k: [] for k in KINDS}
    fp_examples: list[dict[str, Any]] = []
    for p in preds:
        best, best_cover, fragment_of = None, 0.0, None
        for i in truth_by_docs.get(frozenset((p.a.doc, p.b.doc)), []):
            t = bench.pairs[i]
            ma, mb = _oriented(p, t)
            c = min(_cover(ma, t.a), _cover(mb, t.b))
            if c >= cover:
                matched_truth[i] = True
                if c > best_cover:
                    best, best_cover = i, c
            elif _overlap(ma, t.a) and _overlap(mb, t.b) and fragment_of is None:
                fragment_of = i
        if best is not None:
            t = bench.pairs[best]
            ma, mb = _oriented(p, t)
            tp[t.kind] += 1
            ious[t.kind].append((_iou(ma, t.a) + _iou(mb, t.b)) / 2)
            continue
        if p.a.lang != p.b.lang:
            kind = "translated"
        elif fragment_of is not None:
            kind = bench.pairs[fragment_of].kind
        else:
            kind = "verbatim" if _norm(p.a.text) == _norm(p.b.text) else "edited"
        why = "fragment of a true copy" if fragment_of is not None else _what_it_hit(p, distractor_spans)
        fp[kind] += 1
        fp_why[kind][why] = fp_why[kind].get(why, 0) + 1
        if len(fp_examples) < 20:
            fp_examples.append({"kind": kind, "why": why, "a": _brief(p.a), "b": _brief(p.b)})

    per_kind: dict[str, Any] = {}
    for k in KINDS:
        n_true = sum(t.kind == k for t in bench.pairs)
        found = sum(m for m, t in zip(matched_truth, bench.pairs) if t.kind == k)
        per_kind[k] = _figures(tp[k], fp[k], found, n_true)
        per_kind[k]["false_positives_by_cause"] = dict(sorted(fp_why[k].items()))
        # a diagnostic, not the figure: the precision if boilerplate pairs were not counted
        bp = fp_why[k].get("boilerplate", 0)
        per_kind[k]["precision_without_boilerplate"] = round(tp[k] / (tp[k] + fp[k] - bp), 4) if tp[k] + fp[k] - bp else None
        per_kind[k]["mean_char_iou_of_matches"] = round(sum(ious[k]) / len(ious[k]), 4) if ious[k] else None
        per_kind[k]["recall_by_sentences"] = _recall_by_length(bench.pairs, matched_truth, k)
    overall = _figures(sum(tp.values()), sum(fp.values()), sum(matched_truth), len(bench.pairs))
    missed = [_brief_pair(t) for m, t in zip(matched_truth, bench.pairs) if not m][:20]
    return {"kinds": per_kind, "overall": overall, "predicted_pairs": len(preds), "cover": cover,
            "false_positive_examples": fp_examples, "missed_examples": missed}


def _figures(tp: int, fp: int, found: int, n_true: int) -> dict[str, Any]:
    return {
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(found / n_true, 4) if n_true else None,
        "true_pairs": n_true, "found": found, "predicted": tp + fp, "correct": tp, "false_positives": fp,
    }


def _recall_by_length(pairs: Sequence[TruePair], matched: list[bool], kind: str) -> dict[str, str]:
    out: dict[int, list[int]] = {}
    for m, t in zip(matched, pairs):
        if t.kind == kind:
            x = out.setdefault(t.sentences, [0, 0])
            x[0] += m
            x[1] += 1
    return {str(n): f"{f}/{t}" for n, (f, t) in sorted(out.items())}


def _what_it_hit(p: PredictedPair, spans: dict[str, list[tuple[str, Span]]]) -> str:
    """The distractor kind both members overlap (boilerplate, same-topic, shared phrase), or "other"."""
    hits_a = {k for k, s in spans.get(p.a.doc, []) if _overlap(p.a, s)}
    hits_b = {k for k, s in spans.get(p.b.doc, []) if _overlap(p.b, s)}
    both = sorted(hits_a & hits_b)
    return both[0] if both else "other"


def _brief(m: Any) -> dict[str, Any]:
    return {"doc": m.doc, "start": m.start, "end": m.end, "text": _norm(m.text)[:160]}


def _brief_pair(t: TruePair) -> dict[str, Any]:
    return {"kind": t.kind, "event": t.event, "sentences": t.sentences,
            "a": {"doc": t.a.doc, "start": t.a.start, "end": t.a.end},
            "b": {"doc": t.b.doc, "start": t.b.start, "end": t.b.end}}



def misses(r: dict[str, Any]) -> list[str]:
    """The kinds whose precision or recall is below target in one run."""
    out = []
    for k, (p, rec) in TARGETS.items():
        s = r["kinds"][k]
        if (s["precision"] is not None and s["precision"] < p) or (s["recall"] or 0) < rec:
            out.append(k)
    return out
