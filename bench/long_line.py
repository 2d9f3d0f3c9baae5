"""Seconds per MB of `align pair` on one very long line: is every stage linear in its length?

Usage: python -m bench.long_line [--sizes 1 5 50] [--kinds plain comma] [--no-refine] [--lifted]

By default a line longer than the paragraph limit (``ALIGN_MAX_PARAGRAPH_MB``, default 2)
is refused before any work, and the row says ``refused`` with the seconds that took
(issue 20: "a single 50 MB line finishes in under a minute or is refused at once");
``--lifted`` lifts the limit to time every stage, as the figures below were measured.

The source is a short sentence, then ONE line of SIZE MB, then another short sentence; the
target is two short English sentences. Kinds of long line:

- ``plain``: words and spaces, no punctuation at all (a run-on line, a table flattened
  into one line): the segmenter finds no sentence end and cuts the line into pieces of at
  most ``MAX_SENTENCE_CHARS`` characters (``align.segment.base``);
- ``comma``: words separated by ", ": every piece also has a clause boundary every few
  words, the worst case for the clause refinement (it tokenises the text before every
  clause of a sentence, so its cost grows with the square of a sentence's length: before
  the cut, a 0.2 MB such line took 63 s and a 0.4 MB one exhausted 23 GB);
- ``punct``: "Wort Wort. " repeated: a line of ten-character sentences. This is not a
  long-sentence case but a huge document (90,000 sentences per MB, about 20 KB of memory
  each when aligned: bench/RESULTS.md), shown for comparison; keep its sizes small.

Each size runs ``python -m align pair SRC TGT -s de -t en --no-cache -f tsv`` in a fresh
process, so the model load (about 1 s) is part of every figure, and reports wall seconds,
seconds per MB, the number of source sentences and the child's peak RSS. Linear stages
show as a flat seconds-per-MB column. Memory: plain needs about 0.1 GB per 5 MB; comma
about 0.7 GB per MB (it has a clause every 28 characters, each embedded like a sentence),
so ``--kinds comma --sizes 50`` needs some 35 GB.

Figures (2026-12, 2 shared CPUs at load average 4.5-5, so seconds are noisy):

    kind  | MB | sentences | seconds | s per MB | peak RSS MB
    plain |  1 |       503 |     5.4 |      5.4 |         220
    plain |  5 |     2,507 |    34.7 |      6.9 |         321
    plain | 50 |    25,048 |   409.5 |      8.2 |       1,487
    comma |  1 |       503 |    13.8 |     13.8 |         760
    comma |  5 |     2,506 |   102.0 |     20.4 |       3,296

Before the cut (one sentence per line, in-process, model loaded): plain 0.5/1/2/5 MB took
4.3/7.2/11.3/34 s (already linear: embedding is most of it, about 7 s per MB), but comma
0.1 MB took 9 s, 0.2 MB 63 s, and 0.4 MB was killed by the kernel at 23 GB. ``punct`` at
1 MB is 90,910 sentences: 55 s and 4 GB before the cut, which changes nothing there (no
sentence is long: it is a document of that many sentences, and 50 MB of it would need
some 90 GB at 20 KB a sentence, which no limit on line length changes).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["wort", "zeitung", "regierung", "haus", "stadt", "kommission", "bericht"]


def long_line(kind: str, n_chars: int) -> str:
    """A line of about ``n_chars`` characters of the given kind (no line break in it)."""
    if kind == "plain":
        unit = " ".join(WORDS) + " "
    elif kind == "comma":
        unit = ", ".join(WORDS) + ", "
    elif kind == "punct":
        unit = "Wort Wort. "
    else:
        raise ValueError(f"unknown kind {kind!r}; use plain, comma or punct")
    return (unit * (n_chars // len(unit) + 1))[:n_chars].strip()


def run(src: Path, tgt: Path, out: Path, refine: bool, lifted: bool) -> tuple[float, float, int | None]:
    """Seconds, peak RSS in MB, and source sentences of one `align pair` run in a fresh
    process (sentences None: refused, as a line over the paragraph limit is unless ``lifted``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ALIGN_MAX_INPUT_MB": "1024"}
    env.pop("ALIGN_MAX_PARAGRAPH_MB", None)
    if lifted:
        env["ALIGN_MAX_PARAGRAPH_MB"] = "1024"
    args = [sys.executable, "-m", "align", "pair", str(src), str(tgt), "-s", "de", "-t", "en",
            "--no-cache", "-f", "tsv", "-o", str(out)]
    if not refine:
        args.append("--no-refine")
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: a full pipe would stall the child
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        message = err.read().decode().strip()
        if proc.returncode != 0 and not lifted and "ALIGN_MAX_PARAGRAPH_MB" in message:
            return seconds, usage.ru_maxrss / 1024, None
        if proc.returncode != 0:
            raise SystemExit(f"align pair failed ({proc.returncode}): {message}")
    rows = out.read_text(encoding="utf-8").splitlines()[1:]
    sentences = len({i for row in rows for i in row.split("\t")[0].split(",") if i})
    return seconds, usage.ru_maxrss / 1024, sentences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 5, 50], help="line lengths in MB (10**6 characters)")
    parser.add_argument("--kinds", nargs="+", default=["plain"], choices=["plain", "comma", "punct"])
    parser.add_argument("--no-refine", action="store_true", help="sentence level only (align pair --no-refine)")
    parser.add_argument("--lifted", action="store_true",
                        help="lift the paragraph limit (ALIGN_MAX_PARAGRAPH_MB=1024) to time every stage on long lines")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; one fresh `align pair` per row "
          f"(model load included){'; --no-refine' if args.no_refine else ''}")
    print("kind | MB | sentences | seconds | s per MB | peak RSS MB")
    with tempfile.TemporaryDirectory(prefix="align-long-line-") as tmp:
        folder = Path(tmp)
        tgt = folder / "en.txt"
        tgt.write_text("A short sentence.\nThe last sentence.\n", encoding="utf-8")
        for kind in args.kinds:
            for mb in args.sizes:
                src = folder / f"{kind}.{mb}.txt"
                src.write_text(f"Ein kurzer Satz.\n{long_line(kind, int(mb * 1e6))}\nDer letzte Satz.\n", encoding="utf-8")
                seconds, rss, sentences = run(src, tgt, folder / "out.tsv", not args.no_refine, args.lifted)
                counted = "refused" if sentences is None else f"{sentences:,}"
                print(f"{kind} | {mb:g} | {counted} | {seconds:.1f} | {seconds / mb:.1f} | {rss:,.0f}", flush=True)
                src.unlink()
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
