"""Whether a document is in the language it was declared in, and which one when none was.

Why: the declared languages go into every TMX unit (``xml:lang``) and pick the
segmenter's rules; English text declared ``de`` (a swapped ``-s``/``-t``, a wrong file)
used to be aligned and written without a word, and a translation memory with its
languages swapped is worse than none. So before any embedding each side is read, its
language identified (:mod:`align.langid`, py3langid, offline) and a *clear* mismatch
refused in one line that names the file, both languages and the two ways out
(:class:`LanguageMismatch`).

What "clear" means, so that a mixed or short text is never refused:

* A text of fewer than :data:`MIN_WORDS` words is not judged (a caption, a test string).
* The decision is on the whole document, not its first lines: the text is cut into
  sentence-like units (its lines, split after ``.``/``!``/``?``), units with at least
  :data:`UNIT_MIN_LETTERS` letters each vote for their most likely language, weighted by
  their letters (evenly spaced units, up to :data:`SAMPLE_CHARS` characters, for a long
  document), and the whole sample is identified once more as one text.
* Refused only when one other language carries at least :data:`CLEAR_SHARE` of the
  votes, the declared language (with its close relatives, :data:`RELATIVES`) less than
  :data:`DECLARED_BELOW` (5%: a text with more of it is mixed, such as a partly
  translated manual), the voting units hold at least :data:`MIN_COVERAGE` of the text's
  letters (not a glossary of short lines), and the whole sample agrees.
* Close relatives (Bosnian/Croatian/Serbian, Norwegian/Danish, Indonesian/Malay,
  Galician/Portuguese, ...) are never a mismatch of each other: py3langid confuses
  them, and a user who declared one knows better than it.
* A declared code py3langid does not know (``und``, ISO 639-3 codes) is not judged.

On the project's material the margins are wide: the five sample articles and both dev
sets (Text+Berg de/fr, Tom Sawyer de/en) give their own language 98.1-100% of the votes
and any other language at most 1.3%; none of them is refused whole or cut into the
batch tests' 8-bead pairs, while 97% of those pairs declared the other way round are
(tests/test_langcheck.py). None of the 1342 German man pages of Debian's manpages-de
(rendered with groff) is refused as ``de``, though 29 are partly untranslated with
English the majority; in other languages, pages left almost wholly in English (less than
5% translated) are.

An omitted language is the document's most voted language (:func:`settle_language`),
said in a note the command line prints (``align: de.txt: detected source language: de
(German, 100% of the text)``); a text too short to judge must then be given its language.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

from align.errors import InputError
from align.langid import ENCODER_LANGS, MAX_CHARS, base_language, known, rank_all
from align.settings import DEFAULT_MODEL
from align.types import Document

__all__ = [
    "CLEAR_SHARE", "DECLARED_BELOW", "MIN_COVERAGE", "MIN_WORDS", "RELATIVES", "SAMPLE_CHARS", "UNDETERMINED", "UNIT_MIN_LETTERS",
    "Evidence", "LanguageMismatch", "check_language", "evidence", "language_name", "mismatch", "refuse_unknown_language",
    "settle_language",
]

#: Below this many words a text is not judged (and an omitted language cannot be detected).
MIN_WORDS = 20
#: A unit (sentence) votes only with at least this many letters: shorter ones ("Yes.",
#: "Fig. 3", a name) are identified little better than by chance.
UNIT_MIN_LETTERS = 20
#: Characters of a long document that vote (evenly spaced units): under 0.1 s of work.
SAMPLE_CHARS = 50_000
#: Stretches a long document is sampled in.
_CHUNKS = 50
#: Units long enough to vote must hold at least this share of the text's letters for a
#: refusal (a glossary or a table of short lines is not judged).
MIN_COVERAGE = 0.5
#: Another language must carry at least this share of the votes for a refusal ...
CLEAR_SHARE = 0.7
#: ... and the declared language (with its relatives) less than this share.
DECLARED_BELOW = 0.05
#: The language code a document is read with before its language is detected (ISO 639-2
#: "undetermined"): the decoder then guesses no legacy code page from a language.
UNDETERMINED = "und"

#: Groups of languages py3langid confuses with each other (or that a user may reasonably
#: declare for one another): never a clear mismatch of each other.
RELATIVES: tuple[frozenset[str], ...] = tuple(frozenset(g) for g in (
    {"bs", "hr", "sr"}, {"da", "no", "nn"}, {"id", "ms", "jv"}, {"cs", "sk"}, {"gl", "pt", "es"},
    {"ca", "oc"}, {"zh", "yue", "wuu"}, {"ar", "ary", "arz"}, {"de", "lb"}, {"nl", "af", "fy"},
    {"mk", "bg"}, {"ga", "gd"}, {"it", "vec", "lij"}, {"fr", "wa"}, {"he", "hbo"}, {"el", "grc"},
    {"ru", "be"}, {"fa", "tg"}, {"hi", "mr", "ne"},
))

#: English names of the languages messages most often show (others are shown by code).
_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bs": "Bosnian", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "eo": "Esperanto",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "ga": "Irish", "gl": "Galician", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "hy": "Armenian", "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ja": "Japanese",
    "ka": "Georgian", "kk": "Kazakh", "ko": "Korean", "la": "Latin", "lb": "Luxembourgish", "lt": "Lithuanian",
    "lv": "Latvian", "mk": "Macedonian", "ms": "Malay", "mt": "Maltese", "nl": "Dutch", "nn": "Norwegian Nynorsk",
    "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "th": "Thai",
    "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}

# Letters of any script; a run of them is a word, except in scripts written without
# spaces (Thai, Lao, Myanmar, Khmer, kana, Han), where two characters count as one word.
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NO_SPACES = re.compile(r"[\u0E00-\u0EFF\u1000-\u109F\u1780-\u17FF\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]")
# Where a line is cut into units: after a sentence mark and space, or after an ideographic stop.
_UNIT_END = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])")


def language_name(code: str) -> str:
    """A language's English name (``de`` -> ``German``), else its code."""
    return _NAMES.get(base_language(code), code)


