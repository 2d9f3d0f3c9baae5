"""Rules that keep sentence segmentation sane on technical text (manuals, man pages, READMEs).

News text and documentation break sentences in different places. Documentation is full of
tokens with periods inside them that end nothing — ``SYSTEMD.EXEC(5)``, ``CONFIG.SYS``,
``/etc/apt/sources.list``, ``python3.11``, ``v2.0.1``, ``https://example.org/a.b?x=1``,
``debian-l10n-german@lists.debian.org``, ``-o=APT::Get.Assume-Yes`` — and of sentences that
start with a lower-case command or value (``… durch. apt-cache verändert …``, ``… =none.
»none« ist …``). :class:`align.segment.news.NewsSegmenter` asks this module four things,
each a mechanism rather than a list of cases:

* **A sentence end is followed by white space** (:func:`inside_token`). A candidate end
  directly followed by a letter, digit or symbol sits inside a token (``SYSTEMD.|EXEC(5)``,
  ``org.freedesktop.|DBus``, ``package...|-a``) and is no end. Two exceptions keep real
  ends: a missing space between two ordinary words (``entkommen.Beachten`` — a typo, but a
  sentence end), and scripts written without spaces (``。``, or ``.`` before a letter that
  has no case). A quote mark right after the period is left to the quotation rules.
* **List bullets are hidden from sentencex** (:data:`LIST_BULLETS`): sentencex 1.0.32 does
  not split at all in a text that starts with ``•``, ``◦``, ``▪``, ``■``, ``➢`` and the like,
  so every bulleted paragraph of a manual came out as one "sentence".
* **Abbreviations of technical prose** (:data:`ABBREVIATIONS`, language-general: German
  man pages quote English ones and vice versa) never end a sentence; those that close a
  list (:data:`LIST_END_ABBREVIATIONS`: ``etc.``, ``usw.``) end one before a capital and
  not before a lower-case word. A spaced two-letter abbreviation (``d. h.``, ``u. a.``,
  ``z. B.``) never ends one.
* **A sentence may start with a lower-case word** (:func:`lowercase_may_start`) when the
  period before it ends a word that is no abbreviation: neither in the lists, nor known to
  sentencex (asked by showing it the next word capitalised, :func:`capitalise_after_periods`),
  nor a single letter, a bare number or an initialism (``a.m.``, ``U.S.``). News rarely
  starts a sentence in lower case; manuals often do, with a command or value
  (``apt-cache``, ``dpkg``, ``»none«``). After ``?``/``!``, an ellipsis or a closing quote the
  lower-case word still continues the sentence (``"Go?" he asked``).
"""

from __future__ import annotations

import re

__all__ = [
    "ABBREVIATIONS",
    "LIST_BULLETS",
    "LIST_END_ABBREVIATIONS",
    "capitalise_after_periods",
    "extra_candidates",
    "inside_token",
    "is_spaced_abbreviation",
    "lowercase_may_start",
]

#: Bullet characters after which sentencex 1.0.32 stops splitting (found by trying every
#: symbol of the BMP at the start of "X Foo ist gut. Diese sind Pakete."). Shown to it as
#: spaces, so offsets stay put.
LIST_BULLETS = "•⁃⁌⁍■□▪▫▶▸►◆◇○●◦★☆➢➣➤"

#: Abbreviations of technical and academic prose that do not end a sentence, whatever
#: follows (``e.g. Debian``, ``z.B. Apt``, ``bzw. Schulze``, ``vgl. Abschnitt``). Written
#: without the final period; tokens with inner periods (``z.B``) as they appear.
ABBREVIATIONS = frozenset(
    "e.g i.e cf viz resp incl approx esp "
    "z.B z.b d.h u.a o.a s.o s.u u.U z.T o.Ä u.Ä bzw ggf vgl sog evtl bspw inkl bzgl insb "
    "ca Nr Abs Abschn Kap Bd".split()
)
#: Abbreviations that close a list and may end a sentence: a boundary before a capital
#: (``… Verzeichnisse usw. Danach …``, ``… files, etc. The …``), none before a lower-case
#: word (``… usw. werden kopiert``, ``… etc. and more``). German capitalises every noun, so
#: ``usw. Dateien werden …`` (one sentence) is possible too, but a list ends a sentence far
#: more often than it is followed by a noun that begins the predicate.
LIST_END_ABBREVIATIONS = frozenset("etc usw usf u.s.w etc.pp".split())

