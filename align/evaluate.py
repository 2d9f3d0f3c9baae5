"""Strict and lax precision, recall and F1 of sentence alignments, as the field scores them.

This is the definition in ``shared/README.md``, the one Vecalign's and Bertalign's
``score.py`` implement (after Sennrich & Volk's Bleualign evaluation), so numbers from
``align eval`` can be put next to published ones:

- An alignment is a list of beads ``(src_ids, tgt_ids)``. Counts are summed over all
  documents of a test set (micro-average) before any ratio is taken.
- **Precision** is over every bead the system outputs, insertions and deletions
  included. A bead is a *strict* hit if it equals a gold bead exactly; a *lax* hit if one
  of its source ids and one of its target ids sit in the same gold bead. An output
  insertion/deletion has no id on one side, so it can only score by being identical to a
  gold bead.
- **Recall** first drops every bead with an empty side from both gold and output, then
  applies the same tests the other way round (gold beads looked up in the output).
- **F1** is the harmonic mean of the summed precision and recall, strict and lax
  separately.

Subtle points, all as in the reference scorers:

- Within one document, beads are compared as *sets*: a bead listed twice counts once, in
  both numerator and denominator.
- A ``[]:[]`` bead aligns nothing; it is dropped from gold and output before scoring
  (the Tom Sawyer gold file contains one).
- Ids are compared as written: ``[3,4]`` and ``[4,3]`` are different beads. Bead files
  list ids in increasing order, so this never matters in practice.
- A ratio whose denominator is 0 is 0.0, and so is F1 when precision + recall is 0.

Example::

    gold = read_beads("dev.defr")
    test = read_beads("out.beads")
    s = score([gold], [test])
    s.f1_strict, s.to_dict(), print(s.format())
"""

from __future__ import annotations

import operator
import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from align.errors import AlignError, InputError

#: A bead as the scorer sees it: source ids and target ids.
BeadIds = tuple[tuple[int, ...], tuple[int, ...]]

_LINE = re.compile(r"^\s*\[([^\[\]]*)\]\s*:\s*\[([^\[\]]*)\]\s*(?::\s*([^:\s]*)\s*)?$")
_ID = re.compile(r"^\s*[0-9]+\s*$")


def _parse_ids(field: str, where: str, side: str) -> tuple[int, ...]:
    if not field.strip():
        return ()
    parts = field.split(",")
    if not all(_ID.match(p) for p in parts):
        raise InputError(f"{where}: {side} ids [{field}] must be 0-based integers separated by commas, e.g. [3,4]")
    return tuple(int(p) for p in parts)


def parse_bead_line(line: str, where: str = "line") -> BeadIds:
    """Parse one line such as ``[0, 1]:[2]`` or ``[3]:[]:0.81`` (the score is checked, then ignored).

    ``where`` prefixes the error message (e.g. ``"gold.txt, line 7"``).
    """
    match = _LINE.match(line)
    if match is None:
        shown = line.strip()
        if len(shown) > 60:
            shown = shown[:57] + "..."
        raise InputError(
            f"{where}: expected a bead like [3,4]:[5] or [3,4]:[5]:0.81, got {shown!r}; fix or remove the line"
        )
    src = _parse_ids(match.group(1), where, "source")
    tgt = _parse_ids(match.group(2), where, "target")
    if match.group(3):
        try:
            float(match.group(3))
        except ValueError:
            raise InputError(f"{where}: score {match.group(3)!r} is not a number") from None
    return src, tgt


