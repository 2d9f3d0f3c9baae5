"""Scoring for the real-document benchmark (``bench/real_docs.py``): pair F1 and fragment share.

The reference is the alignment of the paragraph-per-line rendering of a man page read
line by line. Every other form of the same page (wrapped text, HTML, DOCX, PDF, Markdown)
is aligned and compared with it. Two measures:

**Pair F1.** The matched beads of an alignment (both sides non-empty) become pairs
``(exact_key(source text), exact_key(target text))``, where a side's text is its sentences joined by a
space. Precision is the share of the form's pairs that are also reference pairs, recall the
share of reference pairs the form reproduces; pairs are counted as a multiset (a pair that
occurs three times in the reference must occur three times in the form to be matched three
times). Pairs whose two sides are both page furniture (text found in the man page's header
or footer line, which HTML has not and a PDF reader is expected to drop; the segmenter may
cut ``SOURCES.LIST(5)`` into pieces, so a side counts when it is contained in such a line)
are left out on both sides.

:func:`exact_key` is the comparison text of the F1 the targets are judged on: soft hyphens
(U+00AD, invisible) removed, a list marker at the start (``•``, ``·``, ``-``, ``*``, ``+``
or ``1.``/``1)`` followed by white space) removed -- DOCX, Markdown and HTML lists keep the
marker out of the text while the rendered man page has the bullet glyph in it -- and runs
of white space collapsed to one space, the ends stripped; and the glyphs groff's two
devices write differently for the same source made alike: its HTML device writes ``’``
where its text device (with Debian's ``man.local``) writes ``'``, ``’…’`` for ``‘…’``,
and a web or mail address as a link with or without the ``<…>``/``⟨…⟩`` around it; so
curly and low quotation marks count as ASCII quotes, ``⟨⟩`` as ``<>``, and angle
brackets around an address are dropped. These are differences in the rendered *input*,
which no reader could undo; :func:`raw_key` keeps them ("F1 raw"). Nothing else: a word a
reader left broken (``Paketab- hängigkeiten``) or joined wrongly costs the pair.

:func:`key` is the looser "F1 loose" key, for finding causes: it also makes the hyphen
characters U+2010/U+2011 ``-`` and removes every hyphen between two word characters with
the white space after it (``Paketab- hängigkeiten``, ``Paketab-hängigkeiten`` and
``Paketabhängigkeiten`` all become ``Paketabhängigkeiten``; ``apt-get`` becomes ``aptget``
on both sides). The gap between F1 and F1 loose is what line-end hyphenation left in the
pairs; what remains below F1 loose is segmentation and alignment.

**Fragments.** The units are the beads (a translation memory's units). A bead is a
*fragment* when one of its sides neither starts nor ends at a sentence boundary of the
reference's segmentation of the same side (the joined paragraph text). Each side is
compared as a stream of words (:func:`key` split at white space): the reference's word
stream with the word indices where its sentences start and end, the form's with each bead
side's word range, the two matched with :class:`difflib.SequenceMatcher` (equal word for
word when a reader loses nothing; HTML may add a table of contents, a PDF reader may keep
a page number). A side *starts at a boundary* when its first word is matched to a reference
word that starts a sentence, *ends at a boundary* when its last word is matched to one
that ends a sentence. A side none of whose words is matched is text the reference does
not have: a bead with only such sides is *extra*, not a fragment. Empty sides and page
furniture are not judged. Boundaries are compared at word granularity: a reference
sentence boundary inside a white-space-delimited token (``ende.Anfang``) cannot be met.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u00ad": None})
_SOFT = str.maketrans({"\u00ad": None})
_HYPHENATION = re.compile(r"(?<=\w)-\s*(?=\w)")
_LIST_MARKER = re.compile(r"^\s*(?:[•·◦‣⁃*+-]|\d{1,3}[.)])\s+")
_SPACE = re.compile(r"\s+")
# Quotation marks and angle brackets that groff's HTML device writes otherwise than its
# text device for the same source (module docstring), made the ASCII character.
_GLYPHS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u27e8": "<", "\u27e9": ">"})
# A web or mail address between angle brackets: groff's HTML device makes it a link and
# writes the brackets or not depending on the macro package.
_BRACKETED_ADDRESS = re.compile(r"<([^\s<>]*(?:://|@)[^\s<>]*)>")

Pair = tuple[str, str]


def raw_key(text: str) -> str:
    """``text`` without soft hyphens and a leading list marker, white space collapsed (the
    "F1 raw" key: every glyph as the rendering wrote it)."""
    return _SPACE.sub(" ", _LIST_MARKER.sub("", text.translate(_SOFT))).strip()


def exact_key(text: str) -> str:
    """:func:`raw_key` with the glyphs groff's two devices write differently made alike (the
    F1 key; module docstring)."""
    return raw_key(_BRACKETED_ADDRESS.sub(r"\1", text.translate(_GLYPHS)))


def key(text: str) -> str:
    """The loose comparison text of a sentence or bead side (module docstring)."""
    text = _BRACKETED_ADDRESS.sub(r"\1", text.translate(_GLYPHS))
    text = _HYPHENATION.sub("", text.translate(_HYPHENS))
    text = _LIST_MARKER.sub("", text)
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class PairScore:
    """Counts behind one pair F1: matched pairs, the form's pairs, the reference's pairs."""

    matched: int
    predicted: int
    reference: int

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.reference if self.reference else 0.0

    @property
    def f1(self) -> float:
        total = self.predicted + self.reference
        return 2 * self.matched / total if total else 0.0

    def __add__(self, other: PairScore) -> PairScore:
        """Micro-averaging: add the counts, not the ratios."""
        return PairScore(self.matched + other.matched, self.predicted + other.predicted,
                         self.reference + other.reference)


def is_furniture(text: str, furniture: frozenset[str]) -> bool:
    """Whether ``text`` (a sentence or bead side) is all inside a header or footer line."""
    k = exact_key(text)
    return bool(k) and any(k in line for line in furniture)


def pair_keys(pairs: Iterable[Pair], furniture: frozenset[str] = frozenset(), keyfn=key) -> Counter[Pair]:
    """The multiset of keyed pairs, page furniture left out (``furniture``: lines, white space collapsed)."""
    out: Counter[Pair] = Counter()
    for src, tgt in pairs:
        if is_furniture(src, furniture) and is_furniture(tgt, furniture):
            continue
        out[(keyfn(src), keyfn(tgt))] += 1
    return out


def pair_score(form: Iterable[Pair], reference: Iterable[Pair], furniture: frozenset[str] = frozenset(),
               keyfn=key) -> PairScore:
    """Pair F1 counts of ``form`` against ``reference`` (both: matched (source, target) texts)."""
    got = pair_keys(form, furniture, keyfn)
    want = pair_keys(reference, furniture, keyfn)
    return PairScore(sum((got & want).values()), sum(got.values()), sum(want.values()))


@dataclass(frozen=True)
class FragmentScore:
    """Units of one or more form sides: how many, how many fragments, how many extra."""

    units: int
    fragments: int
    extra: int

    @property
    def fragment_share(self) -> float:
        return self.fragments / self.units if self.units else 0.0

    @property
    def extra_share(self) -> float:
        return self.extra / self.units if self.units else 0.0

    def __add__(self, other: FragmentScore) -> FragmentScore:
        return FragmentScore(self.units + other.units, self.fragments + other.fragments, self.extra + other.extra)


def fragment_units(form: Sequence[str], reference: Sequence[str],
                   furniture: frozenset[str] = frozenset()) -> list[str]:
    """Each unit of ``form`` classified: ``"whole"`` (starts or ends at a reference sentence
    boundary), ``"fragment"``, ``"extra"`` (no word in the reference) or ``"skip"`` (empty or
    furniture, not counted). ``form`` and ``reference`` are the sentence texts of one side."""
    ref_words: list[str] = []
    starts: set[int] = set()
    ends: set[int] = set()
    for text in reference:
        words = key(text).split()
        if not words:
            continue
        starts.add(len(ref_words))
        ref_words.extend(words)
        ends.add(len(ref_words) - 1)
    form_words: list[str] = []
    ranges: list[tuple[int, int] | None] = []
    for text in form:
        k = key(text)
        if not k or is_furniture(text, furniture):
            ranges.append(None)
            continue
        words = k.split()
        ranges.append((len(form_words), len(form_words) + len(words)))
        form_words.extend(words)
    to_ref: dict[int, int] = {}
    matcher = SequenceMatcher(None, form_words, ref_words, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for i in range(size):
            to_ref[a + i] = b + i
    out = []
    for span in ranges:
        if span is None:
            out.append("skip")
            continue
        first, last = span[0], span[1] - 1
        if not any(i in to_ref for i in range(first, last + 1)):
            out.append("extra")
        elif to_ref.get(first, -1) in starts or to_ref.get(last, -1) in ends:
            out.append("whole")
        else:
            out.append("fragment")
    return out


def bead_fragments(src_sides: Sequence[str], tgt_sides: Sequence[str], src_reference: Sequence[str],
                   tgt_reference: Sequence[str], furniture: frozenset[str] = frozenset()) -> FragmentScore:
    """Beads, fragment beads and extra beads of one alignment (module docstring): ``*_sides``
    are the beads' side texts in bead order, ``*_reference`` the reference's sentences."""
    src = fragment_units(src_sides, src_reference, furniture)
    tgt = fragment_units(tgt_sides, tgt_reference, furniture)
    units = fragments = extra = 0
    for kinds in zip(src, tgt):
        judged = [k for k in kinds if k != "skip"]
        if not judged:
            continue
        units += 1
        fragments += "fragment" in judged
        extra += all(k == "extra" for k in judged)
    return FragmentScore(units, fragments, extra)


def differing_pairs(form: Iterable[Pair], reference: Iterable[Pair], furniture: frozenset[str] = frozenset(),
                    keyfn=key) -> tuple[list[Pair], list[Pair]]:
    """The keyed pairs only the form has and those only the reference has, in their order."""
    form, reference = list(form), list(reference)
    got = pair_keys(form, furniture, keyfn)
    want = pair_keys(reference, furniture, keyfn)
    extra, missing = got - want, want - got

    def take(pairs: list[Pair], pool: Counter[Pair]) -> list[Pair]:
        out = []
        for src, tgt in pairs:
            k = (keyfn(src), keyfn(tgt))
            if pool[k] > 0:
                pool[k] -= 1
                out.append(k)
        return out

    return take(form, extra), take(reference, missing)
