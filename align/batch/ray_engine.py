"""The Ray engine: the batch's per-pair work on Ray Data, locally or on a cluster.

Pairs become rows of a Ray dataset; :class:`PairAligner` is a *stateful*, class-based
``map_batches`` function, so Ray keeps a pool of ``workers`` actors and each loads the
encoder once in its constructor and reuses it for every pair it aligns (the expensive
part: model weights, tokenizer, BLAS threads). Each row comes back with the pair's
outputs as bytes; the driver writes them (``state.py``), exactly as for the local
engine, so both engines give byte-identical files.

Without ``RAY_ADDRESS`` this starts a local Ray instance with ``workers`` CPUs and stops
it at the end; with ``RAY_ADDRESS`` it joins that cluster (whose nodes need ``align``
installed and the input paths readable). An already initialised Ray is used as it is.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import warnings
from collections.abc import Iterator
from typing import Any

from align.batch.manifest import PairSpec
from align.batch.work import BatchOptions, PairOutcome, align_pair
from align.errors import AlignError


class PairAligner:
    """Ray Data callable class: one instance per worker actor, one encoder per instance."""

    def __init__(self, options: BatchOptions) -> None:
        from align.embed import load_encoder

        self.options = options
        self.error: AlignError | None = None
        try:
            self.encoder = load_encoder(options.model, cache=options.cache)
        except AlignError as err:  # reported per row as fatal: the driver stops the batch
            self.error = err

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        out = []
        for row in batch.to_pylist():
            spec = PairSpec(**row)
            if self.error is not None:
                outcome = PairOutcome(spec, "failed", str(self.error), fatal=True)
            else:
                outcome = align_pair(spec, self.encoder, self.options)
            out.append(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
        return pa.table({"outcome": pa.array(out, type=pa.large_binary())})


def _bound(options: BatchOptions) -> type[PairAligner]:
    """A PairAligner class with ``options`` built in (shipped with the class, not as
    constructor arguments in the object store, which Ray warns about for restartable actors)."""

    class BoundPairAligner(PairAligner):
        def __init__(self) -> None:
            super().__init__(options)

    return BoundPairAligner


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise AlignError("--engine ray needs Ray Data: pip install 'align[ray]' (or use --engine local)") from None
    return ray


def _init(ray: Any, workers: int) -> bool:
    """Start or join Ray; True when this call started it (and so must shut it down)."""
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.ERROR,
                              "log_to_driver": False, "configure_logging": True}
    if not os.environ.get("RAY_ADDRESS"):
        kwargs["num_cpus"] = max(workers, 1)
    try:
        ray.init(**kwargs)
    except (ConnectionError, RuntimeError, ValueError) as err:
        where = os.environ.get("RAY_ADDRESS") or "a local instance"
        raise AlignError(f"cannot start Ray ({where}): {str(err).splitlines()[0]}; check RAY_ADDRESS") from None
    return True


def run_ray(specs: list[PairSpec], options: BatchOptions, workers: int = 1) -> Iterator[PairOutcome]:
    """Outcomes of ``specs`` as Ray workers finish them."""
    if not specs:
        return
    ray = _import_ray()
    started = _init(ray, workers)
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = sys.stderr.isatty()
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # per-run notices are not the user's business
        rows = [{"id": s.id, "src": s.src, "tgt": s.tgt, "src_lang": s.src_lang, "tgt_lang": s.tgt_lang,
                 "line": s.line} for s in specs]
        with warnings.catch_warnings():
            # max_restarts=0 is Ray Data's documented switch for "do not restart a failed
            # actor" (Ray otherwise also warns about restartable actors); Ray 2.5x flags
            # the keyword as deprecated without a named replacement yet.
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
                _bound(options),
                batch_size=1,
                batch_format="pyarrow",
                compute=ray.data.ActorPoolStrategy(size=min(workers, len(specs))),
                num_cpus=1,
                max_restarts=0,
            )
        for row in dataset.iter_rows():
            yield pickle.loads(row["outcome"])
    finally:
        if started:
            ray.shutdown()
