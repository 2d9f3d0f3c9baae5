"""Translation-memory filters: which units of an alignment a TM export leaves out, and how many.

Why one module of pure functions: every path that writes a translation memory (``align
pair``, ``align batch``, :func:`align.exporting.export` from Python, the review page's
TMX download) must leave out the same units for the same settings and count them the same
way, so the decision is made here, once, on the :class:`~align.types.Alignment`, and the
exporters write what is left without knowing filters exist. The settings are
:class:`~align.settings.FilterSettings`.

Each unit (bead) is judged by the filters in the order of :data:`ORDER` and counted by the
first that removes it, so the counts add up to the units removed:

* ``min_score``: a matched unit scoring below it is *sent out as unmatched*: its source
  side and its target side become two one-sided units with score 0 (so TSV, JSON Lines
  and ``--unmatched include`` still show them, and TMX and Moses leave them out as they
  leave out every unmatched sentence). The other filters *remove* a unit altogether.
* ``drop_kinds``: every sentence of the unit is of one of these block kinds (``code``,
  ``table``: lines the real-documents readers mark, :data:`align.types.UNIT_KINDS`).
* ``drop_nonword``: a side of the unit has no letter (numbers, punctuation, table borders).
* ``drop_identical``: a matched unit's sides are equal once white space is collapsed and
  case folded (a line left untranslated, an option name).
* ``max_ratio``: a matched unit's longer side has more than this many times the characters
  of its shorter side.
* ``check_unit_lang``: a side of at least :data:`LANG_MIN_LETTERS` letters is identified
  (:func:`align.langid.rank`, the bundled model's languages plus the declared one) as
  another language than the one declared for it, with probability at least
  :data:`LANG_CONFIDENCE`; close relatives (:data:`align.langcheck.RELATIVES`) never count
  as another language, and a declared code py3langid does not know is not judged.

The bead format is never filtered (a bead file lists every sentence, and ``align eval``
and the benchmarks read it: asking for filters with it is an error); the review page marks the units the filters would remove
and leaves them out of its TMX download only.

Example::

    >>> from align.settings import FilterSettings
    >>> kept, removed = apply_filters(alignment, FilterSettings(drop_identical=True))  # doctest: +SKIP
    >>> removed                                                                          # doctest: +SKIP
    {'drop_identical': 83}
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from align.errors import AlignError
from align.settings import FilterSettings
from align.types import UNIT_KINDS, Alignment, Bead

if TYPE_CHECKING:
    from align.export.base import Exporter

__all__ = ["LANG_CONFIDENCE", "LANG_MIN_LETTERS", "ORDER", "apply_filters", "check_filterable", "check_kinds", "decisions",
           "filter_lines", "for_exporter", "judge"]

#: The filters in the order a unit meets them (the first that removes it counts it).
ORDER = ("min_score", "drop_kinds", "drop_nonword", "drop_identical", "max_ratio", "check_unit_lang")

#: A side is identified only with at least this many letters: shorter ones ("update",
#: "--purge", "Configuration Item: quiet.") are identified little better than by chance
#: (the same floor as the document check's units, :data:`align.langcheck.UNIT_MIN_LETTERS`).
LANG_MIN_LETTERS = 20
#: The probability another language must reach for a side to go out. py3langid's
#: probabilities are calibrated across lengths (:mod:`align.langid`). Measured on every
#: sentence of the dev sets (Text+Berg de/fr, Tom Sawyer de/en: 5,738 sides of at least 20
#: letters), no side in its declared language reaches even 0.9 for another one; the
#: three French-side lines that reach 0.999 are German indeed (a photo credit). On four
#: German man pages (apt-get, fstab, gzip, sources.list), the English lines left
#: untranslated score 0.968-1.0, while the one translated line above 0.9 is a synopsis of
#: option names (0.903): 0.95 takes the first and keeps the second.
LANG_CONFIDENCE = 0.95

_LETTER = re.compile(r"[^\W\d_]")


def check_kinds(kinds: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``kinds`` checked against :data:`align.types.UNIT_KINDS` (lower case, no repeats)."""
    out: list[str] = []
    for kind in kinds:
        name = kind.strip().lower()
        if name not in UNIT_KINDS:
            raise AlignError(f"{kind!r} is not a unit kind that can be dropped; use {', '.join(UNIT_KINDS)} "
                             "(and --drop-identical for lines left untranslated)")
        if name not in out:
            out.append(name)
    return tuple(out)


