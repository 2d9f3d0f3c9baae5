"""Start-up of the command line: how long before ``align pair`` does its first useful work.

What "first useful work" means here: the moment the process opens SRC to read it (the
first ``open`` audit event on that path). Before it, the interpreter starts, the
command line and the pipeline are imported, the arguments are parsed and checked, and
the output is planned; the bundled model and the language identifier load in background
threads beside all that (and beside the reading), so they are not before it unless
something waits for them. Also timed: the one-sentence pair end to end (the process's
wall time and CPU seconds, all threads), ``align --help`` and ``align --version``.

The machine is shared and often loaded, so every figure is taken beside three references
measured in the same run, interleaved: ``python -c pass`` (the interpreter alone),
``python -c "import numpy"`` (the one import no aligning command can avoid; it is imported
beside the reading, not before it) and ``python -c "import typer, align.types"`` (what
every command imports before it can parse its arguments: the floor). Compare CPU
seconds (user + sys, steadier than wall time under load) and the ratios to those.

The embedding cache is empty (a fresh ``ALIGN_CACHE_DIR``), as a user's first run on new
text; the prepared model files (use-m3's weights, py3langid's model: :mod:`align.mapped`)
are made by a first run in that folder, which is timed apart ("first run ever").

Usage::

    python -m bench.startup [--reps 9] [--json]

Caveat: the ``open`` hook is a Python audit hook in the timed process; it sees every
audit event (a few thousand in a run) and costs a few milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/startup.py: run it from the repository root as a module: python -m bench.startup")

# Runs ``python -m align ARGS`` with an audit hook that notes the monotonic time, the
# process's CPU seconds (all threads) and the opening thread's own CPU seconds when SRC
# (argv[2]) is first opened, and writes them to $MARK_FILE.
_MARKED = r"""
import os, sys, time
src = os.path.abspath(sys.argv[2])
mark = []
def hook(event, args):
    if event == "open" and not mark and isinstance(args[0], str) and os.path.abspath(args[0]) == src:
        t = os.times()
        mark.append((time.monotonic(), t.user + t.system, time.thread_time()))
        with open(os.environ["MARK_FILE"], "w") as f:
            f.write(repr(mark[0]))
sys.addaudithook(hook)
import runpy
sys.argv[0] = "align"
runpy.run_module("align", run_name="__main__", alter_sys=True)
"""


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(start monotonic, wall seconds, CPU seconds) of one whole process."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"startup.py: {' '.join(cmd[:5])} ... failed: {err.strip()[-300:]}")
    return start, wall, usage.ru_utime + usage.ru_stime


def measure(reps: int) -> dict:
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="align-startup-") as tmp:
        folder = Path(tmp)
        src, tgt = folder / "a.txt", folder / "b.txt"
        src.write_text("Der Hund bellt.\n", encoding="utf-8")
        tgt.write_text("The dog barks.\n", encoding="utf-8")
        models = folder / "models"  # the prepared model files live here, made by the first run
        env = dict(os.environ, ALIGN_CACHE_DIR=str(models), HF_HUB_OFFLINE="1")
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
        pair = ["pair", str(src), str(tgt), "-s", "de", "-t", "en", "-f", "tsv"]
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "python -c 'import numpy'": [py, "-c", "import numpy"],
            # the floor of any command: the interpreter, the command-line framework and our types
            "python -c 'import typer, align.types'": [py, "-c", "import typer, align.types"],
            "align --version": [py, "-m", "align", "--version"],
            "align --help": [py, "-m", "align", "--help"],
        }
        first = _run([py, "-m", "align", *pair], env)  # makes the prepared model files (and bytecode)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in [*cases, "align pair (1 sentence)"]}
        marks: list[tuple[float, float, float]] = []
        for rep in range(reps):
            names = list(runs) if rep % 2 == 0 else list(runs)[::-1]
            for name in names:
                if name in cases:
                    _, wall, cpu = _run(cases[name], env)
                else:
                    # an empty embedding cache each run; the prepared model files stay
                    for stale in models.glob("embeddings.sqlite3*"):
                        stale.unlink()
                    mark_file = folder / "mark"
                    mark_file.unlink(missing_ok=True)
                    start, wall, cpu = _run([py, "-c", _MARKED, *pair], dict(env, MARK_FILE=str(mark_file)))
                    at, cpu_at, main_cpu_at = eval(mark_file.read_text())  # noqa: S307 (our own repr of floats)
                    marks.append((at - start, cpu_at, main_cpu_at))
                runs[name].append((wall, cpu))
    med = statistics.median
    record = {
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "reps": reps,
        "first_run_ever": {"wall": round(first[1], 3), "cpu": round(first[2], 3)},
        "cases": {name: {"wall": round(med(w for w, _ in r), 3), "cpu": round(med(c for _, c in r), 3)}
                  for name, r in runs.items()},
        "first_useful_work": {"wall": round(med(m[0] for m in marks), 3), "cpu": round(med(m[1] for m in marks), 3),
                              "main_thread_cpu": round(med(m[2] for m in marks), 3)},
    }
    return record


def print_report(r: dict) -> None:
    print(f"load average {r['loadavg']}; medians of {r['reps']} interleaved runs; seconds")
    print(f"  {'case':<38}{'wall':>8}{'cpu':>8}")
    for name, c in r["cases"].items():
        print(f"  {name:<38}{c['wall']:>8.3f}{c['cpu']:>8.3f}")
    f = r["first_useful_work"]
    print(f"  {'pair: first useful work':<38}{f['wall']:>8.3f}{f['cpu']:>8.3f}   (SRC opened for reading; "
          f"{f['main_thread_cpu']:.3f} cpu s in the main thread, the rest the model loading beside it)")
    print(f"  {'pair, first run ever':<38}{r['first_run_ever']['wall']:>8.3f}{r['first_run_ever']['cpu']:>8.3f}"
          "   (makes the prepared model files)")
    numpy = r["cases"]["python -c 'import numpy'"]["cpu"]
    print(f"  first useful work / import numpy (cpu): {f['cpu'] / numpy:.2f}x; "
          f"pair end to end / import numpy (cpu): {r['cases']['align pair (1 sentence)']['cpu'] / numpy:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    record = measure(args.reps)
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        print_report(record)


if __name__ == "__main__":
    main()
