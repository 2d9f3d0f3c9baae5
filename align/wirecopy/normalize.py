"""Words for shingling: the text a copy editor would not count as a change.

Wire copy is reprinted with its punctuation, quotation marks, letter case and spelling
conventions changed (British "defence, programme, travelled" for American "defense,
program, traveled"). Those differences must not break the shingles, so text is reduced
to lower-case words without punctuation, and English words are mapped to one spelling.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)

# Whole-word British -> American spellings that no suffix rule below catches.
_WORDS = {
    "programme": "program", "programmes": "programs", "catalogue": "catalog", "dialogue": "dialog",
    "defence": "defense", "offence": "offense", "licence": "license", "pretence": "pretense",
    "grey": "gray", "tyre": "tire", "tyres": "tires", "kerb": "curb", "plough": "plow",
    "aluminium": "aluminum", "cheque": "check", "jewellery": "jewelry", "mould": "mold",
    "sceptical": "skeptical", "storey": "story", "storeys": "stories", "ageing": "aging",
    "judgement": "judgment", "manoeuvre": "maneuver", "manoeuvres": "maneuvers", "whilst": "while",
    "amongst": "among", "towards": "toward", "learnt": "learned", "spelt": "spelled",
}
# Suffix rules, applied to words of at least 5 letters (so "size", "rise", "four" are safe).
_SUFFIXES = (
    ("isation", "ization"), ("isations", "izations"), ("ising", "izing"), ("ised", "ized"),
    ("ises", "izes"), ("yse", "yze"), ("ysed", "yzed"), ("ysing", "yzing"),
    ("our", "or"), ("ours", "ors"), ("oured", "ored"), ("ouring", "oring"),
    ("tre", "ter"), ("tres", "ters"), ("elled", "eled"), ("elling", "eling"), ("eller", "eler"),
    ("ise", "ize"),
)
# "-our" words that are not British spellings of "-or" words.
_OUR_KEEP = {"hour", "hours", "flour", "detour", "detours", "devour", "tour", "tours", "contour", "contours",
             "amour", "troubadour", "velour", "paramour", "armour_"}
# "-ise"/"-tre"/"-elled" words that are the same in American English.
_KEEP = {"advise", "advised", "advises", "advising", "arise", "arises", "arising", "comprise", "comprised",
         "comprises", "compromise", "compromised", "compromises", "concise", "demise", "despise", "devise",
         "devised", "disguise", "disguised", "enterprise", "enterprises", "excise", "exercise", "exercised",
         "exercises", "expertise", "franchise", "improvise", "merchandise", "premise", "premises", "precise",
         "promise", "promised", "promises", "revise", "revised", "revises", "supervise", "supervised",
         "surmise", "surprise", "surprised", "surprises", "televise", "televised", "otherwise", "clockwise",
         "likewise", "wise", "raise", "raised", "raises", "praise", "praised", "noise", "poise", "cruise",
         "cruises", "cruised", "bruise", "bruised", "chastise", "circumcise", "incise", "treatise", "paradise",
         "reprise", "reprised", "theatre_", "metre_", "mitre_", "lustre_", "spectre_", "ogre", "acre", "acres",
         "massacre", "massacres", "mediocre", "lucre", "compelled", "dispelled", "expelled", "propelled",
         "repelled", "excelled", "rebelled", "spelled", "smelled", "swelled", "yelled", "felled", "quelled",
         "excelling", "compelling", "dispelling", "expelling", "propelling", "repelling", "rebelling",
         "spelling", "smelling", "swelling", "yelling", "selling", "telling", "dwelling", "welling",
         "seller", "teller", "dweller", "speller", "propeller", "impeller", "glamour", "your", "yours",
         "four", "pour", "sour", "scour", "flour", "dour"}


def _fold(text: str) -> str:
    """Compatibility-normalised, lower-case text without accents' case distinctions."""
    return unicodedata.normalize("NFKC", text).casefold()


@lru_cache(maxsize=200_000)
def american(word: str) -> str:
    """The American spelling of a lower-case English word (the word itself if unsure)."""
    if word in _WORDS:
        return _WORDS[word]
    if len(word) < 5 or word in _KEEP or word in _OUR_KEEP:
        return word
    for old, new in _SUFFIXES:
        if word.endswith(old):
            return word[: -len(old)] + new
    return word


def words(text: str, lang: str) -> list[str]:
    """The words of ``text`` as shingling sees them: lower case, no punctuation, one spelling."""
    found = [w.replace("’", "'") for w in _WORD.findall(_fold(text))]
    if lang.split("-")[0] == "en":
        found = [american(w) for w in found]
    return found
