"""How the search's time and memory grow with document length.

Aligns synthetic document pairs of N sentences a side (random unit vectors with a known
alignment of 1-1, 1-2, 2-1 beads and unmatched sentences; see tests/synthetic.py), for
growing N, and prints seconds (an untraced run) and peak memory (a second run under
tracemalloc) of ``align_windows`` (the search alone: no model), each also as a ratio to
the smallest N measured in the same run. Linear
growth shows as time/N and memory/N staying flat. Strict accuracy against the known
alignment is printed so that speed is never bought with wrong beads.

    python -m bench.search_scale [--sizes 1000 2000 5000 10000 20000] [--dim 512]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc

import numpy as np

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/search_scale.py: run it from the repository root as a module: python -m bench.search_scale")

from align.search import SearchConfig, align_windows  # noqa: E402
from tests.synthetic import make_pair, windows  # noqa: E402


def measure(n_beads: int, dim: int, config: SearchConfig) -> dict:
    src, tgt, gold = make_pair(n_beads, seed=n_beads, dim=dim)
    k = config.max_window
    sw, tw = windows(src, k), windows(tgt, k)
    ls, lt = np.full(len(src), 80.0), np.full(len(tgt), 80.0)
    inputs = sum(w.nbytes for w in sw + tw)
    # Time an untraced run: tracemalloc slows allocation-heavy numpy code several-fold.
    start = time.perf_counter()
    beads = align_windows(sw, tw, ls, lt, config)
    seconds = time.perf_counter() - start
    # Then measure the peak of Python-visible allocations (numpy arrays included) in a second run.
    tracemalloc.start()
    align_windows(sw, tw, ls, lt, config)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    found = {(b.src, b.tgt) for b in beads}
    strict = sum(g in found for g in gold) / len(gold)
    return {"n": len(src), "m": len(tgt), "seconds": seconds, "peak_mb": peak / 2**20,
            "inputs_mb": inputs / 2**20, "strict": strict}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000, 5000, 10000, 20000])
    parser.add_argument("--dim", type=int, default=512)
    args = parser.parse_args()
    config = SearchConfig()
    print(f"search={config.to_dict()} dim={args.dim} numpy={np.__version__}")
    print(f"{'N':>7}{'M':>7}{'seconds':>9}{'s/1k sent':>10}{'x time':>8}{'peak MB':>9}{'x mem':>7}{'inputs MB':>10}{'strict':>8}")
    first = None
    for size in args.sizes:
        r = measure(size, args.dim, config)
        first = first or r
        per_k = r["seconds"] / (r["n"] + r["m"]) * 1000
        print(f"{r['n']:>7}{r['m']:>7}{r['seconds']:>9.2f}{per_k:>10.3f}{r['seconds'] / first['seconds']:>8.1f}"
              f"{r['peak_mb']:>9.1f}{r['peak_mb'] / first['peak_mb']:>7.1f}{r['inputs_mb']:>10.1f}{r['strict']:>8.3f}")


if __name__ == "__main__":
    main()
