"""What ``align pair`` writes: one output or several (``-o a.tmx -o a.tsv -o review.html``).

Why a module of its own: choosing each output's format, checking every path before the
work and writing them all from the one alignment is the same whatever the command aligns
with, and keeping it out of :mod:`align.cli.aligning` keeps ``pair`` a list of options.

The rules, so that a mistake costs nothing:

* one ``-o`` (or none: standard output) behaves as it always did: ``--format`` wins over
  the extension, and no ``-o`` writes TMX to standard output;
* several ``-o``: each output's format comes from its extension (``.tmx``, ``.tsv``,
  ``.jsonl``, ``.beads``, ``.html`` for the review page ``align report`` writes); ``--format``
  gives the format of the outputs whose extension names none (``-o corpus --format moses``
  beside ``-o corpus.tmx``), and is refused when every output names its own, since it
  would change nothing; ``-`` (standard output) cannot be one of several;
* every file (both Moses files of an output too) is checked before any work: not an
  input, not the same file as another output, in a folder that exists and may be written;
* the files are written together or not at all (:func:`align.exporting.export_all`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from align.errors import AlignError
from align.files import check_directory, is_stdout
from align.plugins import FORMATS
from align.settings import FilterSettings


@dataclass(frozen=True)
class Output:
    """One output of a run: where (``None`` for standard output), in which format, with
    which exporter options."""

    path: str | None
    fmt: str
    options: dict[str, Any] = field(default_factory=dict)


def plan_outputs(
    outs: list[str] | None, fmt: str | None, *, unmatched: str = "skip", moses_suffix: str = "lang",
    filters: FilterSettings | None = None,
) -> list[Output]:
    """The outputs ``-o`` (given ``outs`` times) and ``--format`` ask for, each with its format
    and options; an :class:`~align.errors.AlignError` (one line) for a format that cannot
    be told, a ``--format`` that would apply to nothing, or TM ``filters`` asked for a
    format they cannot apply to (:func:`align.export.filters.check_filterable`)."""
    from align.export import format_for_path, get_exporter
    from align.export.filters import check_filterable

    names = ", ".join(FORMATS.names())
    chosen = get_exporter(fmt).name if fmt is not None else None  # an unknown format fails now
    outs = list(outs or [])
    if len(outs) <= 1:
        out = outs[0] if outs else None
        if chosen is None and not is_stdout(out) and format_for_path(out) is None:
            raise AlignError(f"cannot tell the output format from {out!r}; give --format ({names})")
        plan = [(out, chosen or format_for_path(out) or "tmx")]
    else:
        if any(is_stdout(out) for out in outs):
            raise AlignError("standard output ('-') can only be the one output of a run; give a file name to each -o")
        plan = []
        for out in outs:
            own = format_for_path(out)
            if own is None and chosen is None:
                raise AlignError(f"cannot tell the output format from {out!r}; give --format ({names}) "
                                 "or an extension (.tmx, .tsv, .jsonl, .beads, .html)")
            plan.append((out, own or chosen))  # type: ignore[arg-type]
        if chosen is not None and all(format_for_path(out) is not None for out in outs):
            raise AlignError(f"--format {fmt} would apply to no output: with several -o it gives the format of those "
                             "whose extension names none, and each of these names its own; leave --format out")
    for _out, name in plan:
        check_filterable(get_exporter(name), filters)
    return [Output(out, name, _options(name, unmatched, moses_suffix)) for out, name in plan]


def _options(fmt: str, unmatched: str, moses_suffix: str) -> dict[str, Any]:
    if fmt == "tmx":
        return {"unmatched": unmatched}
    if fmt == "moses":
        return {"suffix": moses_suffix}
    return {}


def output_paths(outputs: list[Output], src_lang: str | None, tgt_lang: str | None) -> list[str | None]:
    """Every file the outputs will be, as far as it is known before the work, for
    :func:`align.files.check_outputs` (standard output as ``None``, which it skips).

    Moses files are named by language: with both languages given they are known now (and
    a pair with the same language on both sides is refused now); with a language left to
    detection only their folder can be checked now (:func:`align.files.check_directory`),
    and the full check runs when the files are written.
    """
    from align.export.moses import moses_paths, moses_suffixes

    paths: list[str | None] = []
    for output in outputs:
        if output.fmt != "moses" or is_stdout(output.path):
            paths.append(output.path)
            continue
        suffix = output.options.get("suffix", "lang")
        if suffix == "lang" and (src_lang is None or tgt_lang is None):
            check_directory(output.path)  # type: ignore[arg-type]
            continue
        paths.extend(moses_paths(output.path, moses_suffixes(src_lang or "", tgt_lang or "", suffix)))  # type: ignore[arg-type]
    return paths


def write_outputs(alignment: Any, outputs: list[Output], filters: FilterSettings | None = None) -> list[Any]:
    """Write the alignment to every output, with the TM ``filters``: one goes through
    :func:`align.export.export` as it always did (standard output included), several
    together (:func:`align.export.export_all`). Returns the :class:`~align.export.ExportResult` of each."""
    from align.export import export, export_all

    if len(outputs) == 1:
        (output,) = outputs
        return [export(alignment, output.path, output.fmt, filters=filters, **output.options)]
    return export_all(alignment, [(o.path, o.fmt, o.options) for o in outputs], filters=filters)  # type: ignore[misc]
