"""Sentence segmenter for news text: sentencex plus the rules it lacks.

Base: `sentencex <https://github.com/wikimedia/sentencex>`_ (Wikimedia, MIT), a compiled
rule-based splitter with abbreviation lists for some 300 languages. Of the offline PyPI
segmenters measured in ``bench/segmenters.md`` it got the most hard German/English news
cases right and is by far the fastest (linear time; a 1 MB line takes milliseconds, where
pysbd is quadratic). What it lacks, this module adds:

* **Sentences inside quotations.** sentencex never splits inside a quotation, so a quoted
  passage of several sentences (``"… Verschwinden Sie. Sie sind keine Pazifikmacht", sagte
  Kahl``) stays one sentence. We hide quote marks from it (each becomes a space, so offsets
  do not move), then put back a closing quote that directly follows a sentence end into
  that sentence (``He said: "Go."`` | ``Then …``).
* **No sentence starts with a comma, semicolon, colon or closing bracket**
  (``He shouted "Stop!"; then …``), **nor with a lower-case letter** (``"Will they come?"
  he asked.``) unless a period ends a word that is no abbreviation (``… benutzt.
  dselect-upgrade folgt …``): manuals start sentences with commands and values.
* **Technical text** (:mod:`align.segment.technical`): no end inside a token
  (``SYSTEMD.EXEC(5)``, ``/etc/apt/sources.list``, ``user@example.org``), one after a
  token that ends a sentence (``See README.md. It …``), none after ``e.g.``, ``z. B.``.
* **Abbreviations** missing from its lists (``Abs.``, ``Jh.``, ``Hrsg.``, ``Ms.``, ``Wed.``…),
  titles in every Latin-script language (``Dr.``, ``Prof.``, ``Gen.``, ``M.``), and initials
  (``G. O. Dyhrenfurth``): no boundary after them.
* **German ordinals**: a number of up to three digits with a period is an ordinal (no
  boundary) after an article, a determiner or a preposition fused with an article, and
  before a month name or a noun that takes ordinals (``am 10. Juli``, ``im 19. Jh.``,
  ``in der 2. Bundesliga``); otherwise it ends a sentence before a capitalised word
  (``Er belegte Platz 3. Das war …``, ``stieg auf 150. Die …``).
* **Quotative particles** in Japanese and Korean (``「…。」と言った``, ``"…."라고``): a quote
  ending in a full stop and followed directly by a letter does not end the sentence.
* **Ellipses in German** never end a sentence: every German noun is capitalised, so a
  capital after ``...``/``…`` says nothing, and in news an ellipsis marks an omission or a
  pause inside quoted speech. Elsewhere an ellipsis before a capital ends the sentence.

Example::

    >>> seg = NewsSegmenter("de")
    >>> line = 'Er kam am 10. Juli. Er sagte: „Wir sind bereit.“ Dann ging er.'
    >>> [line[s:e] for s, e in seg.split(line)]
    ['Er kam am 10. Juli.', 'Er sagte: „Wir sind bereit.“', 'Dann ging er.']
"""

from __future__ import annotations

import re

import sentencex

from align.segment import german, technical
from align.segment.base import Segmenter, spans_from_cuts

__all__ = ["NewsSegmenter"]

# Quote marks hidden from sentencex. Every character maps to a space, so offsets in the
# masked line equal offsets in the original.
_QUOTES = "\"“”„‟«»‹›‚「」『』＂〝〞"
# List bullets too: sentencex does not split a text that starts with one (technical.py).
_MASK = str.maketrans({ch: " " for ch in _QUOTES + technical.LIST_BULLETS})
# Single quotes double as apostrophes: hide them only where they are not inside a word.
_SINGLE_QUOTE = re.compile(r"(?<!\w)['’‘`´]|['’‘`´](?!\w)")
# What sentencex must not see, each replaced by one character so offsets stay put: lone
# surrogates (text from Python, e.g. decoded with surrogateescape) cannot cross into its
# Rust code (→ U+FFFD), and whitespace other than a plain space (no-break and thin spaces,
# common in German and French typography) makes sentencex 1.0.32 panic on inputs like
# "Z\u00a0." (→ a space).
_SURROGATE = re.compile("[\ud800-\udfff]")
_OTHER_SPACE = re.compile(r"[^\S ]")
# Stand-in for sentencex should it still fail on some input: every run of final
# punctuation followed by a space, and CJK full stops anywhere; the rules then filter these.
_FALLBACK_END = re.compile(r"[.!?…]+(?=\s)|[。！？]+")