# Units, which end sentences too ("rose 3 per cent. The …") but are abbreviations before a
# lower-case word ("twenty per cent. of …"); after a number any token is taken for a unit.
_UNITS = frozenset("cent pct ft lb lbs oz yd mi sq".split())

# Patterns below start with a literal rather than a look-behind, which lets the regex
# engine skip ahead (three times faster on prose); the token start is checked in Python.
_LIST_END = re.compile(r"(?:etc|usw|usf|u\.s\.w|etc\.pp)\.(?=[)\]}]*\s)")
# What marks a token as a file name, path, URL or address: a slash, an at sign, a period
# between two letters or digits (foo.conf, example.org). Rare in prose, so extra_candidates
# looks only at the tokens around these.
_TECHNICAL_MARK = re.compile(r"[/@]|\.(?=[^\W_])")
_SPACE = re.compile(r"\s")
# "no" as a value (yes/no) at a sentence end; "No. 5" (the abbreviation) has a number after it.
_NO_VALUE = re.compile(r"no\.(?=\s+[^\W\d_])")

# Quote marks after a period: left to the quotation rules of news.py.
_QUOTE_MARKS = frozenset("\"“”„‟«»‹›‚「」『』＂〝〞'’‘`´")
# A footnote mark after a sentence end ("… in 2020.[3] The …") keeps the end.
_FOOTNOTE = re.compile(r"\[\d{1,3}\](?=\s|$)")
# An ordinary word (letters, inner hyphens, perhaps a man-page section) and closing marks:
# the left side of a missing space ("entkommen.Beachten", "inode(7)).Falls").
_TOKEN_OPENERS = "([{\"'»«“„‚‘"
_PLAIN_WORD = re.compile(r"[^\W\d_]{2,}(?:-[^\W\d_]+)*(?:\(\d\w*\))?[)\]}\"'»«“”’]*")
# A capitalised ordinary word followed by a space, the end, or punctuation and then one:
# the right side of a missing space ("entkommen.Beachten Sie", not "changelog.Debian.gz").
_CAPITALISED_WORD = re.compile(r"[^\W\d_][^\W\d_]*(?=$|\s|[,;:.!?)](?:$|\s))")
# A number or a version right before the period (not "1.17.7)", which closes a bracket).
_NUMBER = re.compile(r"[vV]?\d[\d.,]*")
# An initialism: one- or two-letter parts joined by periods (a.m, U.S, e.g, Ph.D, u.s.w).
_INITIALISM = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")
# A period that ends a word (not an ellipsis), closing brackets, space, then a lower-case
# letter: where capitalise_after_periods shows sentencex a capital.
_PERIOD_THEN_LOWER = re.compile(r"(?<![.\s])\.[)\]}]*\s+(?=[^\W\d_])")


def _missing_space(line: str, token_start: int, end: int, cut: int) -> bool:
    """Whether ``line[token_start:end]`` + ``line[cut:]`` is ``word.Word``: a typo for ``word. Word``."""
    left = line[token_start:end].rstrip(".!?…").lstrip(_TOKEN_OPENERS)
    if not _PLAIN_WORD.fullmatch(left) or left.isupper():
        return False  # SYSTEMD.EXEC, README.Debian, org.freedesktop.DBus, APT::Get.Assume-Yes
    right = _CAPITALISED_WORD.match(line, cut)
    return right is not None and len(right.group()) >= 2 and right.group()[0].isupper() and right.group()[1:].islower()


def inside_token(line: str, token_start: int, end: int, cut: int) -> bool:
    """Whether a candidate end (punctuation ``line[..end]``, closers up to ``cut``) lies inside a token.

    True when a letter, digit or symbol follows ``cut`` directly: the period belongs to a
    file name, a man-page reference, a URL, a version or an option. False before white space
    or the end of the line, before a quote mark or a footnote mark, before a letter of a
    script without case (Chinese, Japanese, Thai… need no space between sentences), after a
    CJK full stop, and for a missing space between two ordinary words (see module docstring).
    """
    if cut >= len(line):
        return False
    after = line[cut]
    if after.isspace() or after in _QUOTE_MARKS or line[end - 1] in "。！？｡．":
        return False
    if after.isalpha() and not (after.isupper() or after.islower()):
        return False
    if _FOOTNOTE.match(line, cut):
        return False
    return not _missing_space(line, token_start, end, cut)


def _token_starts(line: str, pos: int) -> bool:
    return pos == 0 or line[pos - 1].isspace()