def _texts(alignment: Alignment, bead: Bead) -> tuple[str, str]:
    src, tgt = alignment.src.sentences, alignment.tgt.sentences
    return " ".join(src[i].text for i in bead.src), " ".join(tgt[j].text for j in bead.tgt)


def _unit_kind(alignment: Alignment, bead: Bead) -> str:
    """``code``/``table`` when every sentence of the unit (either side) is of that kind, else ``text``."""
    kinds = {alignment.src.sentences[i].kind for i in bead.src} | {alignment.tgt.sentences[j].kind for j in bead.tgt}
    return next(iter(kinds)) if len(kinds) == 1 else "text"


def _relatives(lang: str) -> frozenset[str]:
    from align.langcheck import RELATIVES

    return next((group for group in RELATIVES if lang in group), frozenset({lang}))


def _other_language(text: str, declared: str) -> bool:
    """Whether ``text`` is confidently in another language than ``declared`` (see the module docstring)."""
    from align.langid import base_language, known, rank

    if len(_LETTER.findall(text)) < LANG_MIN_LETTERS or not known(declared):
        return False
    top, probability = rank(text, extra=declared)[0]
    return probability >= LANG_CONFIDENCE and top not in _relatives(base_language(declared))


def judge(alignment: Alignment, bead: Bead, filters: FilterSettings) -> str | None:
    """The first filter of :data:`ORDER` that removes ``bead`` (its name), or None to keep it."""
    if not bead.src and not bead.tgt:
        return None
    src, tgt = _texts(alignment, bead)
    sides = [(text, doc.lang) for ids, text, doc in ((bead.src, src, alignment.src), (bead.tgt, tgt, alignment.tgt))
             if ids]
    if filters.min_score is not None and bead.is_match and bead.score < filters.min_score:
        return "min_score"
    if filters.drop_kinds and _unit_kind(alignment, bead) in filters.drop_kinds:
        return "drop_kinds"
    if filters.drop_nonword and any(not _LETTER.search(text) for text, _ in sides):
        return "drop_nonword"
    if filters.drop_identical and bead.is_match and " ".join(src.split()).casefold() == " ".join(tgt.split()).casefold():
        return "drop_identical"
    if filters.max_ratio is not None and bead.is_match:
        short, long = sorted((len(src.strip()), len(tgt.strip())))
        if long > filters.max_ratio * max(short, 1):
            return "max_ratio"
    if filters.check_unit_lang and any(_other_language(text, lang) for text, lang in sides):
        return "check_unit_lang"
    return None


def decisions(alignment: Alignment, filters: FilterSettings) -> list[str | None]:
    """:func:`judge` for every bead, in order (all None when no filter is on)."""
    if not filters.active():
        return [None] * len(alignment.beads)
    return [judge(alignment, bead, filters) for bead in alignment.beads]