def _relatives(lang: str) -> frozenset[str]:
    """``lang`` and the languages it is never a clear mismatch of."""
    for group in RELATIVES:
        if lang in group:
            return group
    return frozenset({lang})


def _words(text: str, enough: int) -> int:
    """Words in ``text``, counted up to ``enough`` (a long document is not counted through)."""
    n = 0
    for m in _WORD.finditer(text):
        dense = len(_NO_SPACES.findall(m.group()))
        n += math.ceil(dense / 2) if dense else 1
        if n >= enough:
            break
    return n


def _lines(text: str) -> list[str]:
    """The lines of ``text``; of a long text, the lines of :data:`_CHUNKS` evenly spaced
    stretches holding :data:`SAMPLE_CHARS` characters in all (not the whole text split)."""
    if len(text) <= 2 * SAMPLE_CHARS:
        return text.splitlines()
    width = SAMPLE_CHARS // _CHUNKS
    starts = [i * len(text) // _CHUNKS for i in range(_CHUNKS)]
    return [line for start in starts for line in text[start:start + width].splitlines()]


def _units(text: str) -> list[str]:
    """Sentence-like units of ``text``: its lines, split after sentence marks."""
    return _spread([u.strip() for line in _lines(text) for u in _UNIT_END.split(line) if u.strip()], SAMPLE_CHARS)


def _spread(units: list[str], budget: int) -> list[str]:
    """Evenly spaced units of ``units`` holding about ``budget`` characters (all when they fit)."""
    total = sum(len(u) + 1 for u in units)
    return units if total <= budget else units[:: math.ceil(total / budget)]


@dataclass(frozen=True)
class Evidence:
    """What the identifier found in a text.

    ``words``: its words, counted up to :data:`MIN_WORDS`; ``votes``: each language's share
    of the voting units' letters, largest first; ``coverage``: the share of the sample's
    letters that voted (the rest are in units too short to); ``overall``: the most likely
    language of the whole sample read as one text.
    """

    words: int
    votes: tuple[tuple[str, float], ...]
    coverage: float
    overall: str

    @property
    def judged(self) -> bool:
        """Whether the text is long enough to be judged at all."""
        return self.words >= MIN_WORDS

    def share(self, langs: frozenset[str] | set[str]) -> float:
        """The share of the votes that went to any of ``langs``."""
        return sum(s for lang, s in self.votes if lang in langs)


def evidence(text: str) -> Evidence:
    """Identify the language of ``text`` unit by unit and as a whole (see the module docstring)."""
    words = _words(text, MIN_WORDS)
    units = _units(text)
    weights: dict[str, int] = {}
    letters = 0
    for unit in units:
        n = len(_LETTER.findall(unit))
        letters += n
        if n >= UNIT_MIN_LETTERS:
            lang = rank_all(unit)[0][0]
            weights[lang] = weights.get(lang, 0) + n
    total = sum(weights.values())
    votes = tuple(sorted(((lang, n / total) for lang, n in weights.items()), key=lambda v: (-v[1], v[0])))
    whole = "\n".join(_spread(units, MAX_CHARS))
    return Evidence(words, votes, total / letters if letters else 0.0,
                    rank_all(whole)[0][0] if whole.strip() else UNDETERMINED)


def mismatch(ev: Evidence, declared: str) -> str | None:
    """The language the text is clearly in when that is not ``declared`` (else None)."""
    if not ev.judged or not ev.votes or ev.coverage < MIN_COVERAGE or not known(declared):
        return None
    top, share = ev.votes[0]
    allowed = _relatives(base_language(declared))
    if top in allowed or share < CLEAR_SHARE or ev.share(allowed) >= DECLARED_BELOW:
        return None
    return top if ev.overall in _relatives(top) else None


class LanguageMismatch(InputError):
    """A document clearly in another language than the one declared for it.

    ``str(err)`` is the command line's one line; the fields let another front end (a batch
    manifest) say the same with its own way out (:meth:`message`).
    """

    def __init__(self, name: str, side: str, declared: str, detected: str, share: float) -> None:
        self.name, self.side, self.declared, self.detected, self.share = name, side, declared, detected, share
        option = "-s" if side == "source" else "-t"
        super().__init__(self.message(f"give {option} {detected}, or --no-lang-check to keep {declared}"))

    def __reduce__(self) -> tuple:  # picklable, for workers in other processes
        return type(self), (self.name, self.side, self.declared, self.detected, self.share)

    def message(self, way_out: str) -> str:
        """The one line, with ``way_out`` after the colon."""
        return (f"{self.name}: declared {self.declared} but the text is {language_name(self.detected)} "
                f"({self.detected}, {self.share:.0%} of the text): {way_out}")


def _name(doc: Document, side: str) -> str:
    """How messages name a document: its path, ``<stdin>``, or "the source text" (from Python)."""
    if doc.path is None:
        return f"the {side} text"
    return "<stdin>" if doc.path == "-" else doc.path


def check_language(doc: Document, declared: str, side: str) -> None:
    """Raise :class:`LanguageMismatch` when ``doc`` is clearly not in ``declared`` (``side``:
    ``"source"`` or ``"target"``, for the message)."""
    ev = evidence(doc.text)
    found = mismatch(ev, declared)
    if found is not None:
        raise LanguageMismatch(_name(doc, side), side, declared, found, ev.share({found}))


def settle_language(doc: Document, declared: str | None, side: str, check: bool = True) -> Document:
    """``doc`` with its language settled: the declared one, checked unless ``check`` is false
    (:func:`check_language`), or, when none was declared, the detected one with a note
    saying so (raises :class:`InputError` for a text too short to tell)."""
    if declared is not None:
        if check:
            check_language(doc, declared, side)
        return doc
    ev = evidence(doc.text)
    option = "-s" if side == "source" else "-t"
    if not ev.judged:
        raise InputError(f"{_name(doc, side)}: too short to tell its language (fewer than {MIN_WORDS} words); "
                         f"give its language with {option} LANG")
    lang, share = ev.votes[0] if ev.votes else (ev.overall, None)
    how = f"{share:.0%} of the text" if share is not None else "the text as a whole"
    note = f"detected {side} language: {lang} ({language_name(lang)}, {how}); give {option} to set it"
    return dataclasses.replace(doc, lang=lang, notes=(*doc.notes, note))


def refuse_unknown_language(doc: Document, model: object, side: str) -> None:
    """Raise :class:`InputError` when ``doc``'s (detected) language is one the bundled model
    was not trained on: its vectors would be noise and the alignment plausible but wrong.
    ``model`` is the model name or an encoder object (not checked: its languages are unknown)."""
    if not (isinstance(model, str) and model.strip().lower() == DEFAULT_MODEL):
        return
    if base_language(doc.lang) not in ENCODER_LANGS:
        raise InputError(
            f"{_name(doc, side)}: the text is {language_name(doc.lang)} ({doc.lang}), which the bundled model "
            f"{DEFAULT_MODEL} does not know (it knows {', '.join(ENCODER_LANGS)}); give a model that does, "
            "e.g. --model sentence-transformers/LaBSE"
        )
