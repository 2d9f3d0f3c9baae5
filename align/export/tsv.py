"""Tab-separated values: one bead per row, for spreadsheets, pandas and shell tools.

Columns, after a header line (``header=False`` drops it)::

    src_ids  tgt_ids  score   src_text                tgt_text
    3,4      5        0.8120  Satz drei. Satz vier.   Sentences three and four.
             6        0.0000                          An unmatched target sentence.

Ids are comma-separated 0-based sentence ids (empty for the missing side of an
insertion/deletion); a multi-sentence side is its sentences joined by one space.

A tab or line break inside a sentence would break the row structure, so text fields are
escaped the "linear TSV" way, which is lossless and what PostgreSQL ``COPY`` and many
TSV tools read: backslash → ``\\\\``, tab → ``\\t``, LF → ``\\n``, CR → ``\\r``
(:func:`unescape_field` reverses it). Other characters, control characters included, are
written as they are. Unmatched beads are included by default
(``unmatched="skip"`` leaves them out): a TSV is for looking at everything. Rows follow
the bead order: source order, with a moved passage's beads at their source position, so
``tgt_ids`` may go back (:mod:`align.search.moved`; ``--monotone`` never does).
"""

from __future__ import annotations

from typing import Any, BinaryIO

from align.export.base import Exporter, ExportResult, check_unmatched, encodable, format_score, side_texts
from align.types import Alignment

COLUMNS = ("src_ids", "tgt_ids", "score", "src_text", "tgt_text")

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def escape_field(text: str) -> str:
    """Escape backslash, tab, LF and CR so the text fits in one TSV field."""
    return text.translate(_ESCAPE)


def unescape_field(field: str) -> str:
    """Reverse :func:`escape_field` (an unknown escape such as ``\\x`` is kept as is)."""
    if "\\" not in field:
        return field
    out: list[str] = []
    i = 0
    while i < len(field):
        ch = field[i]
        if ch == "\\" and i + 1 < len(field) and field[i + 1] in _UNESCAPE:
            out.append(_UNESCAPE[field[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class TsvExporter(Exporter):
    """TSV (``.tsv``). Options: ``header`` (default True), ``unmatched`` (``"include"``, default, or ``"skip"``)."""

    name = "tsv"
    extensions = (".tsv",)
    filterable = True
    options = {"header": True, "unmatched": "include"}

    def write(self, alignment: Alignment, out: BinaryIO, **options: Any) -> ExportResult:
        opts = self.check_options(options)
        include_unmatched = check_unmatched(self.name, opts["unmatched"])
        rows = skipped = replaced = 0
        if opts["header"]:
            out.write(("\t".join(COLUMNS) + "\n").encode("utf-8"))
        for bead in alignment.beads:
            if not bead.is_match and not include_unmatched:
                skipped += 1
                continue
            src_text, tgt_text = side_texts(alignment, bead)
            line = "\t".join(
                (
                    ",".join(map(str, bead.src)),
                    ",".join(map(str, bead.tgt)),
                    format_score(bead.score),
                    escape_field(src_text),
                    escape_field(tgt_text),
                )
            )
            line, n = encodable(line)
            replaced += n
            out.write((line + "\n").encode("utf-8"))
            rows += 1
        return ExportResult(self.name, units=rows, replaced_chars=replaced, skipped_unmatched=skipped)