def read_beads(source: str | os.PathLike[str] | Iterable[str]) -> list[BeadIds]:
    """Read a bead file (or an iterable of its lines) into ``[(src_ids, tgt_ids), ...]``.

    Accepts the gold format (``[0, 1]:[2]``, spaces allowed, ``[]:[5]`` / ``[7]:[]`` for
    an insertion / deletion) and ``align``'s own output with a third ``:score`` field. Blank
    lines are skipped. A path ``"-"`` reads standard input. Raises
    :class:`~align.errors.InputError` naming the file and line number of a malformed line,
    when the file cannot be read, or when a file (or stdin) holds no bead at all.
    """
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        if name == "-":
            return _nonempty(_parse_lines(sys.stdin, "<stdin>"), "<stdin>")
        try:
            with open(name, encoding="utf-8-sig") as f:
                return _nonempty(_parse_lines(f, name), name)
        except FileNotFoundError:
            raise InputError(f"cannot read {name}: no such file; check the path") from None
        except IsADirectoryError:
            raise InputError(f"cannot read {name}: it is a directory; give a bead file") from None
        except UnicodeDecodeError:
            raise InputError(
                f"cannot read {name}: not UTF-8 text; give a bead file (one [src ids]:[tgt ids] a line, "
                "as align pair --format beads writes)"
            ) from None
        except PermissionError:
            raise InputError(f"cannot read {name}: permission denied; check the file's permissions") from None
        except OSError as err:
            raise InputError(f"cannot read {name}: {err.strerror or err}; check the path") from None
    return _parse_lines(source, "<lines>")


def _nonempty(beads: list[BeadIds], name: str) -> list[BeadIds]:
    """Refuse a bead file without beads.

    Why: every aligned document has at least one bead, so an empty file is a wrong path or
    a failed earlier step; scoring it would print zeros that look like a real result.
    """
    if not beads:
        raise InputError(
            f"{name}: no beads (the file is empty or blank); give a bead file such as align pair --format beads writes"
        )
    return beads


def _parse_lines(lines: Iterable[str], name: str) -> list[BeadIds]:
    beads: list[BeadIds] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            beads.append(parse_bead_line(line, f"{name}, line {number}"))
    return beads


def _as_ids(bead: Any) -> BeadIds:
    """Accept a :class:`~align.types.Bead`, a ``(src, tgt)`` pair or ``(src, tgt, score)``."""
    if hasattr(bead, "src") and hasattr(bead, "tgt"):
        return tuple(bead.src), tuple(bead.tgt)
    try:
        return tuple(map(operator.index, bead[0])), tuple(map(operator.index, bead[1]))
    except (TypeError, IndexError, KeyError):
        pass
    raise AlignError(
        f"{bead!r} is not a bead; score() takes a list of documents, each a list of "
        "(src_ids, tgt_ids) beads: for one document call score([gold], [test])"
    )


