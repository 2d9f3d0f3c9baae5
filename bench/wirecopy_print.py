"""Printing the wire-copy benchmark's records as tables: one run, or one row per seed with the means.

Kept apart from running and scoring so that the figures a record holds and the way they
are laid out can change independently; ``--json`` prints the same records unformatted.
"""

from __future__ import annotations

import json
from typing import Any

from bench.wirecopy_score import misses
from bench.wirecopy_truth import KINDS


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


def print_seeds(runs: list[dict[str, Any]]) -> None:
    """One row per seed (P / R of each kind, the kinds below target), then the means."""
    print(f"wire-copy benchmark over {len(runs)} seeds — finder: {runs[0]['finder']}")
    print(f"{'seed':>6}  " + "  ".join(f"{k + ' P / R':>18}" for k in KINDS) + "  s per 1,000  below target")
    for r in runs:
        cells = "  ".join(f"{_fmt(r['kinds'][k]['precision']).strip():>8} / {_fmt(r['kinds'][k]['recall']).strip():<7}"
                          for k in KINDS)
        print(f"{r['dataset']['seed']:>6}  {cells}  {r['timing']['seconds_per_1000_passages']:>11}  "
              f"{', '.join(misses(r)) or '-'}")

    def mean(k: str, key: str) -> str:
        values = [r["kinds"][k][key] for r in runs if r["kinds"][k][key] is not None]
        return f"{sum(values) / len(values):.3f}" if values else "-"

    print(f"{'mean':>6}  " + "  ".join(f"{mean(k, 'precision'):>8} / {mean(k, 'recall'):<7}" for k in KINDS))

