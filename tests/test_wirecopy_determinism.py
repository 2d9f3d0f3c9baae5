"""``align dedup``: the same files give the same report, byte for byte, on any machine.

"The same" means: the JSON of ``align dedup --json`` (scores, margins, which passages are
found, their members and their order) is byte-identical whatever the OpenBLAS kernel
(``OPENBLAS_CORETYPE``), numpy's SIMD code path, the number of BLAS threads, the state of
the embedding cache (cold, warm, none), Python's hash seed and the order in which the
files are given. Only
the report's ``documents`` list follows the command line; runs on the files in another
order are compared after sorting that list by name (:func:`_canonical`) and nothing else.

Why these tests exist: the cross-lingual search took its cosines from float32 BLAS
products, which round a row differently with the kernel and with the block of rows it
sits in; word coverage used small float32 products and a BLAS dot, the lone-pair model a
BLAS matrix-vector product; clusters listed their members, and broke ties, in the order
of the files; monolingual candidates came out of a set whose order followed the hash
seed. A score's fourth digit could then differ between two machines or two runs. The
products are now exact (:mod:`align.exact`), the sums done in a fixed order, and the
finder works on the documents in an order of their own
(:func:`align.wirecopy.finder.canonical_order`).

The fast tests use a stand-in encoder; the slow ones run ``align dedup`` as a user does,
in fresh processes, with the real model.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from align.read import read_document, read_text
from align.segment import presegmented
from align.wirecopy import crosslingual
from align.wirecopy.crosslingual import translated_links
from align.wirecopy.lone import DEFAULT_LONE_MODEL, FEATURES
from bench.wirecopy_data import build
from tests.conftest import ROOT, SAMPLES, SHARED_DATA
from tests.hash_encoder import HashEncoder
from tests.test_determinism import (
    _env,
    _exposing_kernel,
    _kernels,
    _numpy_dispatch_targets,
)


def _canonical(data: bytes) -> bytes:
    """The report with its ``documents`` list sorted by name: what runs on the same files
    in another order must agree on (everything else is already in an order of its own)."""
    report = json.loads(data)
    report["documents"].sort(key=lambda d: d["doc"])
    return json.dumps(report, indent=2, ensure_ascii=False).encode("utf-8")


# ------------------------------------------------------------------ the products, in-process


def _synthetic_collection(seed: int = 5, dim: int = 256) -> tuple[list, list[np.ndarray]]:
    """German and English documents whose sentence vectors are random, with translated
    pairs (a vector plus noise) among them: many links, margins and cosines to compare."""
    rng = np.random.default_rng(seed)

    def unit(v: np.ndarray) -> np.ndarray:
        return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)

    docs, embeddings = [], []
    shared = unit(rng.standard_normal((60, dim)))
    for d in range(6):
        lang = "de" if d % 2 == 0 else "en"
        vectors = unit(rng.standard_normal((40, dim)))
        picked = rng.choice(60, size=15, replace=False)
        vectors[5:20] = unit(shared[picked] + rng.uniform(0.3, 1.0) * unit(rng.standard_normal((15, dim))))
        lines = [f"{'Satz' if lang == 'de' else 'Sentence'} {i} of document {d}, long enough to match." for i in range(40)]
        docs.append(presegmented(read_text("\n".join(lines), lang, path=f"doc{d}.txt")))
        embeddings.append(vectors)
    return docs, embeddings


def _links(docs: list, embeddings: list[np.ndarray]) -> list[tuple]:
    found = translated_links(docs, embeddings, neighbours=4, min_margin=1.05, extend_margin=0.9, min_chars=20)
    return sorted((docs[x.a].name, x.a_first, docs[x.b].name, x.b_first, float(x.score).hex(), float(x.margin).hex())
                  for x in found)


def test_cross_lingual_cosines_do_not_depend_on_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Byte identity is the point: the search computes its cosines a block of rows at a
    time, and a row alone (BLAS's matrix-vector path) or in a small block must give the
    same margins and cosines, to the last bit, as in one large block."""
    docs, embeddings = _synthetic_collection()
    whole = _links(docs, embeddings)
    assert len(whole) >= 20
    for block in (1, 3, 17):
        monkeypatch.setattr(crosslingual, "_BLOCK", block)
        assert _links(docs, embeddings) == whole, f"block of {block} rows"


