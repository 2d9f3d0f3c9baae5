"""Alignment quality on adapted translations: passages left out, added and moved (issue 18).

The dev sets are faithful translations; news is adapted. From each dev set (Text+Berg
dev, Tom Sawyer val) this builds, with a fixed seed (``bench/adapted_build.py``):

- ``adapted``: at about 5% of the bead positions a run of 1-4 gold beads loses its
  sentences on one side (the other side's become unmatched), and at about 5% 1-3
  sentences of the same side, from 200 or more sentences away, are inserted unmatched;
- ``adapted+moved``: the same, plus blocks of 2-5 gold beads moved on the target side
  (about one per 60 beads), so the gold is no longer monotone.

Then it aligns the faithful set and both variants through the command line as a user
does (``python -m align pair SRC TGT -s L1 -t L2 --presegmented --format beads``, a fresh
process each, cold embedding cache unless --warm) with the default settings and with
``--no-refine`` (and ``--monotone`` once ``align pair`` has it), and with Bertalign's
algorithm on the same encoder (``bench/adapted_bertalign.py``, also a fresh process),
scores each with ``align.evaluate`` (the field's strict/lax P/R/F1) and times it.

    python -m bench.adapted [--data ../shared/data] [--seed 0] [--sets ...] [--warm] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/adapted.py: run it from the repository root as a module: python -m bench.adapted")

from bench.adapted_build import Variant, build_variants
from bench.align_quality import SETS, versions

HERE = Path(__file__).resolve().parent
VARIANTS = ("faithful", "adapted", "adapted+moved")
#: system/setting -> extra arguments of ``align pair`` (None: Bertalign's algorithm)
SYSTEMS: dict[str, list[str] | None] = {
    "align (default)": [],
    "align --no-refine": ["--no-refine"],
    "align --monotone": ["--monotone"],
    "bertalign (use-m3)": None,
}


def has_monotone(env: dict[str, str]) -> bool:
    """Whether this checkout's ``align pair`` has ``--monotone`` (issue 18 item 3)."""
    proc = subprocess.run([sys.executable, "-m", "align", "pair", "--help"], capture_output=True, text=True, env=env, check=False)
    return "--monotone" in proc.stdout


def write_variant(folder: Path, variant: Variant) -> tuple[Path, Path, Path]:
    """The variant as presegmented files (one sentence a line) and a gold bead file."""
    folder.mkdir(parents=True, exist_ok=True)
    src, tgt, gold = folder / "src.txt", folder / "tgt.txt", folder / "gold.beads"
    src.write_text("".join(s + "\n" for s in variant.src), encoding="utf-8")
    tgt.write_text("".join(t + "\n" for t in variant.tgt), encoding="utf-8")
    gold.write_text("".join(f"[{', '.join(map(str, s))}]:[{', '.join(map(str, t))}]\n" for s, t in variant.gold),
                    encoding="utf-8")
    return src, tgt, gold


def run_one(cmd: list[str], out: Path, gold: Path, env: dict[str, str]) -> dict:
    """Run one aligner process, score its beads; P/R/F1 and wall seconds."""
    from align.evaluate import read_beads, score

    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:5])} failed: {proc.stderr.strip()}")
    figures = score([read_beads(gold)], [read_beads(out)]).to_dict()
    figures["seconds"] = round(seconds, 2)
    return figures


def bench_set(data: Path, name: str, seed: int, warm: bool, monotone: bool, env: dict[str, str], tmp: Path) -> dict:
    """Every system on the faithful set and both variants of ``name``."""
    from align.evaluate import read_beads

    src_f, tgt_f, gold_f, sl, tl = SETS[name]
    src = (data / src_f).read_text(encoding="utf-8").splitlines()
    tgt = (data / tgt_f).read_text(encoding="utf-8").splitlines()
    built = build_variants(src, tgt, read_beads(data / gold_f), seed)
    files = {"faithful": (data / src_f, data / tgt_f, data / gold_f)}
    for variant, v in built.items():
        files[variant] = write_variant(tmp / name / variant, v)
    stats = {variant: {"src": len(v.src), "tgt": len(v.tgt), "gold_beads": len(v.gold),
                       "dropped_beads": len(v.edits.dropped), "insertions": len(v.edits.inserted),
                       "inserted_sentences": sum(c for _, _, c in v.edits.inserted),
                       "moved_blocks": len(v.edits.moved)} for variant, v in built.items()}
    results: dict[str, dict[str, dict | None]] = {}
    for system, extra in SYSTEMS.items():
        results[system] = {}
        for variant, (s, t, g) in files.items():
            out = tmp / name / f"{variant}.{len(results)}.out"
            if extra is None:
                cmd = [sys.executable, "-m", "bench.adapted_bertalign", str(s), str(t), "-o", str(out)]
                cmd += ["--cache"] if warm else []
            elif "--monotone" in extra and not monotone:
                results[system][variant] = None
                continue
            else:
                cmd = [sys.executable, "-m", "align", "pair", str(s), str(t), "-s", sl, "-t", tl,
                       "--presegmented", "--format", "beads", "-o", str(out), *extra]
                cmd += [] if warm else ["--no-cache"]
            results[system][variant] = run_one(cmd, out, g, env)
            print(f"  {name} {system} {variant}: done", file=sys.stderr)
    return {"variants": stats, "results": results}


def print_table(name: str, record: dict) -> None:
    """One table: rows system/setting, columns strict F1, lax F1, seconds per variant."""
    print(f"\n{name}  (" + "; ".join(
        f"{v}: {s['src']}+{s['tgt']} sentences, {s['dropped_beads']} beads dropped on one side, "
        f"{s['inserted_sentences']} sentences inserted, {s['moved_blocks']} blocks moved"
        for v, s in record["variants"].items()) + ")")
    head = "".join(f"{v:>24}" for v in VARIANTS)
    print(f"{'':<20}{head}")
    print(f"{'system/setting':<20}" + "".join(f"{'strict':>8}{'lax':>8}{'sec':>8}" for _ in VARIANTS))
    for system, by_variant in record["results"].items():
        cells = []
        for v in VARIANTS:
            r = by_variant.get(v)
            cells.append(f"{'n/a':>8}{'n/a':>8}{'n/a':>8}" if r is None else
                         f"{r['f1_strict']:>8.3f}{r['f1_lax']:>8.3f}{r['seconds']:>8.1f}")
        print(f"{system:<20}" + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    parser.add_argument("--warm", action="store_true", help="Use the embedding cache (default: cold, --no-cache).")
    parser.add_argument("--keep", type=Path, help="Write the variants and outputs here instead of a temp dir.")
    parser.add_argument("--json", action="store_true", help="Print the record as JSON instead of tables.")
    args = parser.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"no data folder at {args.data}; pass --data PATH")
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    monotone = has_monotone(env)
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or Path(scratch)
        sets = {name: bench_set(args.data, name, args.seed, args.warm, monotone, env, tmp) for name in args.sets}
    record = {"seed": args.seed, "cache": "warm" if args.warm else "cold", "monotone_flag": monotone,
              "versions": versions(), "sets": sets}
    if args.json:
        print(json.dumps(record, indent=2))
        return
    print(f"seed={args.seed} cache={record['cache']}; strict/lax F1 and wall seconds per process "
          f"(model load included); --monotone: {'yes' if monotone else 'n/a (align pair has no such flag yet)'}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in record["versions"].items()))
    for name, rec in sets.items():
        print_table(name, rec)


if __name__ == "__main__":
    main()
