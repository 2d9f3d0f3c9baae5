"""The output folder's record of finished pairs, so a rerun resumes where a run stopped.

A pair is finished when its done-marker ``DIR/.done/ID.json`` exists, records the same
inputs (SHA-256 of their bytes), languages and settings as the current run, and every
output file it lists is present with the recorded SHA-256. Outputs are written first and
the marker last, each atomically (``align.export.atomic``), so a run killed at any
moment leaves either a finished pair or one that is done again; never a pair that looks
finished but is not. Only one process (the batch driver) writes here.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from align.batch.manifest import PairSpec
from align.batch.work import BatchOptions, PairOutcome, file_digest
from align.errors import OutputError
from align.export.atomic import atomic_output

MARKERS = ".done"
_VERSION = 1


def prepare_out_dir(out_dir: str) -> tuple[Path, list[Path]]:
    """Create the output folder (and its marker folder) or say why it cannot be used.

    Returns the folder and the folders this call created, deepest first, so that a run
    that stops before writing anything (the model cannot be loaded) can take them back
    with :func:`remove_created`.
    """
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise OutputError(f"--out-dir {out_dir} is a file; give a folder (it is created if missing)")
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
    for name, data in outcome.files.items():
        with atomic_output(out_dir / name) as f:
            f.write(data)
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
    with atomic_output(marker_path(out_dir, spec.id)) as f:
        f.write((json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def recorded(out_dir: Path, pair_id: str) -> dict:
    """The done-marker of a finished pair (for the summary of skipped pairs)."""
    try:
        return json.loads(marker_path(out_dir, pair_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