@pytest.mark.parametrize("block", [1, 4, 1024])
def test_equal_cosines_rank_by_index_in_the_search(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Different sentences can share a vector (and so a cosine): the search's top k takes
    the lowest indices among equal cosines, as a sort by (cosine, index) would. Left to
    ``argpartition``, the choice among ties changed with numpy's SIMD code path (AVX-512
    or not), and with it which pairs were candidates."""
    monkeypatch.setattr(crosslingual, "_BLOCK", block)
    rng = np.random.default_rng(0)
    queries = rng.integers(-1, 2, (30, 16)).astype(np.float32)  # few distinct values: many ties
    base = rng.integers(-1, 2, (200, 16)).astype(np.float32)
    base[50:100] = base[0:50]  # and repeated rows
    values, index = crosslingual._topk(crosslingual._Rounded(queries), crosslingual._Rounded(base), 5)
    dots = queries.astype(np.float64) @ base.T.astype(np.float64)  # small integers: exact
    for r in range(len(queries)):
        expected = sorted(range(len(base)), key=lambda j: (-dots[r, j], j))[:5]
        assert index[r].tolist() == expected
        assert values[r].tolist() == dots[r, expected].tolist()


def test_lone_model_logit_is_the_plain_sum_in_feature_order() -> None:
    """The lone-pair model's logit is the textbook sum, term by term in the order of
    FEATURES (a BLAS dot product adds in the kernel's order, with fused multiply-adds on
    some CPUs), and its decisions are those of the probability against the threshold."""
    rng = np.random.default_rng(1)
    features = np.column_stack([rng.uniform(0.8, 2.0, 4000), rng.uniform(0.2, 1.0, 4000), rng.uniform(-0.2, 1.0, 4000),
                                rng.uniform(2.0, 6.0, 4000), rng.uniform(0.3, 1.0, 4000)])
    m = DEFAULT_LONE_MODEL
    plain = []
    for row in features.tolist():
        z = 0.0
        for x, w in zip(row, m.weights):
            z += x * w
        plain.append(z + m.bias)
    plain = np.array(plain)
    assert np.array_equal(1.0 / (1.0 + np.exp(-plain)), m.probability(features))
    taken = m.accept(features)
    assert 0 < taken.sum() < len(features)
    p = m.probability(features)
    near = np.abs(p - m.threshold) > 1e-12  # away from the threshold's last bits, the two agree
    assert np.array_equal(taken[near], (p >= m.threshold)[near])
    assert len(FEATURES) == features.shape[1]


_NUMBERS = """
import hashlib
import numpy as np
from tests.hash_encoder import HashEncoder
from tests.test_wirecopy_determinism import _links, _synthetic_collection
from align.wirecopy.lone import DEFAULT_LONE_MODEL
from align.wirecopy.wordcover import WordCoverage

docs, embeddings = _synthetic_collection()
digest = hashlib.sha256(repr(_links(docs, embeddings)).encode())
words = ["Tom got out a bit of paper and carefully unfolded it on the table.",
         "Tom holte ein Stück Papier hervor und faltete es sorgfältig auf dem Tisch auseinander.",
         "The night was far spent when the boys reached the river bank at last.",
         "La nuit était déjà bien avancée quand les garçons atteignirent enfin la rive."]
pairs = [(a, b) for a in words for b in words]
digest.update(WordCoverage(HashEncoder(dim=512), words * 3).scores(pairs).tobytes())
rng = np.random.default_rng(2)
features = np.column_stack([rng.uniform(0.8, 2.0, 999), rng.uniform(0.2, 1.0, 999), rng.uniform(-0.2, 1.0, 999),
                            rng.uniform(2.0, 6.0, 999), rng.uniform(0.3, 1.0, 999)])
