"""Exporters: TMX, TSV, JSON Lines, Moses plain text and bead files.

One module per format behind :class:`~align.export.base.Exporter`; :func:`export` picks a
format by name or by the output's extension and writes atomically (see
:mod:`align.files`)::

    from align.export import export, FORMATS
    result = export(alignment, "out.tmx")                 # TMX, chosen by extension
    result = export(alignment, "out", "moses")            # out.src + out.tgt
    export(alignment, None, "beads")                      # to stdout
"""

# ruff: noqa: I001  (import order is registration order, which is FORMATS order)
from __future__ import annotations

# Importing the format modules registers them, in this order (the order FORMATS lists).
from align.export import tmx, tsv, jsonl, moses, beads  # noqa: F401  (registration)
from align.files import atomic_output
from align.export.base import ExportResult, Exporter, export, format_for_path, formats, get_exporter
from align.export.tmx import read_tmx

#: Names accepted by ``--format`` / :func:`export`.
FORMATS: tuple[str, ...] = formats()

__all__ = [
    "FORMATS",
    "ExportResult",
    "Exporter",
    "atomic_output",
    "export",
    "format_for_path",
    "get_exporter",
    "read_tmx",
]