def extra_candidates(line: str) -> list[int]:
    """Sentence ends sentencex may not offer, for the rules of news.py to judge.

    ``etc.``/``usw.`` before space (it never offers them in German); a file name, path,
    URL or e-mail address before ``.`` and space (``README.md.``, ``config.h.``, ``foo.c.``:
    sentencex takes ``md``, ``h`` and ``c`` for abbreviations or initials); and the value
    ``no.`` before a capital (``… will answer no. Configuration Item: …``), which it takes
    for the abbreviation of *number*.
    """
    ends = [m.end() for rx in (_LIST_END, _NO_VALUE) for m in rx.finditer(line) if _token_starts(line, m.start())]
    token_end = 0
    for m in _TECHNICAL_MARK.finditer(line):
        if m.start() < token_end or (m.group() == "." and not line[m.start() - 1 : m.start()].isalnum()):
            continue  # another mark of a token already looked at, or ".5" / "..x"
        start = m.start()
        while start > token_end and not line[start - 1].isspace():
            start -= 1
        space = _SPACE.search(line, m.end())
        if space is None:
            break  # the last token: a period there ends the line, not a sentence before another
        token_end = space.start()
        body = line[start : token_end - 1].lstrip(_TOKEN_OPENERS)
        if line[token_end - 1] != "." or body.endswith(".") or _INITIALISM.fullmatch(body):
            continue  # no period at the end, an ellipsis, or z.B, U.S, Ph.D
        if any(ch.isalpha() for ch in body):
            ends.append(token_end)  # not a bare number or date: those are left to sentencex
    return ends


def capitalise_after_periods(masked: str) -> str:
    """``masked`` with the first letter after every word-final period and space made a capital.

    Shown to sentencex so that it offers a boundary before a lower-case word wherever it
    would before a capital — that is, wherever it does not take the word before the period
    for an abbreviation (its German rules never split before a lower-case word). Whether a
    lower-case word really starts a sentence is decided by :func:`lowercase_may_start`.
    Only letters whose capital is one character are changed, so offsets stay put.
    """
    chars: list[str] | None = None
    for m in _PERIOD_THEN_LOWER.finditer(masked):
        pos = m.end()
        ch = masked[pos]
        upper = ch.upper()
        if ch.islower() and len(upper) == 1:
            if chars is None:
                chars = list(masked)
            chars[pos] = upper
    return masked if chars is None else "".join(chars)


def is_spaced_abbreviation(line: str, token: str, token_start: int) -> bool:
    """Whether ``token`` is the second letter of ``d. h.``, ``u. a.``, ``z. B.``, ``s. o.``."""
    if len(token) != 2 or not token[0].isalpha() or token[1] != ".":
        return False
    pos = token_start
    while pos > 0 and line[pos - 1] == " ":
        pos -= 1
    return pos >= 2 and line[pos - 1] == "." and line[pos - 2].isalpha() and (pos == 2 or not line[pos - 3].isalnum())


def lowercase_may_start(
    line: str, end: int, cut: int, word: str, previous: str, abbreviations: frozenset[str]
) -> bool:
    """Whether a lower-case word after the candidate end ``end`` starts a new sentence.

    Only after a single period that ends ``word`` (the token before it, minus the period
    and any closing brackets between them and the period), with nothing but closing
    brackets between the period and ``cut``, and only if ``word`` is no abbreviation:
    not in ``abbreviations`` or the lists of this module, not a single letter (a variable,
    an initial), not a number (an ordinal: ``am 3. juli``), not an initialism (``a.m.``,
    ``U.S.``), not a unit after a number (``previous``, the token before, is one: ``3 ft.
    of snow``, ``3.5 pct. in March``). sentencex has already had its say: a candidate
    exists only where it did not take ``word`` for an abbreviation.
    """
    if line[end - 1] != "." or (end >= 2 and line[end - 2] == "."):
        return False
    if any(ch not in ")]}" for ch in line[end:cut]):
        return False  # a closing quote: "Will they come?" he asked / 'a mistake.' then
    start = cut
    while start < len(line) and line[start].isspace():
        start += 1
    if start < len(line) and line[start] in "'’":
        return False  # an elision: "Na, meinetwegen. 's ist …" (one sentence in the silver data)
    if _NUMBER.fullmatch(word):
        return False  # an ordinal or a version: "am 3. juli", "seit Version 1.1. unterstützt"
    word = word.rstrip(")]}")
    if len(word) < 2 or _INITIALISM.fullmatch(word) or previous[:1].isdigit():
        return False
    return not any(word in words for words in (abbreviations, ABBREVIATIONS, LIST_END_ABBREVIATIONS, _UNITS))
