"""Same inputs and settings, same bytes: whatever the cache state, the number of workers,
the engine, the batch composition, the BLAS kernel or numpy's SIMD code path.

Why these tests exist: scores used to differ in their last printed digit between a warm
and a cold embedding cache (``0.6476`` vs ``0.6477``), because a float32 BLAS product
rounds a row differently depending on the other rows of the call, where the row sits in
it, and the kernel OpenBLAS picked for the CPU (``OPENBLAS_CORETYPE``). The products are
now exact (:mod:`align.exact`). On this project's machines the default kernel (SkylakeX)
hides most of the old dependence; the Haswell kernel, which OpenBLAS picks on AVX2 CPUs
(Intel Haswell to Comet Lake, AMD Zen 1-3), shows it at every call shape, so the
command-line tests run under it when the CPU can.

The fast tests check the encoder and the products in this process; the slow ones run
``align pair`` and ``align batch`` as a user does, in fresh processes, and compare bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from align.embed import CachedEncoder, EmbeddingCache, USEM3Encoder
from align.exact import (
    NORM_BITS,
    ExactMatrix,
    exact_dots,
    quantize_rows,
    quantize_rows_,
)
from tests.conftest import IN_CI, ROOT, SAMPLES, SHARED_DATA

SAMPLE_SRC = SAMPLES / "000_b5ea64c99ab2f47c.txt"
SAMPLE_TGT = SAMPLES / "001_aab225ae7d9de552.txt"
REAL = SHARED_DATA / "tomsawyer-val"  # a real pair: 2,190 German / 2,448 English lines
BOOK = SHARED_DATA / "textberg-dev"
EPOCH = "1700000000"  # SOURCE_DATE_EPOCH: TMX dates that do not move between runs


def _real_pair() -> tuple[Path, Path]:
    if not (REAL / "de.txt").is_file():
        if IN_CI:  # in CI a missing data set must not pass as a skip
            raise RuntimeError(f"CI: the dev sets are missing from {SHARED_DATA}")
        pytest.skip(f"shared data not present in {SHARED_DATA}")
    return REAL / "de.txt", REAL / "en.txt"


def _sentences() -> list[str]:
    """Every line of the five sample articles (real news text, five languages' worth of pieces)."""
    out = []
    for path in sorted(SAMPLES.glob("00*.txt")):
        out += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


# --------------------------------------------------------------------- exact products


def test_exact_products_equal_integer_arithmetic_whatever_the_rows() -> None:
    rng = np.random.default_rng(7)
    for k, n in ((256, 768), (1280, 512), (832, 512)):
        w = ExactMatrix((rng.standard_normal((k, n)) * rng.uniform(0.01, 3, n)).astype(np.float32))
        a = (rng.standard_normal((37, k)) * np.exp(rng.normal(0, 4, (37, 1)))).astype(np.float32)
        a[3] = 0.0  # a zero row
        a[4] = w.value[:, 0] * 1e3  # a row along a column: the largest sum the bound allows
        qa, _ = quantize_rows(a)
        (wq, _), = w.parts
        assert (np.linalg.norm(qa, axis=1) < 2**NORM_BITS + np.sqrt(k)).all()
        # the float64 GEMM equals the integer product: nothing was rounded in the sum
        exact = qa.astype(np.int64) @ wq.astype(np.int64)
        assert np.abs(exact).max() > 2**50  # (row 4) near the bound, still exact
        assert np.array_equal((qa @ wq).astype(np.int64), exact)
        whole = w.matmul(a)
        for rows in (slice(0, 1), slice(5, 6), slice(2, 5), slice(9, 37)):  # gemv, small, other offsets
            assert np.array_equal(w.matmul(a[rows]), whole[rows])
        # close to the float64 product of the unrounded factors: each row rounded to
        # 2**-27 of its norm, so an entry is off by about that much of |a| |w|
        ref = a.astype(np.float64) @ w.value
        norms = np.linalg.norm(a.astype(np.float64), axis=1)[:, None] * np.linalg.norm(w.value, axis=0)
        assert (np.abs(whole - ref) <= 2.0**-22 * norms + 2.0**-23 * np.abs(ref)).all()
    # in blocks: each block's product exact, added in a fixed order; rows still
    # independent of each other, and closer to the unrounded product than one block
    x = rng.standard_normal((50, 1280)) * rng.uniform(0.1, 10, 1280)
    w = rng.standard_normal((1280, 512))
    blocked, single = ExactMatrix(w, block=64), ExactMatrix(w)
    assert len(blocked.parts) == 20
    got = blocked.matmul(x, np.float64)
    assert np.array_equal(blocked.matmul(x[7:9], np.float64), got[7:9])
    parts = [quantize_rows(x[:, lo:hi])[0] @ wq for (lo, hi), (wq, _) in zip(blocked.blocks, blocked.parts)]
    exact = [quantize_rows(x[:, lo:hi])[0].astype(np.int64) @ wq.astype(np.int64)
             for (lo, hi), (wq, _) in zip(blocked.blocks, blocked.parts)]
    assert all(np.array_equal(p.astype(np.int64), e) for p, e in zip(parts, exact))
    ref = x @ w
    assert np.abs(got - ref).mean() < np.abs(single.matmul(x, np.float64) - ref).mean() / 2


def _blocked_reference(w: ExactMatrix, a: np.ndarray) -> np.ndarray:
    """``w.matmul(a, np.float64)`` the plain way: each block's columns of ``a`` rounded
    alone, the block product scaled by its row and column scales, added block by block."""
    total = None
    for (lo, hi), (wq, col_scale) in zip(w.blocks, w.parts):
        q, row_scale = quantize_rows(a[:, lo:hi])
        c = q @ wq
        c *= col_scale
        c *= row_scale[:, None]
        total = c if total is None else total + c
    return total


@pytest.mark.parametrize("block", [64, 100])  # equal blocks (all rounded at once) and a shorter last one
def test_blocked_products_are_the_plain_block_products_bit_for_bit(block: int) -> None:
    """The blocked product rounds every block at once and moves the scales into the
    factors (align.exact.ExactMatrix._blocked): still the same bits as the plain way,
    whether ``a`` is float32, float64 or given up to be rounded in place."""
    rng = np.random.default_rng(11)
    w = ExactMatrix((rng.standard_normal((1280, 512)) * rng.uniform(0.01, 3, 512)).astype(np.float32), block=block)
    a = rng.standard_normal((70, 1280)) * np.exp(rng.normal(0, 4, (70, 1))) * rng.uniform(0.1, 10, 1280)
    a[3] = 0.0
    a[5, 64:128] = 0.0  # a zero block in a row
    ref = _blocked_reference(w, a)
    assert np.array_equal(w.matmul(a, np.float64), ref)
    given_up = a.copy()
    assert np.array_equal(w.matmul(given_up, np.float64, overwrite_a=True), ref)
    if block == 64:
        assert not np.array_equal(given_up, a)  # it was rounded in place
    assert np.array_equal(w.matmul(a.astype(np.float32)), _blocked_reference(w, a.astype(np.float32)).astype(np.float32))
    # and one block: the in-place rounding gives the copy's bits
    single = ExactMatrix(w.value[:, :256].astype(np.float32))
    assert np.array_equal(single.matmul(a.copy(), overwrite_a=True), single.matmul(a))


def test_quantize_rows_in_place_is_quantize_rows() -> None:
    rng = np.random.default_rng(5)
    a = rng.standard_normal((40, 300)) * np.exp(rng.normal(0, 6, (40, 1)))
    q, scale = quantize_rows(a)
    q2, scale2 = quantize_rows_(a.copy())
    assert np.array_equal(q, q2) and np.array_equal(scale, scale2)
    with pytest.raises(ValueError):
        quantize_rows_(a.astype(np.float32))


def test_region_sums_range_by_range_equal_the_running_sums(monkeypatch: pytest.MonkeyPatch) -> None:
    """Region sums are differences of running sums (exact below 2**17 rows); beyond that
    they are taken range by range: the same numbers, so the same vectors."""
    from align.embed.usem3 import kernels

    rng = np.random.default_rng(2)
    x = np.rint(rng.standard_normal((300, 1280)).astype(np.float32) * 2.0**30)
    lo = np.array([0, 0, 20, 25, 299, 100])
    hi = np.array([25, 5, 25, 60, 300, 300])
    direct = np.stack([x[a:b].astype(np.float64).sum(axis=0) for a, b in zip(lo, hi)])
    assert np.array_equal(kernels._row_range_sums(x, lo, hi), direct)
    texts = _sentences()[:40]
    enc = USEM3Encoder(threads=1)
    running = enc.encode_windows(texts, 3)
    monkeypatch.setattr(kernels, "RUNNING_ROWS", 0)
    by_range = enc.encode_windows(texts, 3)
    assert all(np.array_equal(a, b) for a, b in zip(running, by_range))


# The digest of use-m3's vectors of the first 120 sample lines, a blank line and a line of
# 2,434 pieces (so cut into pieces): sentence vectors, windows up to 3 and clause windows.
# The encoder's arithmetic may get faster but must not change a bit: cached states
# (STATE_VERSION 4) and every earlier output hold these numbers. A deliberate change of
# the numerics bumps STATE_VERSION (align/embed/usem3/encoder.py) and this digest; a
# change of how windows are assembled from unchanged states changes only the digest
# (2026-12-08: a window adds each seam's correction as one row, so that windows can be
# rebuilt from two rows a sentence, issue 20; was 36cec569...; the demo's outputs and the
# dev sets' TSVs were byte-identical across it).
VECTORS_DIGEST = "05afa1e352e233af7c492c36df486da2442c3eae7e2bf60e972b7ef9588eebd9"


def test_vectors_are_the_bits_of_state_version_4() -> None:
    from align.embed.usem3.encoder import STATE_VERSION
    from align.segment.clauses import clause_spans

    texts = _sentences()[:120] + ["", " ".join(_sentences()[:60])]
    parts = [clause_spans(s, 12) for s in texts]
    enc = USEM3Encoder(threads=2)
    h = hashlib.sha256()
    h.update(enc.encode(texts).tobytes())
    windows, part_windows = enc.encode_with_parts(texts, parts, 3)
    for a in windows + part_windows:
        h.update(a.tobytes())
    assert STATE_VERSION == 4
    assert h.hexdigest() == VECTORS_DIGEST


def test_exact_dots_do_not_depend_on_the_block() -> None:
    rng = np.random.default_rng(3)
    v = rng.standard_normal((300, 512)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    whole = exact_dots(v, v)
    assert np.array_equal(exact_dots(v[7:8], v[100:250]), whole[7:8, 100:250])
    assert np.array_equal(exact_dots(v[64:200], v[:3]), whole[64:200, :3])
    assert np.abs(whole - v.astype(np.float64) @ v.T.astype(np.float64)).max() < 1e-6


# ------------------------------------------------------------ the encoder, in-process


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    return _sentences()


def test_a_sentence_embeds_the_same_whatever_is_embedded_with_it(sentences: list[str]) -> None:
    """Byte identity is the point: the same sentence, other company, the same bits."""
    enc = USEM3Encoder(threads=2).load()
    states = enc.sentence_states(sentences)
    assert np.array_equal(np.concatenate([enc.sentence_states([s]) for s in sentences]), states)
    order = list(range(len(sentences)))
    random.Random(0).shuffle(order)
    shuffled = enc.sentence_states([sentences[i] for i in order])
    assert np.array_equal(shuffled[np.argsort(order)], states)
    one_thread = USEM3Encoder(threads=1, token_budget=64).sentence_states(sentences[::-1])[::-1]
    assert np.array_equal(one_thread, states)
    # the pass that also computes clause states leaves the sentence states as they are
    from align.segment.clauses import clause_spans

    parts = [clause_spans(s, 12) for s in sentences]
    assert sum(len(p) > 1 for p in parts) >= 10
    with_parts, _ = enc.sentence_part_states(sentences, parts)
    assert np.array_equal(with_parts, states)
    # the head: one row alone (BLAS's gemv path before), a block, all rows
    vectors = enc.embed_states(states)
    assert np.array_equal(enc.embed_states(states[5:6]), vectors[5:6])
    assert np.array_equal(enc.embed_states(states[3:20]), vectors[3:20])
    assert np.array_equal(enc.encode(sentences), vectors)


def test_windows_are_the_same_cold_warm_partly_warm_and_without_cache(
    sentences: list[str], tmp_path: Path
) -> None:
    from align.segment.clauses import clause_spans

    doc = sentences[:40]
    parts = [clause_spans(s, 25) for s in doc]
    enc = USEM3Encoder().load()

    def windows(encoder) -> bytes:
        sent, clause = encoder.encode_with_parts(doc, parts, 4)
        return b"".join(w.tobytes() for w in sent + clause)

    bare = windows(enc)
    cached = CachedEncoder(enc, EmbeddingCache(tmp_path / "cold"))
    assert windows(cached) == bare  # cold: computed, stored
    assert windows(cached) == bare  # warm: read back
    partly = CachedEncoder(enc, EmbeddingCache(tmp_path / "partly"))
    partly.encode_with_parts(doc[::3], parts[::3], 4)  # a third of the sentences, other neighbours
    partly.encode_windows(doc[10:25], 4)  # a stretch without its clauses, other joins
    assert windows(partly) == bare


# ------------------------------------------------------------ command line, fresh processes


@cache
def _cpu_flags() -> frozenset[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


#: OpenBLAS core types and the CPU flags their kernels need (what ``lscpu`` lists).
_CORETYPES = {
    "SkylakeX": {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"},
    "Haswell": {"avx2", "fma"},
    "Sandybridge": {"avx"},
    "Nehalem": {"sse4_2"},
}


@cache
def _blas_architecture(coretype: str | None) -> str | None:
    """The kernel family numpy's OpenBLAS reports under ``OPENBLAS_CORETYPE=coretype``
    (None when numpy's BLAS is not OpenBLAS)."""
    code = ("import json, numpy, threadpoolctl; print(json.dumps([i.get('architecture') for i in "
            "threadpoolctl.threadpool_info() if i.get('internal_api') == 'openblas'][:1]))")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    found = json.loads(out)
    return found[0] if found else None


def _kernels() -> list[str]:
    """Core types this CPU can run whose kernels OpenBLAS really switches to (two or more)."""
    if _blas_architecture(None) is None:
        pytest.skip("numpy's BLAS is not OpenBLAS: OPENBLAS_CORETYPE means nothing here")
    flags = _cpu_flags()
    chosen: dict[str, str] = {}
    for name, needs in _CORETYPES.items():
        if needs <= flags:
            arch = _blas_architecture(name)
            if arch and arch not in chosen.values():
                chosen[name] = arch
    if len(chosen) < 2:
        pytest.skip(f"this CPU runs fewer than two OpenBLAS kernels ({sorted(chosen)})")
    return list(chosen)


def _exposing_kernel() -> str | None:
    """Haswell when this CPU runs it: the kernel under which the old float32 products
    depended on the batch at every call shape (others only for 1-3 row calls)."""
    return "Haswell" if _CORETYPES["Haswell"] <= _cpu_flags() and _blas_architecture(None) else None


def _env(cache_dir: Path | None, coretype: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")}
    env.update(PYTHONPATH=str(ROOT), SOURCE_DATE_EPOCH=EPOCH, **extra)
    if cache_dir is not None:
        env["ALIGN_CACHE_DIR"] = str(cache_dir)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    return env


def _align(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", "align", *args], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=900, check=False)
    assert result.returncode == 0, result.stderr


def _pair(src: Path, tgt: Path, fmt: str, out: Path, env: dict[str, str], *extra: str) -> bytes:
    """Run ``align pair`` on ``src`` and ``tgt`` (German, English) and return the bytes it wrote."""
    _align(["pair", str(src), str(tgt), "-s", "de", "-t", "en", "--format", fmt, "-o", str(out), *extra], env)
    return out.read_bytes()


def _pair_args(which: str) -> tuple[Path, Path, tuple[str, ...]]:
    if which == "sample":
        return SAMPLE_SRC, SAMPLE_TGT, ()
    return (*_real_pair(), ("--presegmented",))


_DIGEST = (
    "import hashlib, json, sys; from align.embed import USEM3Encoder;"
    "w = USEM3Encoder().encode_windows(json.load(open(sys.argv[1], encoding='utf-8')), 4);"
    "print(hashlib.sha256(b''.join(x.tobytes() for x in w)).hexdigest())"
)


def _vectors_digest(env: dict[str, str], tmp_path: Path) -> str:
    """A digest of use-m3's window vectors of the sample sentences, computed in ``env``."""
    texts = tmp_path / "sentences.json"
    if not texts.exists():
        texts.write_text(json.dumps(_sentences()), encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", _DIGEST, str(texts)], capture_output=True, text=True, env=env,
                            cwd=ROOT, check=True)
    return result.stdout.strip()


def _half(path: Path, out: Path) -> Path:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    return out


@pytest.mark.slow
def test_pair_bytes_do_not_depend_on_the_cache(tmp_path: Path) -> None:
    """Cold, warm, partly warm (half of each document aligned before, so its sentences
    come from the cache and the rest is embedded in other batches) and --no-cache runs
    write the same bytes: beads with scores, TSV, TMX; the sample articles (prose,
    paragraphs) and a real pair of 2,000+ lines (where one score in a few thousand
    used to change)."""
    kernel = _exposing_kernel()
    for which in ("sample", "real"):
        src, tgt, how = _pair_args(which)
        folder = tmp_path / which
        folder.mkdir()
        runs: dict[str, dict[str, bytes]] = {}
        partly_dir = folder / "partly"
        halves = [_half(p, folder / f"half{i}{p.suffix}") for i, p in enumerate((src, tgt))]
        _pair(*halves, "beads", folder / "half.beads", _env(partly_dir, kernel), *how)
        for fmt in ("beads", "tsv", "tmx"):
            for run in ("cold", "warm"):  # the second run reads what the first stored
                runs.setdefault(run, {})[fmt] = _pair(src, tgt, fmt, folder / f"{run}.{fmt}",
                                                      _env(folder / f"cache-{fmt}", kernel), *how)
        for fmt in ("tsv", "beads"):  # (the second of these reads a wholly warm cache)
            runs.setdefault("partly warm", {})[fmt] = _pair(src, tgt, fmt, folder / f"partly.{fmt}",
                                                            _env(partly_dir, kernel), *how)
            runs.setdefault("no cache", {})[fmt] = _pair(src, tgt, fmt, folder / f"none.{fmt}",
                                                         _env(None, kernel), *how, "--no-cache")
        assert b"\t0." in runs["cold"]["tsv"]  # scores were written
        assert b'creationdate="20231114T221320Z"' in runs["cold"]["tmx"]
        for name, outputs in runs.items():
            for fmt, data in outputs.items():
                assert data == runs["cold"][fmt], f"{which} pair, {fmt}: {name} differs from cold (kernel {kernel})"


@pytest.mark.slow
def test_pair_bytes_do_not_depend_on_the_blas_kernel(tmp_path: Path) -> None:
    """The same pair under every OpenBLAS kernel this CPU runs: the same vectors and bytes."""
    kernels = _kernels()
    src, tgt, how = _pair_args("real")
    seen: dict[str, tuple] = {}
    for kernel in kernels:
        env = _env(None, kernel)
        seen[kernel] = (
            _vectors_digest(env, tmp_path),
            _pair(SAMPLE_SRC, SAMPLE_TGT, "beads", tmp_path / f"{kernel}.beads", env, "--no-cache"),
            _pair(SAMPLE_SRC, SAMPLE_TGT, "tsv", tmp_path / f"{kernel}.tsv", env, "--no-cache"),
            _pair(src, tgt, "tsv", tmp_path / f"{kernel}-real.tsv", env, *how, "--no-cache"),
        )
    first = kernels[0]
    for kernel in kernels[1:]:
        for what, a, b in zip(("vectors", "sample beads", "sample tsv", "real tsv"), seen[first], seen[kernel]):
            assert a == b, f"{what}: {kernel} differs from {first}"


def _numpy_dispatch_targets() -> list[str]:
    """The SIMD targets numpy dispatches to on this CPU (what NPY_DISABLE_CPU_FEATURES takes)."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]


@pytest.mark.slow
def test_bytes_do_not_depend_on_numpys_simd_code_paths(tmp_path: Path) -> None:
    """numpy's own SIMD loops (tanh, sums) as on a CPU without AVX2 or AVX-512: the same
    vectors and bytes (float32 tanh gave other bits there)."""
    try:
        targets = _numpy_dispatch_targets()
    except ImportError:
        pytest.skip("this numpy does not say which SIMD targets it dispatches to")
    if not targets:
        pytest.skip("numpy dispatches to no SIMD targets on this CPU")
    src, tgt, how = _pair_args("real")
    plain = _env(None)
    baseline = _env(None, NPY_DISABLE_CPU_FEATURES=" ".join(targets))
    check = subprocess.run([sys.executable, "-W", "error::ImportWarning", "-c", "import numpy"], env=baseline,
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr  # numpy accepted the setting
    assert _vectors_digest(plain, tmp_path) == _vectors_digest(baseline, tmp_path)
    for a_src, a_tgt, extra, name in ((SAMPLE_SRC, SAMPLE_TGT, (), "sample"), (src, tgt, how, "real")):
        a = _pair(a_src, a_tgt, "tsv", tmp_path / f"{name}-simd.tsv", plain, *extra, "--no-cache")
        b = _pair(a_src, a_tgt, "tsv", tmp_path / f"{name}-baseline.tsv", baseline, *extra, "--no-cache")
        assert a == b, f"{name} pair: numpy's baseline SIMD path changed the output"


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.slow
def test_batch_bytes_do_not_depend_on_workers_engine_order_or_cache(tmp_path: Path) -> None:
    """``align batch``: 1 and 2 local workers, Ray with 2 actors, the manifest in another
    order, a warm cache and no cache all write the same bytes, equal to ``align pair``'s."""
    src, tgt = _real_pair()
    rows = [
        (SAMPLE_SRC, SAMPLE_TGT, "de", "en", "sample"),
        (BOOK / "dev.de", BOOK / "dev.fr", "de", "fr", "textberg"),
        (src, tgt, "de", "en", "tomsawyer"),
    ]
    manifest, reverse = tmp_path / "pairs.tsv", tmp_path / "reverse.tsv"
    manifest.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")
    reverse.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows[::-1]), encoding="utf-8")
    kernel = _exposing_kernel()

    def batch(name: str, listing: Path, cache_dir: str | None, *extra: str) -> dict[str, bytes]:
        out = tmp_path / name
        flags = ["--no-cache"] if cache_dir is None else []
        env = _env(tmp_path / cache_dir if cache_dir else None, kernel)
        # one sentence per line in every file of the manifest: the sample pair is read as lines too
        _align(["batch", str(listing), "--out-dir", str(out), "--format", "tsv", "--presegmented", *flags,
                *extra], env)
        made = _outputs(out)
        assert sorted(made) == ["sample.tsv", "textberg.tsv", "tomsawyer.tsv"], name
        return made

    reference = batch("one-worker", manifest, "cache-1")
    assert batch("two-workers", manifest, "cache-2", "--workers", "2") == reference
    assert batch("reversed", reverse, "cache-3") == reference
    assert batch("warm", reverse, "cache-1", "--workers", "2") == reference
    assert batch("no-cache", manifest, None) == reference
    assert batch("ray", manifest, "cache-4", "--engine", "ray", "--workers", "2") == reference
    # and what align pair writes for the same pair
    single = _pair(src, tgt, "tsv", tmp_path / "pair.tsv", _env(tmp_path / "cache-5", kernel), "--presegmented")
    assert single == reference["tomsawyer.tsv"]
