"""Scale figures: batch throughput (local vs Ray, 1 and 2 workers) and the wire-copy index
(insert and query rates, memory) with a million synthetic passages, in memory and in Redis.

    python -m bench.scale                       # everything: 200 pairs, 1,000,000 passages
    python -m bench.scale --pairs 50 --passages 100000
    python -m bench.scale --skip-batch --redis redis://localhost:6379/15

Batch: ``--pairs`` real pairs cut from the dev sets (``scale_data.write_pairs``), aligned
with ``--presegmented --format tsv --no-cache`` by each engine; every run's outputs are
compared byte for byte with the first (local, 1 worker), the reference for the ratios.
Ray's start-up (``ray.init``) is timed apart from the run.

Index: documents of 10 synthetic sentences (Zipf words, ``scale_data.synthetic_sentences``)
give 27 passages each (sentences and windows of 2 and 3). Their signatures are computed
once (timed: "hashing"), then put into each store (timed: "insert"); "memory" is the
growth of this process's RSS for the in-memory index and of Redis' ``used_memory`` for
Redis. Queries: ``--queries`` new documents (half of them edited copies of indexed ones),
one ``WireCopyIndex.query`` call per document, as ``align index query`` does. The
in-memory index is then saved to its file (format 2: a zip of arrays and JSON) and loaded
again in this process ("reading" the file, then "LSH rebuilt" from the stored
signatures), and the queries are repeated on the loaded index.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/scale.py: run it from the repository root as a module: python -m bench.scale")

from align.batch import BatchOptions, read_manifest, run_batch
from align.index import FileStore, IndexSettings, RedisStore, WireCopyIndex
from align.settings import AlignSettings
from align.types import Document, Sentence
from bench.scale_data import synthetic_sentences, write_pairs

SENTENCES_PER_DOC = 10


def rss_mb() -> float:
    """Resident memory of this process now (Linux), in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# --- batch --------------------------------------------------------------------------------


def bench_batch(n_pairs: int, work: Path) -> None:
    manifest = write_pairs(work / "pairs", n_pairs)
    pairs = read_manifest(str(manifest))
    options = BatchOptions(fmt="tsv", settings=AlignSettings(presegmented=True, cache=False))
    print(f"batch: {n_pairs} pairs (dev-set chunks + the sample pair), presegmented, tsv, no embedding cache")
    print(f"{'engine':<8} {'workers':>7} {'seconds':>8} {'pairs/s':>8} {'sent/s':>8} {'vs local-1':>10}  outputs")
    reference: dict[str, bytes] | None = None
    base = 0.0
    runs = [("local", 1), ("local", 2), ("ray", 1), ("ray", 2)]
    ray_started = False
    for engine, workers in runs:
        if engine == "ray" and not ray_started:
            import ray

            t = time.perf_counter()
            ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
            print(f"(ray.init, local 2-CPU instance: {time.perf_counter() - t:.1f} s, not counted below)")
            ray_started = True
        out = work / f"out-{engine}-{workers}"
        t = time.perf_counter()
        summary = run_batch(pairs, str(out), options, engine=engine, workers=workers)
        seconds = time.perf_counter() - t
        assert summary.done == n_pairs and not summary.failed, summary.format()
        made = outputs(out)
        if reference is None:
            reference, base = made, seconds
        same = "identical" if made == reference else "DIFFERENT"
        print(f"{engine:<8} {workers:>7} {seconds:>8.1f} {n_pairs / seconds:>8.1f} "
              f"{summary.sentences / seconds:>8.0f} {base / seconds:>9.2f}x  {same}")
    if ray_started:
        import ray

        ray.shutdown()


# --- index --------------------------------------------------------------------------------


def synthetic_docs(n_docs: int, seed: int, prefix: str) -> list[Document]:
    """Segmented documents of synthetic sentences (one per line), built without the segmenter."""
    sents = synthetic_sentences(n_docs * SENTENCES_PER_DOC, seed=seed)
    docs = []
    for d in range(n_docs):
        lines = [" ".join(w) for w in sents[d * SENTENCES_PER_DOC:(d + 1) * SENTENCES_PER_DOC]]
        docs.append(_document(lines, f"{prefix}{d:07d}"))
    return docs


def _document(lines: list[str], name: str) -> Document:
    spans, pos = [], 0
    for i, line in enumerate(lines):
        spans.append(Sentence(i, pos, pos + len(line), line))
        pos += len(line) + 1
    return Document("\n".join(lines), "de", name, tuple(spans))


def edited_copy(doc: Document, rng: random.Random, name: str) -> Document:
    """A reprint of sentences 2..6 of ``doc`` among new text, with a word dropped per sentence."""
    fresh = [s.text for s in synthetic_docs(1, rng.randrange(1 << 30), "x")[0].sentences]
    copied = []
    for s in doc.sentences[2:7]:
        words = s.text.split()
        del words[rng.randrange(len(words))]
        copied.append(" ".join(words))
    return _document(fresh[:3] + copied + fresh[3:5], name)


