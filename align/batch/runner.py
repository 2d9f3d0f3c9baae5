"""Run a batch: skip finished pairs, hand the rest to an engine, commit results as they come.

The *local* engine runs pairs in this process (one worker) or in a pool of worker
processes; either way each process loads the encoder once and reuses it for every pair
it aligns. The *ray* engine (``ray_engine.py``) runs the same per-pair work on Ray Data.
Both hand each :class:`~align.batch.work.PairOutcome` back here, where the only writer
of the output folder commits it (``state.py``), so outputs do not depend on the engine.

Example::

    from align.batch import BatchOptions, read_manifest, run_batch
    summary = run_batch(read_manifest("pairs.tsv"), "out/", BatchOptions(fmt="tsv"))
    print(summary.format())
"""

from __future__ import annotations

import multiprocessing
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from align.batch.manifest import PairSpec
from align.batch.state import check_batch_outputs, commit, exclusive, is_finished, prepare_out_dir, remove_created
from align.batch.work import BatchOptions, PairOutcome, align_pair, load_id
from align.embed import Encoder, load_encoder
from align.errors import AlignError, AlignWarning, Interrupted
from align.export.tmx import tmx_date
from align.plugins import ENGINES
from align.progress import Steps, reports_progress, steps
from align.read import max_input_bytes
from align.textsafe import shown_path

Progress = Callable[[str], None]


@dataclass
class BatchSummary:
    """Totals of one run. ``failed`` lists ``(id, reason)``; sentences and beads count the
    pairs aligned in this run (skipped pairs were counted by the run that made them).
    ``model_loads`` is how many times a worker loaded the encoder in this run: at most
    ``workers``, however many pairs there were."""

    total: int = 0
    done: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    sentences: int = 0
    beads: int = 0
    seconds: float = 0.0
    engine: str = "local"
    workers: int = 1
    model_loads: int = 0
    #: Units each TM filter removed, over the pairs aligned in this run.
    filtered: dict[str, int] = field(default_factory=dict)

    def format(self) -> str:
        """The summary a person reads at the end of ``align batch``."""
        lines = [
            f"{self.total} pair{'s' if self.total != 1 else ''}: {self.done} done, {self.skipped} skipped (already done), {len(self.failed)} failed",
            (f"{self.sentences} sentences, {self.beads} beads in {self.seconds:.1f} s "
             f"({self.engine} engine, {self.workers} worker{'s' if self.workers != 1 else ''})"),
        ]
        lines += [f"failed {pid}: {reason}" for pid, reason in self.failed]
        return "\n".join(lines)


# --- the local engine ---------------------------------------------------------------

_worker: dict[str, object] = {}


def _init_worker(options: BatchOptions) -> None:
    """Pool initializer: load the encoder once for every pair this process will align."""
    try:
        _worker["encoder"] = load_encoder(options.settings.model, cache=options.settings.cache)
        _worker["load"] = load_id()
    except AlignError as err:
        _worker["error"] = err


def _pool_align(spec: PairSpec, options: BatchOptions) -> PairOutcome:
    if "error" in _worker:
        return PairOutcome(spec, "failed", str(_worker["error"]), fatal=True)
    return align_pair(spec, _worker["encoder"], options, str(_worker["load"]))  # type: ignore[arg-type]


def run_local(specs: list[PairSpec], options: BatchOptions, workers: int = 1,
              encoder: Encoder | None = None) -> Iterator[PairOutcome]:
    """Outcomes of ``specs`` in completion order, from this process or a process pool."""
    if not specs:
        return
    if workers <= 1:
        encoder = encoder or load_encoder(options.settings.model, cache=options.settings.cache)
        worker = load_id()
        for spec in specs:
            yield align_pair(spec, encoder, options, worker)
        return
    # spawn: a clean interpreter per worker (fork would copy this process's threads and locks)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(specs)), mp_context=context,
                             initializer=_init_worker, initargs=(options,)) as pool:
        futures = [pool.submit(_pool_align, spec, options) for spec in specs]
        try:
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    raise AlignError("a worker process died (out of memory?); rerun the same command to resume, "
                                     "with fewer --workers if it happens again") from None
                yield outcome
        finally:
            for f in futures:
                f.cancel()


# --- the driver ---------------------------------------------------------------------


