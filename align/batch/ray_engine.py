"""The Ray engine: the batch's per-pair work on Ray Data, locally or on a cluster.

Pairs become rows of a Ray dataset; :class:`PairAligner` is a *stateful*, class-based
``map_batches`` function, so Ray keeps a pool of ``workers`` actors and each loads the
encoder once in its constructor and reuses it for every pair it aligns (the expensive
part: model weights, tokenizer, BLAS threads). Each row comes back with the pair's
outputs as bytes; the driver writes them (``state.py``), exactly as for the local
engine, so both engines give byte-identical files.

Without ``RAY_ADDRESS`` this starts a local Ray instance with ``workers`` CPUs and stops
it at the end; with ``RAY_ADDRESS`` it joins that cluster (whose nodes need ``align``
installed and the input paths readable; ``auto`` means the one ``ray start`` runs on this
machine). An already initialised Ray is used as it is.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import socket
import sys
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from align.batch.manifest import PairSpec
from align.batch.work import BatchOptions, PairOutcome, align_pair, load_id
from align.errors import AlignError

#: Seconds to wait for a TCP answer from ``RAY_ADDRESS`` before calling it unreachable.
PROBE_TIMEOUT = 5.0


class PairAligner:
    """Ray Data callable class: one instance per worker actor, one encoder per instance."""

    def __init__(self, options: BatchOptions) -> None:
        from align.embed import load_encoder

        self.options = options
        self.error: AlignError | None = None
        self.load = load_id()
        try:
            self.encoder = load_encoder(options.settings.model, cache=options.settings.cache)
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
                outcome = align_pair(spec, self.encoder, self.options, self.load)
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


def _probe(address: str) -> None:
    """Fail at once, in one line, when nothing answers at ``address``.

    Without this, ``ray.init`` retries an unreachable head node for more than ten minutes
    and writes dozens of log lines to stderr before giving up.
    """
    if address.lower() in ("auto", "local"):
        return  # Ray finds (or starts) the local cluster itself
    parts = urlsplit(address if "://" in address else f"//{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise AlignError(f"RAY_ADDRESS {address!r} is not HOST:PORT; use e.g. 10.0.0.5:6379 or auto") from None
    if not host or port is None:
        return  # a form this check does not know; let Ray judge it
    try:
        socket.create_connection((host, port), timeout=PROBE_TIMEOUT).close()
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise AlignError(
            f"RAY_ADDRESS {address}: no Ray cluster answers there ({reason}); start it (ray start --head) "
            "or fix RAY_ADDRESS, or unset it to run Ray on this machine"
        ) from None


@contextlib.contextmanager
def _stderr_to(sink: Any) -> Iterator[None]:
    """Send file descriptor 2 to ``sink`` for a while.

    Ray's C++ core logs its connection retries straight to the process' stderr (one line a
    second while a cluster refuses this driver), which no Python logging setting reaches;
    the batch reports the outcome itself, in one line.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        os.dup2(sink.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _init(ray: Any, workers: int) -> bool:
    """Start or join Ray; True when this call started it (and so must shut it down)."""
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.ERROR,
                              "log_to_driver": False, "configure_logging": True}
    address = os.environ.get("RAY_ADDRESS", "").strip()
    if not address:
        # "local": a new instance even when `ray start` left one running on this machine
        # (plain ray.init() would join that and refuse num_cpus); RAY_ADDRESS=auto joins it.
        kwargs.update(address="local", num_cpus=max(workers, 1))
        try:
            ray.init(**kwargs)
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise AlignError(f"cannot start a local Ray instance: {str(err).splitlines()[0]}; "
                             "use --engine local") from None
        return True
    _probe(address)
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        try:
            with _stderr_to(log):
                ray.init(**kwargs)
        except (ConnectionError, RuntimeError, ValueError) as err:
            log.seek(0)
            said = log.read()
            first = str(err).splitlines()[0] if str(err) else type(err).__name__
            if "Unauthenticated" in said or "InvalidAuthToken" in said:
                raise AlignError(
                    f"the Ray cluster at {address} uses token authentication and refused this process; "
                    "set RAY_AUTH_MODE=token (the token is read from RAY_AUTH_TOKEN or ~/.ray/auth_token)"
                ) from None
            raise AlignError(f"cannot join the Ray cluster at {address}: {first.rstrip('. ')}; check RAY_ADDRESS") from None
    return True


def run_ray(specs: list[PairSpec], options: BatchOptions, workers: int = 1,
            encoder: object = None) -> Iterator[PairOutcome]:
    """Outcomes of ``specs`` as Ray workers finish them (``encoder`` is not used: each Ray
    worker loads its own, since a loaded model cannot be shipped to a cluster's nodes)."""
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
            # Unpickling is safe here: these bytes were pickled a moment ago by this run's own
            # PairAligner actors and come back through Ray's object store, which itself moves
            # every task and argument as (cloud)pickles; they are never read from a file or a
            # user. Whoever could alter them could already run code in the cluster.
            yield pickle.loads(row["outcome"])
    finally:
        if started:
            ray.shutdown()
