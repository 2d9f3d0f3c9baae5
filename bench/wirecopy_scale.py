"""The MinHash stage of the wire-copy finder alone, timed on many synthetic passages (``--scale N``).

Kept apart from the collection benchmark because it measures something else: whether the
monolingual stage keeps up at 100,000 passages and how much memory it holds, on
passages generated from the shared data's word frequencies, with no ground truth
collection and no model. :func:`run_scale` returns the record, :func:`print_scale`
prints it.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from typing import Any

from bench.wirecopy_run import versions


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

    from bench.wirecopy_corpora import load_corpora

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
