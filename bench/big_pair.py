"""A 100,000-sentence pair end to end: time, peak RSS and peak traced memory by size.

Usage: python -m bench.big_pair [--sizes 10000 50000 100000] [--repeated 10000 20000 40000]
       [--no-trace] [--model use-m3] [--no-refine]

The pair is real parallel text with a known alignment: the gold beads of the shared
Tom Sawyer (de-en) and Text+Berg (de-fr, its French side standing in as the target)
validation sets, drawn in random order with replacement until the source side has N
sentences. Both sides are written as files, one sentence per line, and go through the
public API exactly as ``align pair SRC TGT --presegmented -o out.tmx`` does: read,
split into lines, embed (use-m3, no cache, so every sentence is embedded), align, and
export TMX (streamed) and beads.

Each size runs in a fresh process so that peak RSS (``ru_maxrss``) is that size's own;
a second fresh process repeats the run under :mod:`tracemalloc` (which slows Python
allocations several-fold, so its time is not reported) for the peak of traced memory,
which numpy's arrays are part of. Printed per size: seconds per stage, total, sentences per
second, peak RSS, peak traced memory, bytes per sentence (of the whole RSS, and of what the
run added to the RSS of the loaded model: issue 20's figure, memory beyond a fixed start),
and the strict F1 against the known gold beads, so that the figures are of a correct
alignment. Linear memory shows as a flat bytes-per-sentence column.

The repeated-text rows (``--repeated``) are the worst case for a search band (issue 20):
Tom Sawyer val's two sides, each repeated to N lines (``(lines * k)[:N]``; the sides have
2,448 and 2,455 lines, so their copies drift apart), with gold.txt's beads repeated at
each copy's offsets (a bead whose counterpart falls past line N keeps only what is left).
The anchor path jumps a whole copy there, so one row of the band is a copy wide.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/big_pair.py: run it from the repository root as a module: python -m bench.big_pair")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SOURCES = [
    (SHARED / "tomsawyer-val" / "de.txt", SHARED / "tomsawyer-val" / "en.txt", SHARED / "tomsawyer-val" / "gold.txt"),
    (SHARED / "textberg-dev" / "dev.de", SHARED / "textberg-dev" / "dev.fr", SHARED / "textberg-dev" / "dev.defr"),
]


def build_pair(n: int, seed: int, folder: Path) -> tuple[Path, Path, list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """Write an N-sentence source and its target (beads drawn from gold sets); return the gold beads."""
    from align.evaluate import read_beads

    pool = []
    for src_path, tgt_path, gold_path in SOURCES:
        src = src_path.read_text(encoding="utf-8").splitlines()
        tgt = tgt_path.read_text(encoding="utf-8").splitlines()
        for s_ids, t_ids in read_beads(gold_path):
            if s_ids or t_ids:
                pool.append(([src[i] for i in s_ids], [tgt[j] for j in t_ids]))
    rng = random.Random(seed)
    src_lines: list[str] = []
    tgt_lines: list[str] = []
    gold = []
    while len(src_lines) < n:
        s, t = rng.choice(pool)
        gold.append((tuple(range(len(src_lines), len(src_lines) + len(s))), tuple(range(len(tgt_lines), len(tgt_lines) + len(t)))))
        src_lines.extend(s)
        tgt_lines.extend(t)
    src_file, tgt_file = folder / f"src.{n}.txt", folder / f"tgt.{n}.txt"
    src_file.write_text("\n".join(src_lines) + "\n", encoding="utf-8")
    tgt_file.write_text("\n".join(tgt_lines) + "\n", encoding="utf-8")
    return src_file, tgt_file, gold


def build_repeated(n: int, folder: Path) -> tuple[Path, Path, list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """Write Tom Sawyer val's two sides each repeated to N lines; return the repeated gold beads."""
    from align.evaluate import read_beads

    src_path, tgt_path, gold_path = SOURCES[0]
    src = src_path.read_text(encoding="utf-8").splitlines()
    tgt = tgt_path.read_text(encoding="utf-8").splitlines()
    beads = read_beads(gold_path)
    copies = n // min(len(src), len(tgt)) + 1
    gold = []
    for c in range(copies):
        for s_ids, t_ids in beads:
            s = tuple(i + c * len(src) for i in s_ids if i + c * len(src) < n)
            t = tuple(j + c * len(tgt) for j in t_ids if j + c * len(tgt) < n)
            if s or t:
                gold.append((s, t))
    src_file, tgt_file = folder / f"src.rep{n}.txt", folder / f"tgt.rep{n}.txt"
    src_file.write_text("\n".join((src * copies)[:n]) + "\n", encoding="utf-8")
    tgt_file.write_text("\n".join((tgt * copies)[:n]) + "\n", encoding="utf-8")
    return src_file, tgt_file, gold