def apply_filters(alignment: Alignment, filters: FilterSettings | None,
                  judged: list[str | None] | None = None) -> tuple[Alignment, dict[str, int]]:
    """The alignment a TM export writes, and how many units each active filter removed.

    With no filter on, ``alignment`` itself and ``{}`` (nothing recorded anywhere). Otherwise
    the beads the filters keep (a unit under ``min_score`` split into its two sides as
    unmatched units), with the settings ``filters`` (every field) and ``filtered`` (the
    count per active filter, zeros included) added to :attr:`Alignment.settings`, which the
    TMX header records as ``x-align-filters`` and ``x-align-filtered``. The beads then no
    longer cover every sentence: such an alignment is for writing a TM, not a bead file.
    ``judged``: the :func:`decisions` for these filters when the caller has them already.
    """
    if filters is None or not filters.active():
        return alignment, {}
    removed = {name: 0 for name in ORDER if _is_on(filters, name)}
    beads: list[Bead] = []
    for bead, why in zip(alignment.beads, judged if judged is not None else decisions(alignment, filters)):
        if why is None:
            beads.append(bead)
            continue
        removed[why] += 1
        if why == "min_score":
            beads += [Bead(bead.src, (), 0.0), Bead((), bead.tgt, 0.0)]
    settings = {**alignment.settings, "filters": filters.to_dict(), "filtered": dict(removed)}
    return dataclasses.replace(alignment, beads=tuple(beads), settings=settings), removed


def _is_on(filters: FilterSettings, name: str) -> bool:
    value = getattr(filters, name)
    return value is not None and value is not False and value != ()


def check_filterable(exporter: Exporter, filters: FilterSettings | None) -> None:
    """Refuse TM filters for a format they cannot apply to (the bead file, which lists every
    sentence): a user who asked for them would otherwise get a file they did not ask for.
    The command line calls this before any work."""
    if filters is not None and filters.active() and not exporter.filterable and "filters" not in exporter.options:
        formats = ", ".join(sorted(_filterable_formats()))
        raise AlignError(f"the TM filters apply to translation-memory formats ({formats}) and the review page, "
                         f"not to {exporter.name}, which lists every sentence; leave the filter options out")


def _filterable_formats() -> list[str]:
    from align.plugins import FORMATS

    return [name for name, cls in FORMATS.items() if getattr(cls, "filterable", False)]


def for_exporter(exporter: Exporter, alignment: Alignment, filters: FilterSettings | None,
                 options: dict[str, Any]) -> tuple[Alignment, dict[str, Any], dict[str, int]]:
    """What ``exporter`` is given for ``filters``: the one place every export path asks.

    A translation-memory format (:attr:`Exporter.filterable`) gets the filtered alignment;
    a format that takes a ``filters`` option (the review page) gets the settings, to mark
    the units and filter its own TMX download; any other (the bead file) is refused
    (:func:`check_filterable`). Returns the alignment, the options and the counts of
    :func:`apply_filters`.
    """
    if filters is None or not filters.active():
        return alignment, options, {}
    check_filterable(exporter, filters)
    if exporter.filterable:
        filtered, removed = apply_filters(alignment, filters)
        return filtered, options, removed
    return alignment, {**options, "filters": filters}, {}


_SAID: dict[str, Callable[[FilterSettings, int], str]] = {
    "min_score": lambda f, n: f"--min-score {f.min_score:g}: {n} matched unit{'s' * (n != 1)} scored below it "
                              "and went out as unmatched",
    "drop_kinds": lambda f, n: f"--drop-kinds {','.join(f.drop_kinds)}: removed {n} unit{'s' * (n != 1)}",
    "drop_nonword": lambda f, n: f"--drop-nonword: removed {n} unit{'s' * (n != 1)} with a side without letters",
    "drop_identical": lambda f, n: f"--drop-identical: removed {n} unit{'s' * (n != 1)} with the same text on both sides",
    "max_ratio": lambda f, n: f"--max-ratio {f.max_ratio:g}: removed {n} unit{'s' * (n != 1)} with one side that long "
                              "beside the other",
    "check_unit_lang": lambda f, n: f"--check-unit-lang: removed {n} unit{'s' * (n != 1)} with a side in another "
                                    "language",
}


def filter_lines(filters: FilterSettings, removed: dict[str, int]) -> list[str]:
    """One line per filter that removed anything, for the command line to print on stderr."""
    return [_SAID[name](filters, n) for name, n in removed.items() if n]