digest.update(DEFAULT_LONE_MODEL.probability(features).tobytes())
digest.update(DEFAULT_LONE_MODEL.accept(features).tobytes())
print(digest.hexdigest())
"""


def test_wire_copy_numbers_do_not_depend_on_the_blas_kernel() -> None:
    """Cross-lingual links (cosines, margins), word coverage and the lone-pair model's
    probabilities and decisions, computed in fresh processes under every OpenBLAS kernel
    this CPU runs (Haswell's float32 products rounded by call shape): the same bits."""
    digests = {}
    for kernel in _kernels():
        result = subprocess.run([sys.executable, "-c", _NUMBERS], capture_output=True, text=True,
                                env=_env(None, kernel), cwd=ROOT, check=False)
        assert result.returncode == 0, result.stderr
        digests[kernel] = result.stdout.strip()
    assert len(set(digests.values())) == 1, digests


# -------------------------------------------------------------------- finder, in-process


@pytest.fixture()
def hash_encoder(monkeypatch: pytest.MonkeyPatch) -> HashEncoder:
    """The finder's encoder replaced by the cheap hashed-trigram one (no model needed)."""
    import align.embed

    encoder = HashEncoder(dim=256)
    monkeypatch.setattr(align.embed, "load_encoder", lambda *_args, **_kw: encoder)
    return encoder


def _sample_docs() -> list:
    return [read_document(str(p.relative_to(ROOT)), "und") for p in sorted(SAMPLES.glob("[0-9][0-9][0-9]_*.txt"))]


def _generated_docs(n_articles: int, seed: int) -> list:
    if not (SHARED_DATA / "tomsawyer-val").is_dir():
        pytest.skip("shared data not present")
    return list(build(n_articles=n_articles, seed=seed).documents)


def _json(docs: list) -> bytes:
    from align.wirecopy import find_wire_copy
    from align.wirecopy.report_output import render_json

    return render_json(find_wire_copy(docs)).encode("utf-8")


@pytest.mark.parametrize("collection", ["samples", "generated"])
def test_report_does_not_depend_on_the_order_of_the_files(hash_encoder: HashEncoder, collection: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The same documents reversed and shuffled: the same report once its ``documents``
    list is sorted; given in the same order, the same bytes (members and clusters are
    listed by document name, not by position on the command line)."""
    monkeypatch.chdir(ROOT)
    docs = _sample_docs() if collection == "samples" else _generated_docs(45, 3)
    first = _json(docs)
    report = json.loads(first)
    assert report["clusters"], "nothing found: the comparison would say nothing"
    assert any(len({m["doc"] for m in c["members"]}) > 1 for c in report["clusters"])
    assert [d["doc"] for d in report["documents"]] == [d.name for d in docs]  # the caller's order
    shuffled = list(docs)
    random.Random(4).shuffle(shuffled)
    for other in (docs[::-1], shuffled):
        data = _json(other)
        assert data != first  # (the documents list does follow the caller)
        assert _canonical(data) == _canonical(first)
    assert _json(docs) == first


# ------------------------------------------------------------ command line, fresh processes


def _dedup(files: list[Path], out: Path, env: dict[str, str], *extra: str) -> bytes:
    result = subprocess.run([sys.executable, "-m", "align", "dedup", *map(str, files), "--json", "-o", str(out),
                             *extra], capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800, check=False)
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def _check_collection(files: list[Path], tmp_path: Path) -> bytes:
    """``align dedup --json`` on ``files``: cold, warm, no cache, one BLAS thread, another
    hash seed, every OpenBLAS kernel this CPU runs, numpy's baseline SIMD code and the
    files reversed all give the same report (reversed: after sorting its documents list)."""
    kernel = _exposing_kernel()
    cache = tmp_path / "cache"
    runs = {
        "cold": _dedup(files, tmp_path / "cold.json", _env(cache, kernel, PYTHONHASHSEED="1")),
        "warm": _dedup(files, tmp_path / "warm.json", _env(cache, kernel, PYTHONHASHSEED="2")),
        "no cache": _dedup(files, tmp_path / "none.json", _env(None, kernel, PYTHONHASHSEED="3"), "--no-cache"),
        "one BLAS thread": _dedup(files, tmp_path / "one.json",
                                  _env(cache, kernel, OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="4")),
    }
    try:
        kernels = _kernels()
    except pytest.skip.Exception:  # one kernel only (or not OpenBLAS): the rest still holds
        kernels = []
    for other in kernels:
        if other != kernel:
            runs[f"kernel {other}"] = _dedup(files, tmp_path / f"{other}.json", _env(cache, other))
    try:
        targets = _numpy_dispatch_targets()
    except ImportError:  # a numpy that does not say
        targets = []
    if targets:  # numpy's own loops (norms, exp, partitions) as on a CPU without AVX2 or AVX-512
        runs["numpy baseline SIMD"] = _dedup(files, tmp_path / "baseline.json",
                                             _env(cache, kernel, NPY_DISABLE_CPU_FEATURES=" ".join(targets)))
    reference = runs["cold"]
    assert b'"kind": "cross-lingual"' in reference and b'"margin": ' in reference  # the embedding path ran
    for name, data in runs.items():
        assert data == reference, f"{name} differs from cold (kernel {kernel})"
    reversed_run = _dedup(files[::-1], tmp_path / "reversed.json", _env(tmp_path / "cache-2", kernel))
    assert _canonical(reversed_run) == _canonical(reference), "the files in reverse order"
    return reference


@pytest.mark.slow
def test_dedup_of_the_samples_is_the_same_bytes_everywhere(tmp_path: Path) -> None:
    """The five sample articles; the report is also the bundled samples/output/wirecopy.json
    and what ``align demo`` writes (those two checks guard against drift: they held
    before the products were exact too, the samples being far from any rounding edge)."""
    files = [p.relative_to(ROOT) for p in sorted(SAMPLES.glob("[0-9][0-9][0-9]_*.txt"))]
    reference = _check_collection(files, tmp_path)
    assert reference == (SAMPLES / "output" / "wirecopy.json").read_bytes()
    out = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "align", "demo", "--out-dir", str(out)], capture_output=True,
                            text=True, env=_env(tmp_path / "cache", _exposing_kernel()), cwd=ROOT, timeout=900,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert (out / "wirecopy.json").read_bytes() == reference


#: 50 of the 300 articles of the benchmark's collection (seed 0): a collection where a
#: margin printed 1.5995 under OpenBLAS's SkylakeX kernel and 1.5996 under Haswell before
#: the products were exact (found among 800 such subsets, 4 of which differed).
SUBSET = (11, 16, 18, 19, 22, 26, 35, 38, 42, 55, 75, 92, 95, 99, 106, 117, 120, 131, 136, 140, 142, 155, 162, 176,
          177, 179, 183, 186, 197, 199, 226, 227, 229, 233, 236, 238, 239, 241, 248, 251, 255, 257, 262, 265, 272,
          279, 283, 285, 291, 293)


@pytest.mark.slow
def test_dedup_of_a_generated_collection_is_the_same_bytes_everywhere(tmp_path: Path) -> None:
    """The wire-copy benchmark's builder: articles in three languages with planted
    verbatim, edited and translated copies and distractors (dozens of clusters)."""
    if not (SHARED_DATA / "tomsawyer-val").is_dir():
        pytest.skip("shared data not present")
    folder = build(n_articles=300, seed=0).write(tmp_path / "collection")
    files = sorted(folder.glob("*.txt"))
    assert len(files) == 300
    report = _check_collection([files[i] for i in SUBSET], tmp_path)
    assert report.count(b'"kind": "cross-lingual"') >= 5