def _hits(reference: set[BeadIds], candidates: set[BeadIds]) -> tuple[int, int]:
    """How many ``candidates`` are strict and lax hits against ``reference``.

    Lax: some source id s and some target id t of the candidate sit together in one
    reference bead. Indexing, for every source id, the target ids it shares a reference
    bead with makes each lookup linear in the candidate's size.
    """
    partners: dict[int, set[int]] = defaultdict(set)
    for src, tgt in reference:
        for s in src:
            partners[s].update(tgt)
    strict = lax = 0
    for bead in candidates:
        if bead in reference:
            strict += 1
            lax += 1
            continue
        src, tgt = bead
        if src and tgt:
            linked: set[int] = set()
            for s in src:
                linked |= partners.get(s, set())
            if not linked.isdisjoint(tgt):
                lax += 1
    return strict, lax


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Scores:
    """Summed hit counts and the ratios derived from them.

    ``test_beads`` is the precision denominator (distinct output beads, ``[]:[]`` excluded);
    ``gold_beads`` the recall denominator (distinct gold beads with both sides non-empty).
    """

    test_beads: int
    test_strict_hits: int
    test_lax_hits: int
    gold_beads: int
    gold_strict_hits: int
    gold_lax_hits: int
    documents: int = 1

    @property
    def precision_strict(self) -> float:
        return _ratio(self.test_strict_hits, self.test_beads)

    @property
    def precision_lax(self) -> float:
        return _ratio(self.test_lax_hits, self.test_beads)

    @property
    def recall_strict(self) -> float:
        return _ratio(self.gold_strict_hits, self.gold_beads)

    @property
    def recall_lax(self) -> float:
        return _ratio(self.gold_lax_hits, self.gold_beads)

    @property
    def f1_strict(self) -> float:
        return _f1(self.precision_strict, self.recall_strict)

    @property
    def f1_lax(self) -> float:
        return _f1(self.precision_lax, self.recall_lax)

    def to_dict(self) -> dict[str, Any]:
        """The six scores plus the counts they come from (what ``align eval --json`` prints)."""
        return {
            "precision_strict": self.precision_strict,
            "recall_strict": self.recall_strict,
            "f1_strict": self.f1_strict,
            "precision_lax": self.precision_lax,
            "recall_lax": self.recall_lax,
            "f1_lax": self.f1_lax,
            "counts": {
                "documents": self.documents,
                "test_beads": self.test_beads,
                "test_strict_hits": self.test_strict_hits,
                "test_lax_hits": self.test_lax_hits,
                "gold_beads": self.gold_beads,
                "gold_strict_hits": self.gold_strict_hits,
                "gold_lax_hits": self.gold_lax_hits,
            },
        }

    def format(self, digits: int = 3) -> str:
        """A small table for people, e.g. for ``align eval`` without ``--json``."""
        w = digits + 4
        rows = [
            f"{'':10} {'strict':>{w}} {'lax':>{w}}",
            f"{'precision':10} {self.precision_strict:>{w}.{digits}f} {self.precision_lax:>{w}.{digits}f}",
            f"{'recall':10} {self.recall_strict:>{w}.{digits}f} {self.recall_lax:>{w}.{digits}f}",
            f"{'F1':10} {self.f1_strict:>{w}.{digits}f} {self.f1_lax:>{w}.{digits}f}",
            f"({self.test_beads} output beads, {self.gold_beads} gold beads without an empty side, "
            f"{self.documents} document{'s' if self.documents != 1 else ''})",
        ]
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.format()


def score(gold_docs: Sequence[Iterable[Any]], test_docs: Sequence[Iterable[Any]]) -> Scores:
    """Score output alignments against gold ones, document by document, counts summed.

    ``gold_docs[k]`` and ``test_docs[k]`` are the beads of document k: each an iterable of
    :class:`~align.types.Bead`, ``(src_ids, tgt_ids)`` pairs (as :func:`read_beads`
    returns) or ``(src_ids, tgt_ids, score)`` triples; an :class:`~align.types.Alignment`
    works too. For one document, pass one-element lists: ``score([gold], [test])``.
    """
    if len(gold_docs) != len(test_docs):
        raise AlignError(f"{len(gold_docs)} gold documents but {len(test_docs)} output documents; give them in pairs")
    totals = [0] * 6
    for gold_beads, test_beads in zip(gold_docs, test_docs):
        gold = {b for b in map(_as_ids, gold_beads) if b[0] or b[1]}
        test = {b for b in map(_as_ids, test_beads) if b[0] or b[1]}
        p_strict, p_lax = _hits(gold, test)
        gold_matched = {b for b in gold if b[0] and b[1]}
        test_matched = {b for b in test if b[0] and b[1]}
        r_strict, r_lax = _hits(test_matched, gold_matched)
        for k, n in enumerate((len(test), p_strict, p_lax, len(gold_matched), r_strict, r_lax)):
            totals[k] += n
    test_n, p_strict_n, p_lax_n, gold_n, r_strict_n, r_lax_n = totals
    return Scores(test_n, p_strict_n, p_lax_n, gold_n, r_strict_n, r_lax_n, documents=len(gold_docs))


def score_files(gold: str | os.PathLike[str], test: str | os.PathLike[str]) -> Scores:
    """Score one output bead file against one gold bead file (what ``align eval GOLD TEST`` does)."""
    return score([read_beads(gold)], [read_beads(test)])