def bench_index(n_passages: int, n_queries: int, redis_url: str | None, work: Path, memory: bool = True) -> None:
    settings = IndexSettings()
    per_doc = 3 * SENTENCES_PER_DOC - 3
    n_docs = max(1, n_passages // per_doc)
    print(f"\nindex: {n_docs:,} synthetic documents x {per_doc} passages = {n_docs * per_doc:,} passages "
          f"(LSH threshold {settings.config.threshold}, {settings.config.num_perm} permutations)")
    t = time.perf_counter()
    docs = synthetic_docs(n_docs, seed=0, prefix="d")
    print(f"generating documents: {time.perf_counter() - t:.1f} s")
    rng = random.Random(1)
    queries = [edited_copy(docs[rng.randrange(n_docs)], rng, f"q{i}") if i % 2 == 0
               else synthetic_docs(1, 10_000 + i, f"q{i}-")[0] for i in range(n_queries)]

    stores = [("memory", lambda: FileStore(work / "scale.index", writable=True))] if memory else []
    if redis_url:
        stores.append(("redis", lambda: RedisStore(redis_url, name=f"align-scale-{os.getpid()}")))
    prepared = None
    for label, make in stores:
        store = make()
        index = WireCopyIndex(store, settings)
        if prepared is None:  # hash once; both stores get the same passages
            from align.index.archive import digest
            from align.wirecopy.monolingual import sentence_words

            t = time.perf_counter()
            doc_words = sentence_words(docs)
            units, shingles, signatures = index._passages(docs, doc_words)
            hashing = time.perf_counter() - t
            print(f"hashing (words, shingles, MinHash): {hashing:.1f} s = {len(units) / hashing:,.0f} passages/s")
            records = {d: {"path": doc.name, "lang": doc.lang, "digest": digest(doc),
                           "spans": [x for s in doc.sentences for x in (s.start, s.end)]}
                       for d, doc in enumerate(docs)}
            keys = [f"{u.doc}:{u.first}:{u.last}" for u in units]
            prepared = (records, keys, shingles, signatures)
            del doc_words, units
        records, keys, shingles, signatures = prepared
        mem0 = rss_mb() if label == "memory" else _redis_used_mb(store)
        t = time.perf_counter()
        store.new_doc_ids(len(records))
        store.put(records, keys, shingles, signatures)
        insert = time.perf_counter() - t
        mem = (rss_mb() if label == "memory" else _redis_used_mb(store)) - mem0
        t = time.perf_counter()
        found = sum(len(r.matches) for q in queries for r in index.query([q]))
        query = time.perf_counter() - t
        copies = sum(1 for i in range(n_queries) if i % 2 == 0)
        print(f"{label}: insert {insert:.1f} s = {len(keys) / insert:,.0f} passages/s; "
              f"memory {mem:,.0f} MB = {mem * 1e6 / len(keys):,.0f} bytes/passage")
        print(f"{label}: {n_queries} query documents ({per_doc} passages each) in {query:.2f} s = "
              f"{query / n_queries * 1000:.1f} ms per document, {n_queries * per_doc / query:,.0f} passages/s; "
              f"{found} passages found for {copies} edited copies")
        if label == "memory":
            t = time.perf_counter()
            store.save()
            save = time.perf_counter() - t
            size = (work / "scale.index").stat().st_size / 1e6
            store.close()
            del index, store
            t = time.perf_counter()
            loaded_store = FileStore(work / "scale.index")
            read = time.perf_counter() - t
            loaded = WireCopyIndex(loaded_store)  # rebuilds the LSH buckets from the stored signatures
            load = time.perf_counter() - t
            again = sum(len(r.matches) for q in queries for r in loaded.query([q]))
            print(f"memory: saved to one file in {save:.1f} s ({size:,.0f} MB), loaded in {load:.1f} s "
                  f"(reading {read:.1f} s, LSH rebuilt in {load - read:.1f} s); "
                  f"{again} passages found after loading ({'same' if again == found else 'DIFFERENT'})")
            loaded.close()
            del loaded, loaded_store
        else:
            _redis_drop(store)
            store.close()


def _redis_used_mb(store: RedisStore) -> float:
    return int(store.r.info("memory")["used_memory"]) / 1e6


def _redis_drop(store: RedisStore) -> None:
    keys = list(store.r.scan_iter(match=f"{store.name}:*", count=100_000))
    for start in range(0, len(keys), 10_000):
        store.r.unlink(*keys[start:start + 10_000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=200, help="pairs in the batch (at most ~330)")
    parser.add_argument("--passages", type=int, default=1_000_000, help="passages in the index")
    parser.add_argument("--queries", type=int, default=200, help="documents queried against the index")
    parser.add_argument("--redis", default="redis://localhost:6379/15", help="Redis URL ('' to skip Redis)")
    parser.add_argument("--redis-passages", type=int, default=None,
                        help="passages in the Redis index (default: --passages; Redis needs ~8 KB each)")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-index", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    work = Path(tempfile.mkdtemp(prefix="align-scale-"))
    try:
        if not args.skip_batch:
            bench_batch(args.pairs, work)
        if not args.skip_index:
            redis_n = args.redis_passages or args.passages
            if args.redis and redis_n != args.passages:
                bench_index(args.passages, args.queries, None, work)
                bench_index(redis_n, args.queries, args.redis, work, memory=False)
            else:
                bench_index(args.passages, args.queries, args.redis or None, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