@reports_progress
def run_batch(
    pairs: list[PairSpec],
    out_dir: str,
    options: BatchOptions,
    *,
    engine: str = "local",
    workers: int = 1,
    progress: Progress | None = None,
    encoder: Encoder | None = None,
    inputs: Sequence[str] = (),
) -> BatchSummary:
    """Align every unfinished pair of ``pairs`` into ``out_dir`` and return the totals.

    A pair that fails is listed with its reason and the batch goes on; a failure that
    would repeat for every pair (the model cannot be loaded) raises :class:`AlignError`.
    ``encoder`` (local engine, one worker) reuses an encoder the caller already loaded.
    TMX files of one run share one ``creationdate`` (``SOURCE_DATE_EPOCH`` or the start
    of the run) unless ``options`` sets it. ``inputs`` names other files the run reads (the
    manifest): like every pair's texts, no output may overwrite them. Every output and
    done-marker to be written is checked before any work
    (:func:`~align.batch.state.check_batch_outputs`).
    """
    ENGINES.get(engine)  # an unknown engine fails here, listing the valid ones
    if workers < 1:
        raise AlignError(f"--workers must be at least 1, got {workers}")
    progress = progress or (lambda _msg: None)
    start = time.perf_counter()
    if "tmx" in options.formats and options.creationdate is None:
        options = replace(options, creationdate=tmx_date())
    if options.settings.max_input_bytes is None:  # resolved here, so workers elsewhere need no environment
        options = replace(options, settings=replace(options.settings, max_input_bytes=max_input_bytes()))
    directory, created = prepare_out_dir(out_dir)
    try:
        with exclusive(directory):
            summary = _run(pairs, directory, options, engine, workers, progress, encoder, inputs)
    except BaseException as err:
        # A run that stops before its first output (no model, Ctrl-C while loading) leaves
        # no empty folders behind; one that wrote outputs keeps them (rmdir refuses).
        remove_created(created)
        if isinstance(err, KeyboardInterrupt) and not isinstance(err, Interrupted) and directory.exists():
            raise Interrupted(
                f"pairs finished before the interruption are kept in {shown_path(out_dir)}; rerun the same "
                "command to do the rest (no partial output file was kept)"
            ) from None
        raise
    summary.seconds = time.perf_counter() - start
    return summary


def _run(pairs: list[PairSpec], directory: Path, options: BatchOptions, engine: str, workers: int,
         progress: Progress, encoder: Encoder | None, inputs: Sequence[str]) -> BatchSummary:
    """The body of :func:`run_batch` once the output folder exists and is locked."""
    summary = BatchSummary(total=len(pairs), engine=engine, workers=workers)
    loads: set[str] = set()
    todo = []
    for spec in pairs:
        if is_finished(directory, spec, options):
            summary.skipped += 1
        else:
            todo.append(spec)
    if summary.skipped:
        progress(f"{summary.skipped} of {len(pairs)} pairs already done; aligning {len(todo)}")
    # Before any work: the outputs to be written are safe to write (finished pairs are not
    # rewritten, so a user may have made theirs read-only); every input of the batch counts.
    check_batch_outputs(directory, todo, options, [*inputs, *(p for spec in pairs for p in (spec.src, spec.tgt))])

    outcomes = ENGINES.get(engine)(todo, options, workers, encoder)
    with steps("batch", len(todo), "pairs") as pairs_done:
        _collect(outcomes, pairs, directory, options, summary, progress, pairs_done, loads)
    order = {spec.id: spec.line for spec in pairs}
    summary.failed.sort(key=lambda item: order[item[0]])
    summary.model_loads = len(loads)
    return summary


def _collect(outcomes: Iterable[PairOutcome], pairs: list[PairSpec], directory: Path, options: BatchOptions,
             summary: BatchSummary, progress: Progress, pairs_done: Steps, loads: set[str]) -> None:
    """Commit each pair's outcome as it arrives, counting it on ``pairs_done``."""
    finished = summary.skipped
    for outcome in outcomes:
        if outcome.fatal:
            raise AlignError(outcome.reason)
        loads.add(outcome.worker)
        finished += 1
        pid = outcome.spec.id
        for message in outcome.warnings:
            warnings.warn(f"{pid}: {message}", AlignWarning, stacklevel=2)
        if outcome.status == "done":
            try:
                commit(directory, outcome, options)
            except AlignError as err:  # a full disk affects every pair; stop rather than fail them all
                raise AlignError(f"{pid}: {err}") from None
            summary.done += 1
            summary.sentences += outcome.src_sentences + outcome.tgt_sentences
            summary.beads += outcome.beads
            for name, n in outcome.filtered.items():
                summary.filtered[name] = summary.filtered.get(name, 0) + n
            progress(f"[{finished}/{len(pairs)}] {pid}: {outcome.src_sentences} + {outcome.tgt_sentences} "
                     f"sentences, {outcome.beads} beads ({outcome.seconds:.1f} s)")
        else:
            summary.failed.append((pid, outcome.reason))
            progress(f"[{finished}/{len(pairs)}] {pid}: failed: {outcome.reason}")
        pairs_done.advance()
