"""The HTML review page: an alignment as one self-contained file a person can open and share.

    >>> from align import align_files
    >>> from align.report import write_report
    >>> alignment = align_files("de.txt", "en.txt", "de", "en")          # doctest: +SKIP
    >>> write_report(alignment, "review.html")                           # doctest: +SKIP

``align report SRC TGT -s de -t en -o review.html`` does the same from the command line,
and ``align pair ... --format html`` (or ``-o OUT.html``) too: :class:`HtmlExporter` is
the ``html`` entry of :data:`align.export.FORMATS`. With a collection of other documents
(:func:`collection_wire_copy`), passages shared as wire copy are highlighted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar

from align.errors import InputError
from align.export.base import Exporter, ExportResult, encodable, input_paths
from align.files import atomic_output
from align.report.html import LOW_SCORE, render_html
from align.settings import DEFAULT_MODEL, FilterSettings
from align.types import Alignment

if TYPE_CHECKING:  # pragma: no cover
    from align.wirecopy import WireCopyReport

__all__ = ["LOW_SCORE", "HtmlExporter", "collection_wire_copy", "render_html", "write_report"]


def _encode(page: str) -> bytes:
    """UTF-8 bytes; lone surrogates from undecodable input become U+FFFD instead of crashing."""
    return encodable(page)[0].encode("utf-8")


def write_report(
    alignment: Alignment,
    path: str | os.PathLike[str] | None,
    *,
    wirecopy: WireCopyReport | None = None,
    low_score: float = LOW_SCORE,
    title: str | None = None,
    filters: FilterSettings | None = None,
) -> int:
    """Write the review page to ``path`` atomically (``None`` or ``"-"``: stdout); return its size in bytes.

    The page is rendered in full before the file is opened, so a failure leaves no file.
    ``filters``: the TM filters its TMX download applies (see :func:`render_html`).
    """
    data = _encode(render_html(alignment, wirecopy=wirecopy, low_score=low_score, title=title, filters=filters))
    inputs = [*input_paths(alignment), *(d.path for d in (wirecopy.documents if wirecopy else ()))]
    with atomic_output(path, inputs=inputs) as out:
        out.write(data)
    return len(data)


def _same_file(a: str | None, b: str) -> bool:
    """Whether ``a`` names file ``b`` (by inode, so ``samples/x.txt`` and ``./samples/x.txt`` agree)."""
    if a in (None, "-"):
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def collection_paths(paths: Sequence[str]) -> list[str]:
    """Expand folders into their ``*.txt`` files (sorted); keep files as given; fail on anything else."""
    out: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".txt"))
            if not found:
                raise InputError(f"collection folder {path} has no .txt files; give text files or a folder with some")
            out.extend(f for f in found if os.path.isfile(f))
        elif os.path.exists(path):
            out.append(path)
        else:
            raise InputError(f"collection file {path} does not exist; check the path given to --collection")
    return out


def collection_wire_copy(
    alignment: Alignment,
    paths: Sequence[str],
    *,
    model: str = DEFAULT_MODEL,
    cache: bool = True,
    progress: Callable[[str], None] | None = None,
    max_bytes: int | None = None,
) -> WireCopyReport:
    """Wire copy between the pair's documents and a collection of other files.

    ``paths`` are text files or folders of ``*.txt`` files (languages detected per file);
    the pair's own files are skipped if listed, so ``samples/`` can be given whole. The
    pair's documents are passed as already segmented, so the report's sentence ids are
    the alignment's. ``max_bytes`` limits each file's size (see :func:`align.read.read_document`).
    """
    from align.read import read_document
    from align.wirecopy import find_wire_copy

    files = collection_paths(paths)
    others = [
        # regular files only: a FIFO among a folder's *.txt files would block the report forever
        read_document(f, "und", max_bytes=max_bytes, regular_only=True) for f in dict.fromkeys(files)
        if not _same_file(alignment.src.path, f) and not _same_file(alignment.tgt.path, f)
    ]
    return find_wire_copy([alignment.src, alignment.tgt, *others], model=model, cache=cache, progress=progress)


class HtmlExporter(Exporter):
    """The review page (``.html``); options: ``low_score`` (default 0.5), ``title``, ``filters``
    (the TM filters its TMX download applies, :class:`~align.settings.FilterSettings`)."""

    name = "html"
    extensions = (".html", ".htm")
    options: ClassVar[dict[str, Any]] = {"low_score": LOW_SCORE, "title": None, "filters": None}

    def write(self, alignment: Alignment, out: BinaryIO, **options: Any) -> ExportResult:
        opts = self.check_options(options)
        page = render_html(alignment, low_score=float(opts["low_score"]), title=opts["title"], filters=opts["filters"])
        out.write(_encode(page))
        return ExportResult(self.name, units=len(alignment.beads))
