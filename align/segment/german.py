"""German ordinals for :class:`align.segment.news.NewsSegmenter`: ``am 10. Juli`` is no sentence end.

German writes ordinals as a number with a period (``am 10. Juli``, ``im 19. Jh.``, ``in der
2. Bundesliga``), so ``<number>.`` before a capitalised word is either an ordinal or a
sentence end (``Er belegte Platz 3. Das war …``, ``stieg auf 150. Die …``). sentencex
sometimes splits after such numbers and sometimes not; :func:`number_dot_ends` offers every
one as a candidate and :func:`is_ordinal` decides both ways: an ordinal after an article, a
determiner or a preposition fused with an article, before a month name or a noun that takes
ordinals, and at the start of a line (a list item or a date); otherwise a sentence end.
"""

from __future__ import annotations

import re

__all__ = ["is_ordinal", "number_dot_ends"]

# A stand-alone number of 1–3 digits with a period, followed by a space.
_NUMBER_DOT = re.compile(r"(?<!\S)\d{1,3}\.(?=\s)")
# Words after which a number is an ordinal: articles, determiners, and prepositions fused
# with an article. Not bare prepositions and conjunctions: "stieg auf 150. Die Polizei …"
# and "zwischen 100 und 150. Das …" end sentences, and their ordinals ("ab 1. Januar",
# "1. und 2. Klasse") are recognised by the noun that follows.
_ORDINAL_PRECEDERS = frozenset(
    "am im vom zum zur beim ins ans der die das den dem des ein eine einer eines einem einen "
    "dieser diese dieses diesem diesen jeder jede jedes jedem jeden sein seine seinem seinen "
    "seiner seines ihr ihre ihrem ihren ihrer ihres unser unsere unserem unseren unserer "
    "euer eure eurem euren eurer".split()
)
_ORDINAL_NOUNS = frozenset(
    "Januar Jänner Februar Feber März April Mai Juni Juli August September Oktober November "
    "Dezember Jan Feb Mär Mrz Apr Jun Jul Aug Sep Sept Okt Nov Dez Jh Jhd Jhdt Jahrhundert "
    "Jahrhunderts Jahrtausend Jahrtausends Jahrestag Jahrestages Geburtstag Geburtstages "
    "Todestag Mal Stock Etage Klasse Liga Bundesliga Runde Spieltag Kapitel Auflage "
    "Ausgabe Sitzung Lesung Armee Division Flotte Symphonie Sinfonie".split()
)


def number_dot_ends(line: str) -> list[int]:
    """Ends of every stand-alone ``<1–3 digits>.`` followed by space: candidates for the rules."""
    return [m.end() for m in _NUMBER_DOT.finditer(line)]


def is_ordinal(following: str, previous: str) -> bool:
    """Whether a German ``<number>.`` is an ordinal (``am 10. Juli``), not a sentence end.

    ``following`` is the word after it, ``previous`` the token before it ('' at the start
    of a line).
    """
    if following.rstrip(".,;:") in _ORDINAL_NOUNS:
        return True
    if not previous:
        return True  # a number at the start of a line is a list item or a date, not a sentence
    return previous.strip(".,;:()").lower() in _ORDINAL_PRECEDERS
