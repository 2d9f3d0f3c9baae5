"""Exporters: TMX, TSV, JSON Lines, Moses plain text and bead files.

One module per format behind :class:`~align.export.base.Exporter`; :func:`export` picks a
format by name or by the output's extension and writes atomically (see
:mod:`align.files`)::

    from align.export import export, FORMATS             # FORMATS.names(): tmx, tsv, ... html
    result = export(alignment, "out.tmx")                 # TMX, chosen by extension
    result = export(alignment, "out", "moses")            # out.de + out.en (the sides' languages)
    export_all(alignment, [("a.tmx", "tmx", {}), ("a.tsv", "tsv", {})])  # together or not at all
    export(alignment, None, "beads")                      # to stdout
"""

from __future__ import annotations

from align.export.base import Exporter, ExportResult
from align.exporting import export, export_all, format_for_path, formats, get_exporter
from align.files import atomic_output
from align.plugins import FORMATS


def __getattr__(name: str):
    """``read_tmx`` on first use: its module imports lxml (about 10 ms), which a command
    writing TSV or beads never needs."""
    if name == "read_tmx":
        from align.export.tmx import read_tmx

        return read_tmx
    raise AttributeError(f"module 'align.export' has no attribute {name!r}")


__all__ = [
    "FORMATS",
    "ExportResult",
    "Exporter",
    "atomic_output",
    "export",
    "export_all",
    "format_for_path",
    "formats",
    "get_exporter",
    "read_tmx",
]
