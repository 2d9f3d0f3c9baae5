"""One pair's work, the same in every engine: align, render the outputs to bytes.

Engines differ only in *where* :func:`align_pair` runs (this process, a process pool,
Ray workers). It returns the output files as bytes instead of writing them, so the one
process that owns the output folder writes every file and done-marker (atomically, see
``state.py``): workers on a cluster need to read the inputs but never share the output
folder, and two engines given the same pairs produce byte-identical files.
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
import stat
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from align.api import align_files
from align.batch.manifest import PairSpec
from align.embed import Encoder
from align.errors import AlignError, AlignWarning, ModelError
from align.export import get_exporter
from align.export.filters import for_exporter
from align.export.moses import moses_paths, moses_suffixes
from align.langcheck import LanguageMismatch
from align.settings import AlignSettings, FilterSettings


@dataclass(frozen=True)
class BatchOptions:
    """What every pair of a batch is aligned and written with (as ``align pair`` takes it):
    the alignment settings, whole, the output format (several: ``"tmx,tsv"``) and the TM filters."""

    #: One format name, or several separated by commas (``"tmx,tsv"``): each pair is then
    #: aligned once and written in each, as ``align pair -o ID.tmx -o ID.tsv`` would.
    fmt: str = "tmx"
    unmatched: str = "skip"
    settings: AlignSettings = field(default_factory=AlignSettings)
    filters: FilterSettings = field(default_factory=FilterSettings)
    #: TMX header date, fixed by the driver once per run (``run_batch``) rather than by each
    #: worker, so every engine writes the same bytes and ``SOURCE_DATE_EPOCH`` set where the
    #: batch is started also holds on cluster nodes that never see that environment.
    creationdate: str | None = None
    #: Moses file names: ``"lang"`` (``ID.de``, ``ID.en``) or ``"src-tgt"`` (``ID.src``, ``ID.tgt``).
    moses_suffix: str = "lang"

    @property
    def formats(self) -> tuple[str, ...]:
        """The output formats, in the order given (:attr:`fmt` split at its commas)."""
        return tuple(f.strip().lower() for f in self.fmt.split(","))

    def key(self) -> dict:
        """The settings a finished pair must have been made with to be skipped on a rerun:
        the format and whatever can change a result (:meth:`AlignSettings.result_key`; the
        cache changes speed, the input limit whether a pair runs, the date when, not how).
        The TM filters are part of it when any is on (a run without filters keeps the key,
        and the done-markers, that earlier versions wrote)."""
        d = {"fmt": self.fmt, **self.settings.result_key()}
        if "tmx" in self.formats:
            d["unmatched"] = self.unmatched
        if "moses" in self.formats:
            d["moses_suffix"] = self.moses_suffix
        if self.filters.active():
            d["filters"] = self.filters.to_dict()
        return d


@dataclass
class PairOutcome:
    """What happened to one pair: ``status`` is ``"done"`` or ``"failed"`` (with ``reason``).

    ``fatal`` marks a failure that would repeat for every pair (the model cannot load), so
    the batch stops instead of failing thousands of pairs one by one. ``files`` maps
    output file names (inside the output folder) to their bytes; ``inputs`` holds the
    SHA-256 of the source and target bytes that were aligned.
    """

    spec: PairSpec
    status: str
    reason: str = ""
    src_sentences: int = 0
    tgt_sentences: int = 0
    beads: int = 0
    seconds: float = 0.0
    files: dict[str, bytes] = field(default_factory=dict)
    inputs: tuple[str, str] = ("", "")
    fatal: bool = False
    #: Which encoder load aligned the pair (see :func:`load_id`): the driver counts the
    #: distinct values, which shows each worker loaded the model once, not once per pair.
    worker: str = ""
    #: The :class:`~align.errors.AlignWarning` messages the pair raised (bad bytes replaced
    #: in an input), carried back so the driver shows them wherever the pair ran.
    warnings: list[str] = field(default_factory=list)
    #: Units each TM filter removed from the pair's output (:mod:`align.export.filters`).
    filtered: dict[str, int] = field(default_factory=dict)


def load_id() -> str:
    """A token for one encoder load in one process (host, pid, a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def file_digest(path: str) -> str:
    """SHA-256 of a regular file's bytes ("" when it cannot be read, or is a FIFO or device:
    the pair is then not finished).

    Opened without blocking and checked before reading, so a FIFO in a manifest (whose
    pair fails when it runs) cannot hang the driver's check for finished pairs.
    """
    h = hashlib.sha256()
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return ""
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return ""
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()


def output_names(pair_id: str, fmt: str, langs: tuple[str, str], moses_suffix: str = "lang") -> tuple[str, ...]:
    """File names (inside the output folder) of one pair's outputs in format ``fmt``; ``langs``
    (the pair's source and target language) name Moses files unless ``moses_suffix`` is ``"src-tgt"``."""
    exporter = get_exporter(fmt)
    if exporter.name == "moses":
        return tuple(Path(p).name for p in moses_paths(pair_id, moses_suffixes(*langs, moses_suffix)))
    return (pair_id + exporter.extensions[0],)


def render(alignment, pair_id: str, options: BatchOptions) -> tuple[dict[str, bytes], dict[str, int]]:
    """The output files of one alignment in each format, as bytes (what ``align pair -o`` would
    write), and the units each TM filter removed (the same for every format it applies to)."""
    files: dict[str, bytes] = {}
    filtered: dict[str, int] = {}
    for fmt in options.formats:
        exporter = get_exporter(fmt)
        kwargs = {"unmatched": options.unmatched, "creationdate": options.creationdate} if exporter.name == "tmx" else {}
        exporter.check_options(kwargs)
        written, kwargs, removed = for_exporter(exporter, alignment, options.filters, kwargs)
        filtered = filtered or removed
        names = output_names(pair_id, fmt, (alignment.src.lang, alignment.tgt.lang), options.moses_suffix)
        buffers = tuple(io.BytesIO() for _ in names)
        exporter.write(written, buffers if len(buffers) > 1 else buffers[0], **kwargs)
        files.update((name, buf.getvalue()) for name, buf in zip(names, buffers))
    return files, filtered


def align_pair(spec: PairSpec, encoder: Encoder, options: BatchOptions, worker: str = "") -> PairOutcome:
    """Align one pair with an already loaded encoder; never raises for a bad pair.

    ``worker`` is the :func:`load_id` of ``encoder``, passed through to the outcome.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AlignWarning)
        outcome = _align_pair(spec, encoder, options)
    outcome.worker = worker
    for w in caught:
        if issubclass(w.category, AlignWarning):
            outcome.warnings.append(str(w.message))
        else:  # not ours to carry: show it as it would have been shown
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return outcome


def _align_pair(spec: PairSpec, encoder: Encoder, options: BatchOptions) -> PairOutcome:
    start = time.perf_counter()
    try:
        alignment = align_files(
            spec.src, spec.tgt, spec.src_lang, spec.tgt_lang,
            **{**options.settings.api_options(), "model": encoder},  # the encoder this worker loaded once
            regular_only=True,  # read again below for the digests, by a worker
        )
        files, filtered = render(alignment, spec.id, options)
        return PairOutcome(
            spec, "done", "", len(alignment.src), len(alignment.tgt), len(alignment.beads),
            time.perf_counter() - start, files, (file_digest(spec.src), file_digest(spec.tgt)), filtered=filtered,
        )
    except ModelError as err:
        return PairOutcome(spec, "failed", str(err), seconds=time.perf_counter() - start, fatal=True)
    except LanguageMismatch as err:  # the way out is the manifest's column, not -s/-t
        column = "src_lang" if err.side == "source" else "tgt_lang"
        reason = err.message(f"write {err.detected} in the manifest's {column}, or give --no-lang-check to keep "
                             f"{err.declared}")
        return PairOutcome(spec, "failed", reason, seconds=time.perf_counter() - start)
    except AlignError as err:
        return PairOutcome(spec, "failed", str(err), seconds=time.perf_counter() - start)
    except Exception as err:  # noqa: BLE001
        # A bug or a pathological input in one pair must not stop a batch of thousands.
        return PairOutcome(spec, "failed", f"{type(err).__name__}: {err}", seconds=time.perf_counter() - start)
