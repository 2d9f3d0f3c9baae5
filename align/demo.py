"""``align demo``: the main job on the bundled sample articles, with no arguments and no network.

It aligns the German article ``000_*.txt`` with its English counterpart ``001_*.txt``,
writes a TMX and a TSV, flags the wire copy shared across all the sample articles
(written as JSON), and returns a short summary saying what was found and where the
outputs are.

The outputs go into ``./align-demo/`` (under the current folder) unless ``--out-dir``
says otherwise: a folder of the user's, named after the tool and the command so that it
says where it came from and clashes with nothing, and never the samples folder. Why not
``samples/output`` as before: that folder holds the tracked reference outputs (the tests
compare a demo run with them), and a demo run from anywhere else, finding the samples
beside the package, rewrote them in the source tree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from align.errors import InputError
from align.export import atomic_output, export
from align.files import contained_path
from align.read import read_document
from align.types import Alignment
from align.wirecopy import WireCopyReport, find_wire_copy
from align.wirecopy.report_output import render_json

SRC_PATTERN, TGT_PATTERN = "000_*.txt", "001_*.txt"
#: Where the demo writes without ``--out-dir``: relative, so under the current folder.
DEFAULT_OUT_DIR = Path("align-demo")


def find_samples(samples: Path | None = None) -> Path:
    """The samples folder: the one given, else ``./samples``, else the one beside the package source."""
    candidates = [samples] if samples is not None else [Path("samples"), Path(__file__).resolve().parent.parent / "samples"]
    for folder in candidates:
        if folder is not None and folder.is_dir() and any(folder.glob(SRC_PATTERN)):
            return folder
    where = samples if samples is not None else "./samples"
    raise InputError(f"no sample articles in {where}; run from the project folder or pass --samples DIR")


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if not found:
        raise InputError(f"{folder} has no file matching {pattern}; restore the samples (git checkout samples)")
    return found[0]


def summarize(alignment: Alignment, outputs: list[str], report: WireCopyReport | None = None) -> str:
    """A few lines for a person: sizes, bead types, wire copy found, where the files are."""
    beads = alignment.beads
    matched = [b for b in beads if b.is_match]
    src_only = sum(len(b.src) for b in beads if not b.tgt)
    tgt_only = sum(len(b.tgt) for b in beads if not b.src)
    kinds: dict[str, int] = {}
    for b in matched:
        kinds[b.kind] = kinds.get(b.kind, 0) + 1
    lines = [
        f"aligned {alignment.src.name} ({alignment.src.lang}, {len(alignment.src)} sentences)",
        f"   with {alignment.tgt.name} ({alignment.tgt.lang}, {len(alignment.tgt)} sentences)",
        f"{len(matched)} matched beads ({', '.join(f'{k}: {v}' for k, v in sorted(kinds.items()))}); "
        f"unmatched: {src_only} {alignment.src.lang}, {tgt_only} {alignment.tgt.lang} sentences",
    ]
    if matched:
        mean = sum(b.score for b in matched) / len(matched)
        lines.append(f"mean score {mean:.3f}, lowest {min(b.score for b in matched):.3f}")
    if report is not None:
        lines.append(
            f"wire copy across {len(report.documents)} articles: {len(report.clusters)} shared passages, "
            f"{len(report.repeats)} in-document repeats"
        )
        for cluster in report.clusters:
            where = " <-> ".join(f"{Path(m.doc).name[:3]} sentences {m.first}-{m.last}" for m in cluster.members)
            lines.append(f"  {cluster.kind} (score {cluster.score:.2f}): {where}")
        for cluster in report.repeats:
            where = ", ".join(f"sentences {m.first}-{m.last}" for m in cluster.members)
            lines.append(f"  repeated in {Path(cluster.members[0].doc).name[:3]}: {where}")
    lines.append("outputs:")
    lines.extend(f"  {p}" for p in outputs)
    return "\n".join(lines)


def run_demo(
    samples: Path | None = None,
    out_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> str:
    """Align the sample pair, write TMX, TSV and the wire-copy JSON into ``out_dir``
    (default ``./align-demo``), and return the summary text."""
    from align.api import align_files

    folder = find_samples(samples)
    out_dir = out_dir if out_dir is not None else DEFAULT_OUT_DIR
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create the output folder {out_dir}: {err.strerror}; pass --out-dir DIR") from err
    src, tgt = _one(folder, SRC_PATTERN), _one(folder, TGT_PATTERN)
    # Output names come partly from the input files; checked before any work is done.
    stem = f"{src.stem[:3]}-{tgt.stem[:3]}.de-en"
    targets = {fmt: contained_path(out_dir, f"{stem}.{fmt}") for fmt in ("tmx", "tsv")}
    wirecopy = contained_path(out_dir, "wirecopy.json")
    alignment = align_files(str(src), str(tgt), "de", "en", progress=progress)
    outputs: list[str] = []
    for fmt, target in targets.items():
        outputs.extend(export(alignment, target, fmt).paths)
    report = _wire_copy(folder, Path(wirecopy), progress)
    outputs.append(wirecopy)
    return summarize(alignment, outputs, report)


def _wire_copy(folder: Path, path: Path, progress: Callable[[str], None] | None) -> WireCopyReport:
    """Wire copy across every sample article, written as the JSON of ``align dedup --json``."""
    files = sorted(folder.glob("[0-9][0-9][0-9]_*.txt"))
    docs = [read_document(str(f), "und") for f in files]
    report = find_wire_copy(docs, progress=progress)
    with atomic_output(path, inputs=[str(f) for f in files], contained_in=path.parent) as fh:
        fh.write(render_json(report).encode("utf-8"))
    return report