def run_one(src: str, tgt: str, out: str, model: str, trace: bool, refine: bool = True) -> dict:
    """One end-to-end run in this process; returns stage times and memory figures."""
    from align.api import align_documents
    from align.embed import load_encoder
    from align.export import export
    from align.read import read_document
    from align.search import SearchConfig
    from align.segment import presegmented

    encoder = load_encoder(model, cache=False)  # loading the model is not part of the figures
    encoder.encode(["Ein Satz zum Aufwärmen."])  # nor are the buffers of a first call
    loaded_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if trace:
        tracemalloc.start()
    times = {}
    t0 = time.perf_counter()
    src_doc, tgt_doc = read_document(src, "de"), read_document(tgt, "en")
    times["read"] = time.perf_counter() - t0
    t = time.perf_counter()
    src_doc, tgt_doc = presegmented(src_doc), presegmented(tgt_doc)
    times["split"] = time.perf_counter() - t
    t = time.perf_counter()
    alignment = align_documents(src_doc, tgt_doc, model=encoder, paragraphs=False, config=SearchConfig(refine=refine))
    times["embed+align"] = time.perf_counter() - t
    t = time.perf_counter()
    export(alignment, out, "tmx")
    export(alignment, out + ".beads", "beads")
    times["export"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    result = {
        "times": times,
        "src_sentences": len(src_doc.sentences),
        "tgt_sentences": len(tgt_doc.sentences),
        "beads": [(list(b.src), list(b.tgt)) for b in alignment.beads],
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "loaded_rss_mb": loaded_mb,
    }
    if trace:
        result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 50_000, 100_000])
    parser.add_argument("--repeated", type=int, nargs="*", default=[10_000, 20_000, 40_000],
                        help="lines a side of the repeated-text pairs (Tom Sawyer val repeated); none to skip")
    parser.add_argument("--model", default="use-m3")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument("--no-refine", action="store_true", help="sentence level only (align pair --no-refine)")
    parser.add_argument("--child", nargs=5, metavar=("SRC", "TGT", "OUT", "MODEL", "TRACE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        src, tgt, out, model, trace = args.child
        print(json.dumps(run_one(src, tgt, out, model, trace == "1", refine=not args.no_refine)))
        return 0

    from align.evaluate import score

    print(f"model {args.model}, {os.cpu_count()} CPUs; one fresh process per run; model load not counted")
    header = ("sentences (src/tgt)", "read", "split", "embed+align", "export", "total s", "sent/s",
              "peak RSS MB", "RSS B/sent", "B/sent beyond model", "traced peak MB", "traced B/sent", "strict F1")
    print(" | ".join(header))
    with tempfile.TemporaryDirectory(prefix="align-big-") as tmp:
        folder = Path(tmp)
        jobs = [("", n, False) for n in args.sizes] + [("repeated ", n, True) for n in args.repeated]
        for label, n, repeated in jobs:
            src, tgt, gold = build_repeated(n, folder) if repeated else build_pair(n, args.seed, folder)
            out = str(folder / f"out.{'rep' if repeated else ''}{n}.tmx")
            runs = {}
            for trace in ([False] if args.no_trace else [False, True]):
                done = subprocess.run(
                    [sys.executable, "-m", "bench.big_pair", "--child", str(src), str(tgt), out, args.model,
                     "1" if trace else "0", *(["--no-refine"] if args.no_refine else [])],
                    capture_output=True, text=True, check=True,
                )
                runs[trace] = json.loads(done.stdout.strip().splitlines()[-1])
            plain = runs[False]
            f1 = score([gold], [[tuple(map(tuple, b)) for b in plain["beads"]]]).to_dict()["f1_strict"]
            t = plain["times"]
            total_sents = plain["src_sentences"] + plain["tgt_sentences"]
            traced = runs.get(True, {}).get("traced_peak_mb")
            print(" | ".join([
                f"{label}{plain['src_sentences']:,}/{plain['tgt_sentences']:,}",
                f"{t['read']:.1f}", f"{t['split']:.1f}", f"{t['embed+align']:.1f}", f"{t['export']:.1f}",
                f"{t['total']:.1f}", f"{total_sents / t['total']:.0f}", f"{plain['rss_mb']:.0f}",
                f"{plain['rss_mb'] * 2**20 / total_sents:.0f}",
                f"{(plain['rss_mb'] - plain['loaded_rss_mb']) * 2**20 / total_sents:.0f}",
                f"{traced:.0f}" if traced else "-",
                f"{traced * 1e6 / total_sents:.0f}" if traced else "-",
                f"{f1:.3f}",
            ]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
