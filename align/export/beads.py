"""Bead files: the format ``align eval`` and the field's scorers (Vecalign, Bertalign) read.

One bead per line, ``[src ids]:[tgt ids]:score``::

    [0]:[0]:0.912
    [1,2]:[1]:0.805
    []:[2]:0.0
    [3]:[]:0.0

Beads are in document order, except the beads of a moved passage (:mod:`align.search.moved`),
which stand at their source position with target ids out of order. Every sentence of both
documents must be in exactly one bead, and a bead's ids on each side must be consecutive
and increasing; otherwise a scorer's numbers would be quietly wrong.
:func:`check_beads` verifies that before anything is written and raises
:class:`~align.errors.AlignError` naming the first problem. ``scores=False`` drops the
third field (the gold-file form).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, BinaryIO

from align.errors import AlignError
from align.export.base import Exporter, ExportResult
from align.types import Alignment, Bead


def _check_side(beads: Sequence[Bead], side: str, n_sentences: int) -> None:
    what = "source" if side == "src" else "target"
    seen = [False] * n_sentences
    for k, bead in enumerate(beads):
        ids = getattr(bead, side)
        for i in ids:
            if i >= n_sentences or i < 0:
                problem = f"bead {k} refers to {what} sentence {i}, but there are only {n_sentences}"
            elif seen[i]:
                problem = f"{what} sentence {i} appears again in bead {k}"
            else:
                seen[i] = True
                continue
            raise AlignError(f"cannot write beads: {problem}; every sentence must be in exactly one bead")
        if any(b != a + 1 for a, b in zip(ids, ids[1:])):
            raise AlignError(f"cannot write beads: bead {k}'s {what} ids {list(ids)} are not consecutive and "
                             "increasing; a bead holds a run of sentences")
    missing = [i for i, hit in enumerate(seen) if not hit]
    if missing:
        run_end = missing[0]
        while run_end + 1 < n_sentences and not seen[run_end + 1]:
            run_end += 1
        which = f"sentence {missing[0]} is" if run_end == missing[0] else f"sentences {missing[0]}..{run_end} are"
        raise AlignError(f"cannot write beads: {what} {which} in no bead; every sentence must be in exactly one bead")


def check_beads(alignment: Alignment) -> None:
    """Raise AlignError unless the beads partition both documents' sentences (each bead a
    run of consecutive sentences per side; the beads themselves in any order)."""
    for k, bead in enumerate(alignment.beads):
        if not bead.src and not bead.tgt:
            raise AlignError(f"cannot write beads: bead {k} is empty on both sides; it aligns nothing")
    _check_side(alignment.beads, "src", len(alignment.src.sentences))
    _check_side(alignment.beads, "tgt", len(alignment.tgt.sentences))


def format_bead(bead: Bead, scores: bool = True) -> str:
    """One line of a bead file, e.g. ``[3,4]:[5]:0.812`` (score rounded to 3 decimals)."""
    text = f"[{','.join(map(str, bead.src))}]:[{','.join(map(str, bead.tgt))}]"
    if scores:
        score = float(bead.score)
        text += ":" + ("nan" if math.isnan(score) else repr(round(score, 3)))
    return text


class BeadsExporter(Exporter):
    """Bead file (``.beads``). Options: ``scores`` (default True), ``unmatched`` (only ``"include"``)."""

    name = "beads"
    extensions = (".beads",)
    options = {"scores": True, "unmatched": "include"}

    def write(self, alignment: Alignment, out: BinaryIO, **options: Any) -> ExportResult:
        opts = self.check_options(options)
        if opts["unmatched"] != "include":
            raise AlignError(
                "a beads file lists every sentence, unmatched ones included; unmatched='skip' is not possible"
            )
        check_beads(alignment)
        for bead in alignment.beads:
            out.write((format_bead(bead, bool(opts["scores"])) + "\n").encode("ascii"))
        return ExportResult(self.name, units=len(alignment.beads))
