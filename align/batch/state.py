"""The output folder's record of finished pairs, so a rerun resumes where a run stopped.

A pair is finished when its done-marker ``DIR/.done/ID.json`` exists, records the same
inputs (SHA-256 of their bytes), languages and settings as the current run, and every
output file it lists is present with the recorded SHA-256. Outputs are written first and
the marker last, each atomically (``align.files``), so a run killed at any
moment leaves either a finished pair or one that is done again; never a pair that looks
finished but is not.

Only one process writes here: the batch driver holds a lock (``DIR/.done/.lock``, removed
at the end) for the whole run, so a second ``align batch`` into the same folder is
refused instead of racing the first. Holding it also makes it safe to delete the hidden
temporary files (``.NAME.XXXXXXXX.tmp``) that a run killed in the middle of a write
leaves behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from align.batch.manifest import PairSpec
from align.batch.work import BatchOptions, PairOutcome, file_digest, output_names
from align.errors import OutputError
from align.files import InputFiles, atomic_output, atomic_outputs, check_contained, check_target
from align.textsafe import json_dumps, shown_path

MARKERS = ".done"
LOCK = ".lock"
_VERSION = 1
#: The temporary files of ``atomic_output`` (``tempfile.mkstemp``: ".NAME." + 8 characters + ".tmp").
_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")


def prepare_out_dir(out_dir: str) -> tuple[Path, list[Path]]:
    """Create the output folder (and its marker folder) or say why it cannot be used.

    Returns the folder and the folders this call created, deepest first, so that a run
    that stops before writing anything (the model cannot be loaded) can take them back
    with :func:`remove_created`.
    """
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise OutputError(f"--out-dir {shown_path(out_dir)} is a file; give a folder (it is created if missing)")
    # The marker folder is the tool's own: a link there would send markers, the lock and the
    # clean-up of stale temporary files wherever it points.
    check_contained(path / MARKERS, path)
    created = [p for p in (path / MARKERS, path, *path.parents) if not p.exists()]
    try:
        (path / MARKERS).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        remove_created(created)
        raise OutputError(f"cannot create --out-dir {out_dir}: {err.strerror or err}; choose another folder") from None
    if not os.access(path, os.W_OK):
        raise OutputError(f"cannot write in --out-dir {out_dir}: permission denied; choose another folder")
    return path, created


def remove_created(created: list[Path]) -> None:
    """Remove the folders :func:`prepare_out_dir` made, deepest first, as long as they are empty.

    ``rmdir`` refuses a folder with anything in it, so a finished pair's outputs (or a
    file someone else put there meanwhile) are never touched.
    """
    for folder in created:
        try:
            folder.rmdir()
        except OSError:
            return


@contextlib.contextmanager
def exclusive(out_dir: Path) -> Iterator[None]:
    """Hold the folder's lock for a run, after removing what a killed run left half-written.

    The lock is an ``flock`` on ``DIR/.done/.lock``, a file that exists only while a run
    holds it: the kernel drops the lock when the process dies, even by SIGKILL, so a
    killed run never leaves the folder locked (only, at worst, the empty file).
    """
    handle = _lock(out_dir / MARKERS / LOCK, out_dir)
    try:
        for folder in (out_dir, out_dir / MARKERS):
            for stale in folder.glob(".*.tmp"):
                if _TEMP.match(stale.name):
                    with contextlib.suppress(OSError):
                        stale.unlink()
        yield
    finally:
        with contextlib.suppress(OSError):
            (out_dir / MARKERS / LOCK).unlink()  # while still holding it, so no one else locks this file
        handle.close()  # releases the lock


def _lock(lock_path: Path, out_dir: Path) -> IO[str]:
    """Open and ``flock`` the lock file; refuse at once when another run holds it.

    Opened with ``O_NOFOLLOW``: a link planted at the lock's name is refused, not followed.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        try:
            handle = os.fdopen(os.open(lock_path, flags, 0o644), "a")
        except OSError as err:
            raise OutputError(f"cannot write in --out-dir {out_dir}: {err.strerror or err}; choose another folder") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise OutputError(
                f"another align batch is writing to --out-dir {out_dir}; wait for it to finish or choose another folder"
            ) from None
        try:
            if os.stat(lock_path).st_ino == os.fstat(handle.fileno()).st_ino:
                return handle
        except FileNotFoundError:
            pass
        handle.close()  # the run that held it removed the file meanwhile: lock the new one


