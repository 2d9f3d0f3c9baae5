"""JSON Lines: one JSON object per bead, for programs.

Each line::

    {"src_ids": [3, 4], "tgt_ids": [5], "score": 0.812, "src": "Satz drei. Satz vier.",
     "tgt": "Sentences three and four.", "src_spans": [[120, 130], [131, 142]],
     "tgt_spans": [[98, 123]], "kind": "text"}

``src``/``tgt`` are the sentences of a side joined by one space; the spans are each
sentence's ``[start, end)`` character offsets in its document's decoded text, so
``document.text[start:end]`` gives the sentence back. JSON escaping takes care of tabs,
newlines and control characters. A non-finite score is written as ``null`` (bare ``NaN``
is not JSON). Lone surrogates (from undecodable input bytes) are written as ``\\udXXX``
escapes, which JSON allows and Python's :mod:`json` reads back unchanged. NEL (U+0085)
and the Unicode line and paragraph separators (U+2028, U+2029) are written as ``\\uXXXX``
escapes too: JSON allows them raw, but readers that split lines the Unicode way
(``str.splitlines``, older JavaScript) would cut a record in two. Unmatched beads are
included by default (``unmatched="skip"`` leaves them out). ``kind`` is what the bead
holds (:meth:`align.types.Alignment.content`): ``text``, or ``code``/``table``/``identical``
for commands, table rows and lines left untranslated, which a translation memory may leave out.
Lines follow the bead order: source order, with a moved passage's beads at their source
position, so ``tgt_ids`` may go back (:mod:`align.search.moved`; ``--monotone`` never does).
"""

from __future__ import annotations

import json
import math
from typing import Any, BinaryIO

from align.export.base import Exporter, ExportResult, check_unmatched, side_texts
from align.types import Alignment

#: Characters JSON may hold raw that some line readers take as a line break.
_LINE_SEPARATORS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


class JsonlExporter(Exporter):
    """JSON Lines (``.jsonl``, ``.ndjson``). Option: ``unmatched`` (``"include"``, default, or ``"skip"``)."""

    name = "jsonl"
    extensions = (".jsonl", ".ndjson")
    filterable = True
    options = {"unmatched": "include"}

    def write(self, alignment: Alignment, out: BinaryIO, **options: Any) -> ExportResult:
        opts = self.check_options(options)
        include_unmatched = check_unmatched(self.name, opts["unmatched"])
        src_s, tgt_s = alignment.src.sentences, alignment.tgt.sentences
        rows = skipped = 0
        for bead in alignment.beads:
            if not bead.is_match and not include_unmatched:
                skipped += 1
                continue
            src_text, tgt_text = side_texts(alignment, bead)
            score = float(bead.score)
            record = {
                "src_ids": list(bead.src),
                "tgt_ids": list(bead.tgt),
                "score": score if math.isfinite(score) else None,
                "src": src_text,
                "tgt": tgt_text,
                "src_spans": [[src_s[i].start, src_s[i].end] for i in bead.src],
                "tgt_spans": [[tgt_s[j].start, tgt_s[j].end] for j in bead.tgt],
                "kind": alignment.content(bead),
            }
            line = json.dumps(record, ensure_ascii=False, allow_nan=False).translate(_LINE_SEPARATORS)
            out.write((line + "\n").encode("utf-8", errors="backslashreplace"))
            rows += 1
        return ExportResult(self.name, units=rows, skipped_unmatched=skipped)
