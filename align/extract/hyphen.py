"""Joining wrapped lines: where a line-end hyphen splits a word, and where it is a hyphen.

Typesetters and hard-wrapping writers break long words at line ends with a hyphen
("Paketzwischen-" / "speicher"); groff marks such breaks with U+2010, PDFs mostly with
an ASCII hyphen, and some text keeps a soft hyphen (U+00AD). The same character also
ends a line where a hyphenated word was broken at its own hyphen ("apt-" / "get", "Ein-"
/ "und Ausgabe"). Joining must drop the first kind and keep the second, and the best
witness is the document itself: a word that occurs whole elsewhere ("Paketzwischenspeicher")
was split; one that occurs hyphenated elsewhere ("apt-get") was not. Without a witness:
a soft hyphen is always dropped; before a capital (German nouns: "Shell-" / "MUSTER") or
a conjunction ("Ein- und Ausgabe") the hyphen is kept; before a lower-case letter U+2010
is dropped (a typeset break), and an ASCII hyphen is dropped only in typeset text (a
PDF): programs that wrap plain text break at a word's own hyphen ("in-" / "depth") but
never add one.

Example::

    >>> join_hyphenated(["Der Paketzwischen\u2010", "speicher und apt-", "get."], word_counts("apt-get"))
    'Der Paketzwischenspeicher und apt-get.'
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["join_hyphenated", "word_counts"]

_HYPHENS = "-\u2010\u00ad"
_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")
# Words after a hyphen that show it stands for an elided part ("Ein- und Ausgabe").
_CONJUNCTIONS = frozenset({"und", "oder", "bzw", "sowie", "and", "or", "et", "ou", "y", "o", "e", "and/or"})
_TAIL = re.compile(r"([^\W\d_]+)[-\u2010\u00ad]$")
_HEAD = re.compile(r"[^\W\d_]+")


def word_counts(text: str) -> Counter:
    """How often each word occurs in ``text`` (lower case; hyphenated words whole, with
    U+2010 written as ``-``): the witness for :func:`join_hyphenated`."""
    return Counter(m.group().lower().replace("\u2010", "-") for m in _WORD.finditer(text.replace("\u00ad", "")))


def _glue(left: str, right: str, counts: Counter, typeset: bool) -> str:
    """``left`` (ending in a hyphen after a letter) and ``right`` as one text."""
    hyphen = left[-1]
    tail = _TAIL.search(left)
    head = _HEAD.match(right)
    if hyphen == "\u00ad":
        return left[:-1] + right
    if tail is None or head is None:
        return left + right
    whole = (tail.group(1) + head.group()).lower()
    split = f"{tail.group(1)}-{head.group()}".lower()
    if head.group().lower() in _CONJUNCTIONS:
        return left + " " + right
    if counts[whole] > counts[split]:
        return left[:-1] + right
    if counts[split] > 0 or not head.group()[0].islower():
        return left + right
    if hyphen == "-" and not typeset:  # wrapping programs never add a hyphen: it is the word's own
        return left + right
    return left[:-1] + right


def join_hyphenated(lines: list[str], counts: Counter, typeset: bool = False) -> str:
    """The stripped ``lines`` of one paragraph as one text: a space between two lines, or
    none where a line ends in a hyphen after a letter and the next starts with a letter
    (the hyphen dropped when it split a word; see the module docstring). ``typeset``: the
    text was set by a typesetter (a PDF's text layer), so an ASCII hyphen at a line end is
    a hyphenation like U+2010; in plain text it is the word's own (``fmt``, editors and
    mail programs wrap at spaces and hyphens, never adding one)."""
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out[-1] in _HYPHENS and len(out) > 1 and out[-2].isalpha() and line[:1].isalpha():
            out = _glue(out, line, counts, typeset)
        else:
            out = out + " " + line
    return out
