"""The search's memory follows the band's cells, whatever the text (issue 20, item 3).

Repeated text (a passage concatenated with itself, refrains, boilerplate) makes the anchor
path jump a whole repetition at one row, so one band row is as wide as a repetition while
the rest stay a few dozen cells wide. Per-node arrays sized (rows x widest row) then cost
rows times a repetition; the ragged layout (band.py) costs the cells the band has.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from align.search.band import Band

ROOT = Path(__file__).resolve().parents[1]

# The child: a repeated pair of synthetic unit vectors (a base passage of 500 sentences,
# the target's copy 3 sentences longer, so the two sides drift by a repetition), aligned by
# align_windows under an address-space limit of what it has mapped once the inputs are
# built plus BUDGET_MB. Its band (about 160,000 cells, 27 a row) has a row over 500
# columns wide: the dense layout (6,001 x 533 cells per array) failed with 600 MB and
# passed with 1,000 MB; the ragged one passes with 80 MB (and fails with 40).
_CHILD = r"""
import json, resource, sys
import numpy as np
from align.search import SearchConfig
from align.search.aligner import align_windows
from tests.synthetic import windows

base_n, extra, n, dim, budget_mb = (int(x) for x in sys.argv[1:6])
rng = np.random.default_rng(0)
unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)
base = unit(rng.standard_normal((base_n, dim)))
tb = np.concatenate([unit(base + 0.3 * rng.standard_normal(base.shape) / np.sqrt(dim)),
                     unit(rng.standard_normal((extra, dim)))])
