"""Which language a TMX unit's variants are in, and whether several files share a pair.

Rules, and why:

- Tags are compared in BCP 47's case (``EN-US``, ``en_us`` and ``en-US`` are one tag;
  OmegaT writes upper case, LF Aligner lower): case means nothing in a language tag.
- A bare language and the same language with a region are compatible (``de`` and
  ``de-DE``): the bare tag says nothing against the region, and a merge writes the more
  specific one. Two different regions (``de-DE``, ``de-CH``) are not: spelling differs
  (ß and ss), and a merged TM would hand Swiss users German spelling without saying so.
- Each variant carries its language, so a unit's direction is never in doubt: a file in
  the other direction (en→de into a de→en merge) is turned round, not refused. Its units
  keep their direction in the ``tu``'s ``srclang`` attribute, which TMX has for this;
  nothing is lost, and CAT tools look units up by language, not by order.
- A file with a third language, or a unit with two variants in one language, is
  refused: ``align tm`` works on bilingual memories, and choosing for the user would
  drop a variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from align.errors import InputError
from align.tm.read import TmFile, Unit, Variant


@lru_cache(maxsize=256)
def normalise_lang(tag: str) -> str:
    """A language tag in BCP 47's conventional case: ``en-US``, ``zh-Hant-TW``, ``sr-Latn``."""
    parts = tag.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())  # script
        elif len(part) == 2 and part.isalpha() or len(part) == 3 and part.isdigit():
            out.append(part.upper())  # region
        else:
            out.append(part.lower())
    return "-".join(out)


def unify(a: str, b: str) -> str | None:
    """The tag that stands for both ``a`` and ``b`` (normalised), or None when they differ.

    ``de`` and ``de-DE`` give ``de-DE``; ``de-DE`` and ``de-CH`` give None.
    """
    a, b = normalise_lang(a), normalise_lang(b)
    if a == b:
        return a
    if b.startswith(a + "-"):
        return b
    if a.startswith(b + "-"):
        return a
    return None


@dataclass(frozen=True)
class FilePair:
    """A file's languages: ``src`` first; ``tgt`` None when every unit has one language only."""

    src: str
    tgt: str | None


def file_pair(tm: TmFile) -> FilePair | None:
    """The (normalised) languages of ``tm``'s units, source first; None for a file without units.

    The source is the header's ``srclang`` when it is one of the two; for ``*all*`` or no
    ``srclang``, the language of the first variant of the first unit.
    """
    langs: list[str] = []
    for unit in tm.units:
        for variant in unit.variants:
            lang = normalise_lang(variant.lang)
            if lang not in langs:
                langs.append(lang)
                if len(langs) > 2:
                    raise InputError(
                        f"{tm.name} has units in more than two languages ({', '.join(langs)}: {lang} first in "
                        f"{unit.name}); align tm works on bilingual TMX: export one language pair from its tool"
                    )
    if not langs:
        return None
    src = langs[0]
    if tm.srclang is not None:
        declared = normalise_lang(tm.srclang)
        match = [lang for lang in langs if unify(lang, declared) is not None]
        if len(match) == 1:
            src = match[0]
    other = [lang for lang in langs if lang != src]
    return FilePair(src, other[0] if other else None)


def split_unit(tm: TmFile, unit: Unit, pair: FilePair) -> tuple[Variant | None, Variant | None]:
    """``unit``'s source and target variants by language (either may be missing)."""
    src = tgt = None
    for variant in unit.variants:
        lang = normalise_lang(variant.lang)
        if lang == pair.src:
            if src is not None:
                raise InputError(
                    f"{tm.name}: {unit.name} has two variants in {lang}; keep one variant per language "
                    "(align tm works on bilingual units)"
                )
            src = variant
        else:
            if tgt is not None:
                raise InputError(
                    f"{tm.name}: {unit.name} has two variants in {lang}; keep one variant per language "
                    "(align tm works on bilingual units)"
                )
            tgt = variant
    return src, tgt
