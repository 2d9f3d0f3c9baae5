"""Moses plain text: ``OUT.src`` and ``OUT.tgt``, line *n* of one the translation of line *n* of the other.

This is what MT training pipelines read, so the two files must have the same number of
lines, and only aligned beads (both sides non-empty) can be written. A multi-sentence
side becomes one line, its sentences joined by one space. Line breaks inside a sentence
(LF, CR, VT, FF, NEL, U+2028/U+2029 and the other characters :meth:`str.splitlines`
splits on) would shift every following line, so each is replaced by a space and counted in
:attr:`ExportResult.replaced_chars`. Lines follow the bead order (source order; a moved
passage's target lines come from elsewhere in the target document, :mod:`align.search.moved`).

Two files cannot go to standard output: exporting to ``None``/``"-"`` is an
:class:`~align.errors.OutputError` that says to give an output path. The two files change
together or not at all (:func:`~align.files.atomic_outputs`): both are written and
fsynced beside their targets first; an error or Ctrl-C before or during the two renames
leaves both old files in place (the renames run with Ctrl-C held back, the folder locked
against a second run's renames, and the old versions kept until both succeeded). Only a
machine crash or SIGKILL between the two renames can leave a new ``.src`` beside an old
``.tgt``; the old version then stays beside it as a hidden ``.OUT.src.XXXXXXXX.tmp`` file.
"""

from __future__ import annotations

import os
import re
from typing import Any

from align.errors import AlignError, OutputError
from align.export.base import Exporter, ExportResult, encodable, input_paths, side_texts
from align.files import atomic_outputs, is_stdout
from align.types import Alignment

_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def moses_paths(path: str | os.PathLike[str]) -> tuple[str, str]:
    """The two files written for output path ``OUT``: ``OUT.src`` and ``OUT.tgt``."""
    base = os.fspath(path)
    return f"{base}.src", f"{base}.tgt"


def _one_line(text: str) -> tuple[str, int]:
    text, breaks = _LINE_BREAK.subn(" ", text)
    text, surrogates = encodable(text)
    return text, breaks + surrogates


class MosesExporter(Exporter):
    """Moses parallel text (two files). Option: ``unmatched`` (only ``"skip"``, the default).

    :meth:`write` takes ``out`` as a *pair* of binary streams ``(src_out, tgt_out)``.
    """

    name = "moses"
    extensions = ()
    filterable = True
    options = {"unmatched": "skip"}

    def write(self, alignment: Alignment, out: Any, **options: Any) -> ExportResult:
        opts = self.check_options(options)
        if opts["unmatched"] != "skip":
            raise AlignError(
                "moses output pairs line n of OUT.src with line n of OUT.tgt, so unmatched sentences "
                "cannot be included; use --format tsv or jsonl to see them"
            )
        src_out, tgt_out = out
        lines = skipped = replaced = 0
        for bead in alignment.beads:
            if not bead.is_match:
                skipped += 1
                continue
            src_text, tgt_text = side_texts(alignment, bead)
            src_line, n_src = _one_line(src_text)
            tgt_line, n_tgt = _one_line(tgt_text)
            replaced += n_src + n_tgt
            src_out.write((src_line + "\n").encode("utf-8"))
            tgt_out.write((tgt_line + "\n").encode("utf-8"))
            lines += 1
        return ExportResult(self.name, units=lines, replaced_chars=replaced, skipped_unmatched=skipped)

    def export(self, alignment: Alignment, path: str | os.PathLike[str] | None, **options: Any) -> ExportResult:
        self.check_options(options)
        if is_stdout(path):
            raise OutputError(
                "moses format writes two files (OUT.src and OUT.tgt) and cannot go to standard output; give -o OUT"
            )
        src_path, tgt_path = moses_paths(path)  # type: ignore[arg-type]
        with atomic_outputs((src_path, tgt_path), inputs=input_paths(alignment)) as (src_out, tgt_out):
            result = self.write(alignment, (src_out, tgt_out), **options)
        return ExportResult(
            result.format,
            paths=(src_path, tgt_path),
            units=result.units,
            replaced_chars=result.replaced_chars,
            skipped_unmatched=result.skipped_unmatched,
        )