src = np.concatenate([base] * (n // base_n + 1))[:n]
tgt = np.concatenate([tb] * (n // len(tb) + 1))[:n]
src = unit(src + 0.05 * rng.standard_normal(src.shape) / np.sqrt(dim)).astype(np.float32)
tgt = unit(tgt + 0.05 * rng.standard_normal(tgt.shape) / np.sqrt(dim)).astype(np.float32)
config = SearchConfig()
sw, tw = windows(src, config.max_window), windows(tgt, config.max_window)
lengths = np.full(n, 80.0)
# warm up (imports, BLAS buffers) on a small pair before the limit is set
align_windows([w[:50] for w in sw], [w[:50] for w in tw], lengths[:50], lengths[:50], config)
with open("/proc/self/status") as f:
    mapped = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
limit = mapped + budget_mb * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
beads = align_windows(sw, tw, lengths, lengths, config)
src_ids = [i for b in beads for i in b.src]
tgt_ids = [j for b in beads for j in b.tgt]
print(json.dumps({"cover": src_ids == list(range(n)) and sorted(tgt_ids) == list(range(n)),
                  "matched": sum(1 for b in beads if b.src and b.tgt)}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmSize from /proc (Linux)")
def test_repeated_text_aligns_within_a_small_memory_limit() -> None:
    pytest.importorskip("resource")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, "500", "3", "6000", "32", "300"],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["cover"]
    assert result["matched"] > 3000  # most sentences are matched, not left out


def test_flat_layout_addresses_every_node_once() -> None:
    lo = np.array([0, 0, 1, 1, 2, 2, 3, 3, 11, 12, 12, 13, 14])
    hi = np.array([2, 3, 3, 4, 4, 5, 13, 14, 14, 15, 16, 16, 16])
    band = Band(12, 15, lo, hi)  # rows 6 and 7 jump ten columns
    assert band.width > 2 * (band.cells / (band.n + 1))  # a wide row among narrow ones
    nodes = [(i, j) for i in range(band.n + 1) for j in range(band.lo[i], band.hi[i])]
    assert len(nodes) == band.cells == band.start[-1]
    assert [band.index(i, j) for i, j in nodes] == list(range(band.cells))
    assert list(zip(band.rows.tolist(), band.cols.tolist())) == nodes
    values = np.arange(band.cells, dtype=np.float64)
    covered = []
    for r0, r1, w in band.row_chunks(budget=20):
        assert (r1 - r0) * w <= 20 or r1 - r0 == 1
        dense = band.dense_rows(values, r0, r1, w + 1, -1.0)
        for i in range(r0, r1):
            row = dense[i - r0]
            width = band.hi[i] - band.lo[i]
            assert row[:width].tolist() == [band.index(i, j) for j in range(band.lo[i], band.hi[i])]
            assert (row[width:] == -1.0).all()
            covered.append(i)
    assert covered == list(range(band.n + 1))


def test_local_best_gathers_a_bounded_block_whatever_the_widest_gap() -> None:
    """The second search pass measures each sentence's best match near where the first path
    put it. One wide gap (a long unmatched stretch, 1,500 sentences here) must not set the
    width of every row: gathering rows x widest row x dim floats at once took 770 MB for
    this input (700 MB at 50,000 real sentences a side); a block at a time takes a few MB.
    The values are those of a row-by-row reference."""
    import tracemalloc

    from align.search.aligner import _local_best

    rng = np.random.default_rng(3)
    n, m, dim, reach = 2000, 3500, 64, 1

    def unit(x: np.ndarray) -> np.ndarray:
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    src, tgt = unit(rng.standard_normal((n, dim))), unit(rng.standard_normal((m, dim)))
    path, j = [], 0
    for i in range(n):
        width = 1500 if i == n // 2 else 1  # one source sentence standing in a wide gap
        path.append((i, i + 1, j, j + width))
        j += width
    assert j <= m
    tracemalloc.start()
    try:
        got_src, got_tgt = _local_best(src, tgt, path, reach)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MB traced"
    want_src = np.array([
        max((float(src[i0] @ tgt[k]) for k in range(max(j0 - reach, 0), min(j1 + reach, m))), default=-1.0)
        for i0, _, j0, j1 in path
    ])
    assert np.allclose(got_src, want_src, atol=1e-5)
    # a target sentence's candidates are the source rows of its bead and reach more
    col_of = {k: (i0, i1) for i0, i1, j0, j1 in path for k in range(j0, j1)}
    want_tgt = np.array([
        max(float(tgt[k] @ src[i]) for i in range(max(col_of[k][0] - reach, 0), min(col_of[k][1] + reach, n)))
        if k in col_of else -1.0 for k in range(m)
    ])
    assert np.allclose(got_tgt, want_tgt, atol=1e-5)


def test_bead_scores_hold_a_chunk_of_cosines_not_the_bands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bead scores are the one array per type and cell the DP needs; the cosines and the
    neighbour sums they are made from are needed a chunk of band rows at a time. Held for
    the whole band (as before) they were twice the scores again: 30 float64 per cell and
    type-count at the peak, a third of a long document's search. The scores are those of
    one chunk over the whole band, bit for bit."""
    import tracemalloc

    from align.search import scoring
    from tests.synthetic import windows

    rng = np.random.default_rng(5)
    n, dim = 3000, 16
    src = rng.standard_normal((n, dim))
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    tgt = src + 0.3 * rng.standard_normal((n, dim)) / np.sqrt(dim)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    sw, tw = windows(src.astype(np.float32), 4), windows(tgt.astype(np.float32), 4)
    band = Band.diagonal(n, n, 12)
    band.start  # noqa: B018 (the band's own arrays are not the scores' working data)
    types = [(a, b) for a in range(1, 5) for b in range(1, 5) if a + b <= 5]
    lengths = np.full(n, 80.0)
    breaks = rng.random(n) < 0.1
    args = (sw, tw, lengths, lengths, types, band, 0.05, breaks, breaks, 0.1, 0.01, breaks, breaks, 0.05)
    whole = scoring.bead_scores(*args, positive_only=True)  # one chunk: every cell at once
    monkeypatch.setattr(scoring, "SCORE_CELLS", 4096)
    tracemalloc.start()
    try:
        chunked = scoring.bead_scores(*args, positive_only=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(chunked, whole)
    per_cell = peak / (band.cells * len(types) * 8)  # float64s per cell and type
    assert per_cell < 1.6, f"{per_cell:.2f} float64 per cell and type traced"
