"""Choose an output format and write an alignment in it: the seam between the core types
and the exporter plug-ins.

Why a module of its own, below :mod:`align.export`: :meth:`align.types.Alignment.export`
and every command write through :func:`export`, which finds the exporter by name or by
the file's extension in :data:`align.plugins.FORMATS` and imports only that one. The
core types thus depend on the registry, not on the exporters (which depend on the core
types), and listing or choosing a format loads no exporter it does not use.

Example::

    >>> format_for_path("out.tmx"), format_for_path("notes.txt")
    ('tmx', None)
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from align.errors import AlignError, OutputError
from align.files import atomic_outputs, is_stdout
from align.plugins import FORMATS

if TYPE_CHECKING:
    from align.export.base import Exporter, ExportResult
    from align.settings import FilterSettings
    from align.types import Alignment

__all__ = ["export", "export_all", "format_for_path", "formats", "get_exporter"]


def formats() -> tuple[str, ...]:
    """Names of the output formats, in registration order."""
    return FORMATS.names()


def get_exporter(fmt: str) -> Exporter:
    """The exporter for a format name (case-insensitive); AlignError listing valid names otherwise."""
    if fmt not in FORMATS:
        raise AlignError(f"unknown output format {fmt!r}; valid formats: {', '.join(FORMATS.names())}")
    return FORMATS.get(fmt)()


def format_for_path(path: str | os.PathLike[str] | None) -> str | None:
    """The format a file name asks for by its extension (``.tmx`` → ``"tmx"``), or None.

    ``.txt`` deliberately maps to nothing: it could be beads, Moses or TSV, and guessing
    wrong would silently produce the wrong file. Moses has no extension of its own (it
    writes ``OUT.de`` and ``OUT.en``, named by the sides' languages).
    """
    if is_stdout(path):
        return None
    suffix = os.path.splitext(os.fspath(path))[1].lower()  # type: ignore[arg-type]
    if not suffix:
        return None
    for name, cls in FORMATS.items():
        if suffix in cls.extensions:
            return name
    return None


def export(
    alignment: Alignment,
    path: str | os.PathLike[str] | None = None,
    fmt: str | None = None,
    *,
    filters: FilterSettings | None = None,
    **options: Any,
) -> ExportResult:
    """Write ``alignment`` in format ``fmt`` to ``path`` (``None``/``"-"``: stdout), atomically.

    Without ``fmt`` the format comes from the extension of ``path``; if that says nothing,
    an AlignError asks for an explicit format. ``options`` go to the exporter (e.g.
    ``unmatched="include"`` for TMX); unknown ones are an error. ``filters``: the TM filters
    (:class:`~align.settings.FilterSettings`), applied to translation-memory formats only
    (:func:`align.export.filters.for_exporter`); what they removed is in the result's ``filtered``.
    """
    if fmt is None:
        fmt = format_for_path(path)
        if fmt is None:
            where = "standard output" if is_stdout(path) else repr(os.fspath(path))  # type: ignore[arg-type]
            raise AlignError(
                f"cannot tell the output format for {where}; give --format (one of: {', '.join(FORMATS.names())})"
            )
    exporter = get_exporter(fmt)
    if filters is None:
        return exporter.export(alignment, path, **options)
    import dataclasses

    from align.export.filters import for_exporter

    alignment, options, removed = for_exporter(exporter, alignment, filters, options)
    return dataclasses.replace(exporter.export(alignment, path, **options), filtered=removed)


def export_all(
    alignment: Alignment,
    outputs: Sequence[tuple[str | os.PathLike[str], str, dict[str, Any]]],
    *,
    filters: FilterSettings | None = None,
) -> list[ExportResult]:
    """Write one alignment to several files at once: ``outputs`` are ``(path, format, options)``.

    Why not :func:`export` once per output: the files of one run belong together (a TMX
    for the CAT tool, a TSV and a review page of the same alignment), so they change
    together or not at all, as Moses' two files do (:func:`align.files.atomic_outputs`):
    an error in any exporter, a full disk or Ctrl-C leaves every earlier version in place.
    Every path is checked first (not an input, not another output of the run). Standard
    output cannot be one of them (an OutputError). ``filters`` as for :func:`export`
    (judged once, the same units left out of every translation-memory format; a format
    they cannot apply to is refused before anything is written). Returns one result per
    output, in order.
    """
    from align.export.base import input_paths
    from align.export.filters import for_exporter

    plan: list[tuple[Exporter, tuple[str, ...], Alignment, dict[str, Any], dict[str, int]]] = []
    tm: tuple[Alignment, dict[str, int]] | None = None  # the filtered alignment, made once for every TM format
    for path, fmt, options in outputs:
        if is_stdout(path):
            raise OutputError("standard output can only be the one output of a run; give a file name for each output")
        exporter = get_exporter(fmt)
        opts = exporter.check_options(options)
        if exporter.filterable and tm is not None:
            written, removed = tm
        else:
            written, opts, removed = for_exporter(exporter, alignment, filters, opts)
            if exporter.filterable:
                tm = (written, removed)
        plan.append((exporter, exporter.target_paths(alignment, path, **opts), written, opts, removed))

    targets = [p for _e, paths, _a, _o, _r in plan for p in paths]
    results: list[ExportResult] = []
    with atomic_outputs(targets, inputs=input_paths(alignment)) as handles:
        start = 0
        for exporter, paths, written, opts, removed in plan:
            mine = handles[start : start + len(paths)]
            start += len(paths)
            result = exporter.write(written, mine if len(mine) > 1 else mine[0], **opts)
            results.append(dataclasses.replace(result, paths=paths, filtered=removed))
    return results