# Characters that may follow a sentence's final punctuation and belong to that sentence.
# Unambiguous closers are always taken; marks that open a quotation in some languages and
# close it in others (German „…“ vs English “…”, French « … » vs German » … «) only when
# nothing but space or punctuation follows them.
_CLOSERS = ")]}”」』）］》〉"
_AMBIGUOUS_CLOSERS = "\"'’‘“«»‹›＂"
_QUOTES_AND_CLOSERS = frozenset(_QUOTES + _CLOSERS + _AMBIGUOUS_CLOSERS)
# A "sentence" starting with one of these continues the previous one: "Stop!"; then …,
# "(… Unfälle usw. ) dürfen …".
_CONTINUATION_PUNCTUATION = frozenset(",;:،，；：、)]}）］")
# Emphasis marks of plain-text and Markdown (_word!_, *word.*): part of the sentence they
# close when space, a quote or the end of the line follows them.
_EMPHASIS = "_*"
# Characters skipped before looking at the first letter of the next sentence.
_OPENERS = "\"'“”„‟«»‹›‚‘’([{¿¡「『（［《〈-–—*•"

# Titles and abbreviations after which no sentence ends, in every (Latin-script) language:
# foreign names and titles turn up in news of any language, and sentencex's lists for some
# languages lack them (its French and Polish lists split after "Dr.").
_UNIVERSAL_ABBREVIATIONS = frozenset(
    "Dr Prof Mr Mrs Ms Messrs Mme Mmes Mlle Mlles MM Gen Lt Col Maj Capt Sgt Adm Gov Sen "
    "Jr Sr Sra Srta Dhr Mevr Inc Ltd Corp Bros Univ Ing Dipl Mag St Nr vs ca".split()
)
# Abbreviations missing from sentencex 1.0.32's lists (found by probing it with
# "We saw <abbreviation> Smith yesterday."), plus month and weekday abbreviations.
_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "de": frozenset(
        "Hrn Abs Bd Bde Jh Jhd Jhdt Tsd Mio Mrd geb gest verh Tel inkl exkl zzgl bspw bzgl "
        "Hrsg Hg Kap Abb Tab Präs Ziff Anm Bsp Verf gem Abg Kfm Dres Dr.-Ing Obstlt Oberstlt "
        "Hptm Kpt Brig Jan Feb Mär Apr Jun Jul Aug Sep Sept Okt Nov Dez Mo Di Mi Do Sa So "
        "Std Min Sek Allg Bhf Frl Gebr Nachf Stellv Vors".split()
    ),
    "en": frozenset(
        "Ft Tue Tues Wed Thu Thur Thurs Fri approx Gens Vol Vols Supt Brig Cmdr Cdr Lieut Hon "
        "Rev Atty Sept Mt Pt".split()
    ),
}
# Languages that capitalise every noun: a capital after an ellipsis is no evidence of a
# new sentence there.
_NOUN_CAPITALISING = frozenset({"de", "lb"})
# Languages whose quotative particle follows the closing quote directly: 「…。」と言った,
# "….”라고 말했다. There a quote that ends in a full stop does not end the sentence.
_QUOTATIVE_PARTICLE = frozenset({"ja", "ko"})

_ELLIPSES = ("...", "…")


# How far the rules look at the words around a candidate boundary (see _token_before).
_MAX_TOKEN = 64


def _mask_for_sentencex(line: str) -> str:
    """What sentencex sees: quote marks (not apostrophes), list bullets and other whitespace
    as spaces, and a capital after every word-final period (so that it offers a boundary
    there unless it takes the word before for an abbreviation; see technical.py).

    Every replacement is one character for one, so offsets stay the same.
    """
    masked = _OTHER_SPACE.sub(" ", _SINGLE_QUOTE.sub(" ", line.translate(_MASK)))
    return technical.capitalise_after_periods(_SURROGATE.sub("\ufffd", masked))


def _sentencex_ends(lang: str, masked: str) -> list[int]:
    """Where sentencex ends sentences in ``masked`` (end of the final punctuation)."""
    try:
        boundaries = sentencex.get_sentence_boundaries(lang, masked)
    except BaseException as err:  # a Rust panic arrives as pyo3's PanicException(BaseException)
        if type(err).__name__ != "PanicException":
            raise
        return [m.end() for m in _FALLBACK_END.finditer(masked)]
    ends = []
    for boundary in boundaries[:-1]:
        end = boundary["end_index"]
        while end > 0 and masked[end - 1] == " ":
            end -= 1
        ends.append(end)
    return ends


def _extend_closers(line: str, end: int) -> int:
    """Move a sentence end past closing quotes, brackets and emphasis marks that directly follow it."""
    n = len(line)
    while end < n:
        ch = line[end]
        if ch in _CLOSERS:
            end += 1
        elif ch in _EMPHASIS:
            stop = end
            while stop < n and line[stop] in _EMPHASIS:
                stop += 1
            if stop < n and not line[stop].isspace() and line[stop] not in _QUOTES_AND_CLOSERS:
                break  # an_identifier or *bold* text of the next sentence
            end = stop
        elif ch in _AMBIGUOUS_CLOSERS:
            after = line[end + 1] if end + 1 < n else " "
            if after.isalnum():
                break  # an opening quote of the next sentence, written without a space
            end += 1
        else:
            break
    return end