def check_batch_outputs(out_dir: Path, pairs: Sequence[PairSpec], options: BatchOptions,
                        inputs: Sequence[str] = ()) -> None:
    """Before any work: every output and done-marker of ``pairs`` can be written safely.

    Refused (one line, nothing written): a symbolic link at an output's or marker's name
    (an unpacked archive can bring one), an existing read-only output, and an output that
    is the same file as one of ``inputs`` (give every text of the batch and the manifest,
    not only these pairs'). The inputs are looked up by device and inode once, so a batch
    of thousands of pairs costs a few ``stat`` calls per pair.
    """
    sources = InputFiles([*inputs, *(p for spec in pairs for p in (spec.src, spec.tgt))])
    for spec in pairs:
        try:
            own = [name for fmt in options.formats
                   for name in output_names(spec.id, fmt, (spec.src_lang, spec.tgt_lang), options.moses_suffix)]
        except OutputError as err:  # a pair in one language, whose Moses files would share one name
            raise OutputError(f"pair {spec.id} (manifest line {spec.line}): {err}") from None
        names = [*own, os.path.join(MARKERS, f"{spec.id}.json")]
        for name in names:
            check_target(out_dir / name, inputs=sources, contained_in=out_dir)


def marker_path(out_dir: Path, pair_id: str) -> Path:
    return out_dir / MARKERS / f"{pair_id}.json"


def is_finished(out_dir: Path, spec: PairSpec, options: BatchOptions) -> bool:
    """True when ``spec`` was finished by an earlier run with the same inputs and settings."""
    try:
        record = json.loads(marker_path(out_dir, spec.id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("version") != _VERSION:
        return False
    if (record.get("src_lang"), record.get("tgt_lang"), record.get("settings")) != (
        spec.src_lang, spec.tgt_lang, options.key()
    ):
        return False
    inputs = record.get("inputs") or {}
    if inputs.get("src") != file_digest(spec.src) or inputs.get("tgt") != file_digest(spec.tgt):
        return False
    outputs = record.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        return False
    return all(file_digest(str(out_dir / name)) == digest for name, digest in outputs.items())


def commit(out_dir: Path, outcome: PairOutcome, options: BatchOptions) -> None:
    """Write a finished pair's outputs, then its done-marker, each atomically."""
    spec = outcome.spec
    digests = {}
    inputs = (spec.src, spec.tgt)
    with atomic_outputs([out_dir / name for name in outcome.files], inputs=inputs, contained_in=out_dir) as handles:
        for handle, (name, data) in zip(handles, outcome.files.items()):
            handle.write(data)
            digests[name] = hashlib.sha256(data).hexdigest()
    record = {
        "version": _VERSION,
        "id": spec.id,
        "src": spec.src,
        "tgt": spec.tgt,
        "src_lang": spec.src_lang,
        "tgt_lang": spec.tgt_lang,
        "settings": options.key(),
        "inputs": {"src": outcome.inputs[0], "tgt": outcome.inputs[1]},
        "outputs": digests,
        "sentences": [outcome.src_sentences, outcome.tgt_sentences],
        "beads": outcome.beads,
        "seconds": round(outcome.seconds, 3),
    }
    if options.filters.active():  # the settings are in "settings"; what they removed, here
        record["filtered"] = outcome.filtered
    with atomic_output(marker_path(out_dir, spec.id), inputs=inputs, contained_in=out_dir) as f:
        f.write((json_dumps(record, indent=1) + "\n").encode("utf-8"))


def recorded(out_dir: Path, pair_id: str) -> dict:
    """The done-marker of a finished pair (for the summary of skipped pairs)."""
    try:
        return json.loads(marker_path(out_dir, pair_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
