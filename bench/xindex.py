"""Time per ``align index query --cross-lingual`` at 100,000 indexed sentences, against brute force.

    python -m bench.xindex [--size 100000] [--queries 5]

The indexed side: the real English and French sentences of ../shared/data (Tom Sawyer,
Text+Berg), embedded with the default encoder as ``align index add --cross-lingual`` does,
in 30-sentence documents; the rest up to ``--size`` are random unit vectors, int8 like the
real ones. Embedding 100,000 sentences takes about 2.5 minutes per 100,000 sentence
encodes on this 2-core machine (mining vectors encode each sentence three times: about
650 sentences/s), and the shared data has about 6,000 real sentences, so the random rows
are stated in the output. Random 1536-dimensional vectors are about orthogonal to
everything: they make the graph's search harder (no clusters to descend), never easier.

The queries: 30-sentence German documents of Tom Sawyer, whose English originals are
indexed. Each is looked up with :func:`align.index.crosslingual.translated_passages`
twice, once through the usearch graph and once with a brute-force numpy product over
every indexed vector (the same code with the graph's search swapped), and the passages
found are compared. Printed: the build and load times, each query's time both ways, the
ratio, and the graph's agreement with the exact neighbours.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from align.index.crosslingual import eligible, sentence_vectors, translated_passages
from align.index.vectors import LanguageVectors, cosines, quantize
from align.types import Document
from align.wirecopy.finder import WireCopyConfig, prepare_document

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
DOC = 30  # sentences per synthetic document


class BruteVectors(LanguageVectors):
    """The same vectors, searched by a numpy product over all of them (float32 unit rows made
    once, as a brute-force search would keep them), the top ``k`` then rescored exactly as the
    graph's are."""

    def __init__(self, dims: int, vectors: np.ndarray, owners: np.ndarray) -> None:
        super().__init__(dims, vectors, owners)
        unit = vectors.astype(np.float32)
        self.unit = unit / np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        rows = np.full((len(queries), k), -1, np.int64)
        cos = np.full((len(queries), k), -np.inf)
        if len(queries) and len(self.vectors):
            q = queries.astype(np.float32)
            sims = (q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)) @ self.unit.T
            kk = min(k, sims.shape[1])
            top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
            for i in range(len(q)):
                c = cosines(queries[i:i + 1], self.vectors[top[i]])[0]
                order = np.lexsort((top[i], -c))
                rows[i, :kk], cos[i, :kk] = top[i][order], c[order]
        return rows, cos


def _docs(lines: list[str], lang: str, name: str) -> list[Document]:
    return [prepare_document(Document("\n".join(lines[i:i + DOC]), lang, path=f"{name}-{i // DOC}"))
            for i in range(0, len(lines), DOC)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="indexed sentences (real ones, then random)")
    parser.add_argument("--queries", type=int, default=5, help="German documents looked up")
    args = parser.parse_args()
    from align.embed import load_encoder

    config = WireCopyConfig()
    encoder = load_encoder("use-m3", cache=True)
    read = lambda p: [x for x in (DATA / p).read_text(encoding="utf-8").splitlines() if x.strip()]  # noqa: E731
    indexed = _docs(read("tomsawyer-val/en.txt"), "en", "tom-en") + _docs(read("textberg-dev/dev.fr"), "fr", "tb-fr")
    queries = _docs(read("tomsawyer-val/de.txt"), "de", "tom-de")[:args.queries]

    t = time.perf_counter()
    vectors, owners, lengths = [], [], []
    for d, doc in enumerate(indexed):
        ids = eligible(doc, config)
        vectors.append(sentence_vectors(encoder, doc, ids, config.half_weight))
        owners += [[d, s] for s in ids]
        lengths += [doc.sentences[s].end - doc.sentences[s].start for s in ids]
    real = sum(len(v) for v in vectors)
    embed_s = time.perf_counter() - t
    dims = vectors[0].shape[1]
    rng = np.random.default_rng(0)
    fill = max(0, args.size - real)
    noise = rng.standard_normal((fill, dims)).astype(np.float32)
    vectors.append(quantize(noise / np.linalg.norm(noise, axis=1, keepdims=True)))
    first = len(indexed)
    owners += [[first + i // DOC, i % DOC] for i in range(fill)]
    lengths = np.array(lengths + rng.integers(40, 200, fill).tolist(), dtype=np.float64)
    all_vectors, all_owners = np.concatenate(vectors), np.array(owners, np.int64)
    print(f"indexed sentences: {len(all_vectors)} ({real} real en/fr sentences embedded in {embed_s:.1f} s, "
          f"{fill} random unit vectors); {dims} dimensions, int8")

    t = time.perf_counter()
    graph = LanguageVectors(dims)
    graph.add(all_vectors, all_owners)
    build_s = time.perf_counter() - t
    blob = graph.blob()
    t = time.perf_counter()
    graph = LanguageVectors.from_blob(blob, all_owners, dims)  # as a query loads it: checked, then restored
    load_s = time.perf_counter() - t
    brute = BruteVectors(dims, graph.vectors, graph.owners)
    print(f"graph: built in {build_s:.1f} s (2 threads), {len(blob) / 2**20:.0f} MiB in the index file, "
          f"checked and loaded in {load_s:.2f} s")

    def lookup(store: LanguageVectors, doc: Document, ids: list[int], qvec: np.ndarray) -> tuple[float, list]:
        t = time.perf_counter()
        found = translated_passages(doc, ids, qvec, store, None, lambda rows: lengths[rows], lambda d: False, config)
        return time.perf_counter() - t, [(p.a_first, p.a_last, p.b, p.b_first, p.b_last) for p in found]

    ann_t, brute_t, same, hits, top1 = [], [], 0, 0, []
    for doc in queries:
        ids = eligible(doc, config)
        qvec = sentence_vectors(encoder, doc, ids, config.half_weight)
        lookup(graph, doc, ids, qvec)  # warm-up
        a_s, a_found = lookup(graph, doc, ids, qvec)
        b_s, b_found = lookup(brute, doc, ids, qvec)
        ann_t.append(a_s)
        brute_t.append(b_s)
        same += a_found == b_found
        hits += bool(a_found)
        top1.append(float((graph.search(qvec, 1)[0] == brute.search(qvec, 1)[0]).mean()))
        print(f"  {doc.name} ({len(ids)} sentences): graph {a_s * 1000:.0f} ms, brute force {b_s * 1000:.0f} ms, "
              f"{len(a_found)} passages ({'same' if a_found == b_found else 'DIFFERENT'} both ways)")
    a, b = float(np.median(ann_t)), float(np.median(brute_t))
    print(f"time per cross-lingual query at {len(all_vectors)} indexed sentences (median of {len(queries)}, "
          f"embedding the query left out): graph {a * 1000:.0f} ms, brute-force numpy {b * 1000:.0f} ms, "
          f"ratio {a / b:.3f}; passages identical for {same}/{len(queries)} queries, found for {hits}; "
          f"graph's nearest neighbour = exact one for {np.mean(top1):.3f} of query sentences")


if __name__ == "__main__":
    main()