def _token_before(line: str, end: int) -> tuple[str, int]:
    """The whitespace-delimited token that ends at ``end``, and where it starts.

    At most ``_MAX_TOKEN`` characters are looked at, so that a long line without spaces
    (``a.b.c.d…``) stays linear; a token that long is no abbreviation or ordinal anyway.
    """
    start = end
    stop = max(0, end - _MAX_TOKEN)
    while start > stop and not line[start - 1].isspace():
        start -= 1
    return line[start:end], start


def _quote_then_letter(line: str, end: int) -> bool:
    """Whether closing quote marks follow ``end`` and a letter follows them without a space."""
    pos = end
    while pos < len(line) and line[pos] in _QUOTES_AND_CLOSERS:
        pos += 1
    return end < pos < len(line) and line[pos].isalpha()


def _previous_token(line: str, token_start: int) -> str:
    """The token before the one starting at ``token_start`` ('' at the start of the line)."""
    pos = token_start
    while pos > 0 and pos > token_start - _MAX_TOKEN and line[pos - 1].isspace():
        pos -= 1
    return _token_before(line, pos)[0]


def _word_after(line: str, pos: int) -> str:
    """The next word after ``pos``, skipping space and opening quotes/brackets ('' at end)."""
    n = len(line)
    stop = min(n, pos + _MAX_TOKEN)
    while pos < stop:
        if line[pos].isspace() or line[pos] in _OPENERS:
            pos += 1
        elif line.startswith(",,", pos):  # „ typed as two commas (old German e-texts)
            pos += 2
        else:
            break
    end = pos
    stop = min(n, pos + _MAX_TOKEN)
    while end < stop and not line[end].isspace():
        end += 1
    return line[pos:end]


class NewsSegmenter(Segmenter):
    """sentencex with quotation, abbreviation, ordinal and ellipsis rules for news text.

    ``lang`` is an ISO 639-1 code; a region (``pt-BR``) is ignored. Objects are cheap but
    :func:`align.segment.get_segmenter` caches one per language anyway.
    """

    name = "news"

    def __init__(self, lang: str) -> None:
        self.lang = lang.split("-")[0].lower()
        self._abbreviations = (
            _UNIVERSAL_ABBREVIATIONS | technical.ABBREVIATIONS | _ABBREVIATIONS.get(self.lang, frozenset())
        )
        self._german = self.lang == "de"
        self._ellipsis_ends = self.lang not in _NOUN_CAPITALISING
        self._quotative_particle = self.lang in _QUOTATIVE_PARTICLE

    def __repr__(self) -> str:
        return f"NewsSegmenter({self.lang!r})"

    def split_line(self, line: str) -> list[tuple[int, int]]:
        candidates = set(_sentencex_ends(self.lang, _mask_for_sentencex(line)))
        if self._german:
            candidates.update(german.number_dot_ends(line))
        candidates.update(technical.extra_candidates(line))
        cuts: list[int] = []
        for end in sorted(candidates):
            if end <= 0:
                continue
            cut = _extend_closers(line, end)
            if (not cuts or cut > cuts[-1]) and self._is_boundary(line, end, cut):
                cuts.append(cut)
        return spans_from_cuts(line, cuts)

    def _is_boundary(self, line: str, end: int, cut: int) -> bool:
        """Decide whether a candidate sentence end (punctuation ends at ``end``) is real."""
        following = _word_after(line, cut)
        if not following:
            return False  # nothing but closing marks or space follows: not a new sentence
        raw_token, token_start = _token_before(line, end)
        if technical.inside_token(line, token_start, end, cut):
            return False  # SYSTEMD.|EXEC(5), www.debian.|org, APT::Get.|Assume-Yes
        token = raw_token.lstrip(_OPENERS)
        word = token[:-1]
        if following[0] in _CONTINUATION_PUNCTUATION:
            return False
        if following[0].islower():
            # "Will they come?" he asked. / ca. zehn — but: … durch. apt-cache verändert …
            previous = _previous_token(line, token_start)
            return technical.lowercase_may_start(line, end, cut, word, previous, self._abbreviations)
        if self._quotative_particle and _quote_then_letter(line, end):
            return False
        if token.endswith(_ELLIPSES):
            return self._ellipsis_ends
        if not token.endswith("."):
            return True
        if word in self._abbreviations or technical.is_spaced_abbreviation(
            line, token, token_start + len(raw_token) - len(token)
        ):
            return False  # z. B., d. h., u. a.: no end, whatever follows
        if len(word) == 1 and word.isalpha() and word.isupper():
            # An initial (G. O. Dyhrenfurth, John F. Kennedy, M. Dupont), unless it is a unit
            # after a number: "reached 40 C. That was …".
            return _previous_token(line, token_start)[:1].isdigit()
        if self._german and word.isdigit() and len(word) <= 3:
            return not german.is_ordinal(following, _previous_token(line, token_start))
        return True
