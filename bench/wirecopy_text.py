"""The words and text the wire-copy collection is made of, and how an edited copy is edited.

Kept apart from the builder (``bench/wirecopy_builder.py``) because this is language
material, not bookkeeping: the boilerplate lines of each language, the British/American
spelling table and the phrases planted to exercise it, the words an edit may add, the
attributions it may swap in, the quote styles, the patterns that say where a sentence
ends, and :func:`edit_passage`, which turns a passage into a lightly edited copy (see the
kinds in ``bench/wirecopy_data.py``). Nothing here reads the data or draws articles, so
an edit can be tried on its own::

    edit_passage(["He said the colour was grey."], "en", random.Random(0))
"""

from __future__ import annotations

import random
import re

BOILERPLATE = {
    "en": ["Leave a Reply", "Your email address will not be published.", "Required fields are marked *",
           "Share this article:", "Copyright 2024. All rights reserved."],
    "de": ["Schreibe einen Kommentar", "Deine E-Mail-Adresse wird nicht veröffentlicht.",
           "Erforderliche Felder sind mit * markiert", "Artikel teilen:", "Alle Rechte vorbehalten."],
    "fr": ["Laisser un commentaire", "Votre adresse e-mail ne sera pas publiée.",
           "Les champs obligatoires sont indiqués avec *", "Partager cet article :", "Tous droits réservés."],
}

# British <-> American spellings; an edit swaps whichever form it finds.
SPELLINGS = [
    ("colour", "color"), ("colours", "colors"), ("honour", "honor"), ("favour", "favor"), ("labour", "labor"),
    ("neighbour", "neighbor"), ("neighbours", "neighbors"), ("behaviour", "behavior"), ("humour", "humor"),
    ("harbour", "harbor"), ("defence", "defense"), ("offence", "offense"), ("licence", "license"),
    ("programme", "program"), ("programmes", "programs"), ("travelled", "traveled"), ("travelling", "traveling"),
    ("traveller", "traveler"), ("cancelled", "canceled"), ("organise", "organize"), ("organised", "organized"),
    ("realise", "realize"), ("realised", "realized"), ("recognise", "recognize"), ("recognised", "recognized"),
    ("apologise", "apologize"), ("centre", "center"), ("theatre", "theater"), ("metre", "meter"),
    ("metres", "meters"), ("grey", "gray"), ("catalogue", "catalog"), ("jewellery", "jewelry"),
    ("analyse", "analyze"), ("criticise", "criticize"), ("criticised", "criticized"),
]
SPELL = {a: b for a, b in SPELLINGS} | {b: a for a, b in SPELLINGS}
SPELL_RE = re.compile(r"\b(" + "|".join(sorted(SPELL, key=len, reverse=True)) + r")\b", re.IGNORECASE)
# Phrases planted (in both members) into half of the English edited copies, so that the
# spelling swap is exercised: Tom Sawyer is American and has few such words.
SPELLING_PHRASES = [
    "in the town centre", "near the old harbour", "with a grey coat", "to the theatre",
    "under the defence programme", "as a favour to a neighbour", "after they had travelled far",
    "to organise the others", "with good humour", "of a strange colour", "for the honour of it",
    "about two metres away", "before they could realise it",
]
ADDED_WORDS = {
    "en": ["also", "still", "now", "then", "indeed", "reportedly", "again"],
    "de": ["auch", "noch", "nun", "jedoch", "bereits", "wieder", "offenbar"],
    "fr": ["aussi", "encore", "alors", "déjà", "toutefois", "également", "pourtant"],
}
ATTRIBUTIONS = ["told a forum", "told reporters", "said on Tuesday", "added", "explained"]
QUOTE_STYLES = [('"', '"'), ("“", "”"), ("„", "“"), ("«", "»"), ("»", "«"), ("'", "'"), ("‘", "’")]
_QUOTE_RE = re.compile(r"[\"“”„«»‹›‘’]|(?<!\w)'|'(?!\w)")
# A sentence end inside a line (Text+Berg lines sometimes hold two sentences).
INNER_END = re.compile(r"[.!?…:;][\"'“”„«»‹›‘’)]*\s+[\"'“”„«»‹›‘’(-]*[A-ZÀ-ÖØ-Þ0-9]")
# A sentence that ends in ":" or ";" is not ended: a segmenter (rightly) joins it to
# whatever the builder puts after it, which differs from article to article.
TERMINAL = re.compile(r"[.!?…][\"'“”„«»‹›‘’)_\s]*$")


def case_like(word: str, model: str) -> str:
    """``word`` in the case of ``model`` (all capitals, capitalised, or as it is), so a swap keeps the case."""
    if model.isupper() and len(model) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


def _swap_spelling(s: str, rng: random.Random) -> str | None:
    found = list(SPELL_RE.finditer(s))
    if not found:
        return None
    m = rng.choice(found)
    return s[: m.start()] + case_like(SPELL[m.group(0).lower()], m.group(0)) + s[m.end() :]


# An attribution: an edit changes it, and half of the English edited copies are drawn from
# passages that have one (so the change is exercised).
SAID = re.compile(r"\b(said|says)\b")


def _attribution(s: str, rng: random.Random) -> str | None:
    found = list(SAID.finditer(s))
    if not found:
        return None
    m = rng.choice(found)
    new = "said" if m.group(0) == "says" else rng.choice(ATTRIBUTIONS)
    return s[: m.start()] + new + s[m.end() :]


def _punctuation(s: str, rng: random.Random) -> str | None:
    options = []
    for m in re.finditer(r",(?= )", s):
        options.append((m.start(), m.end(), ""))  # drop a comma
    for m in re.finditer(r";", s):
        options.append((m.start(), m.end(), ","))
    for m in re.finditer(r" ?(--|—|–) ?", s):
        options.append((m.start(), m.end(), rng.choice([" – ", " — ", ", ", " - "])))
    for m in re.finditer(r":(?= )", s):
        options.append((m.start(), m.end(), " –"))
    if not options:
        return None
    a, b, new = rng.choice(options)
    return s[:a] + new + s[b:]


def _tokens(s: str) -> list[str]:
    return s.split(" ")


def _plain(tok: str) -> bool:
    return tok.isalpha()


def _drop_word(s: str, rng: random.Random) -> str | None:
    t = _tokens(s)
    idx = [i for i in range(1, len(t) - 1) if _plain(t[i])]
    if len(t) < 6 or not idx:
        return None
    i = rng.choice(idx)
    return " ".join(t[:i] + t[i + 1 :])


def _add_word(s: str, rng: random.Random, lang: str) -> str | None:
    t = _tokens(s)
    idx = [i for i in range(1, len(t) - 1) if _plain(t[i - 1])]
    if len(t) < 4 or not idx:
        return None
    i = rng.choice(idx)
    return " ".join(t[:i] + [rng.choice(ADDED_WORDS[lang])] + t[i:])


def _change_case(s: str, rng: random.Random) -> str | None:
    t = _tokens(s)
    idx = [i for i in range(1, len(t)) if _plain(t[i]) and len(t[i]) > 2]
    if not idx:
        return None
    i = rng.choice(idx)
    w = t[i]
    t[i] = w.lower() if w[0].isupper() else rng.choice([w.upper(), w[0].upper() + w[1:]])
    return " ".join(t)


def _restyle_quotes(passage: list[str], rng: random.Random) -> list[str] | None:
    """All quotation marks of the passage in another style, opening and closing alternately."""
    marks = [m.group(0) for s in passage for m in _QUOTE_RE.finditer(s)]
    if not marks:
        return None
    current = (marks[0], marks[1] if len(marks) > 1 else marks[0])
    opening, closing = rng.choice([q for q in QUOTE_STYLES if q != current])
    count = 0

    def repl(_m: re.Match) -> str:
        nonlocal count
        count += 1
        return opening if count % 2 else closing

    return [_QUOTE_RE.sub(repl, s) for s in passage]


def plant_spelling(s: str, phrase: str) -> str:
    """Insert ``phrase`` before the sentence's final punctuation (and closing quotes)."""
    m = TERMINAL.search(s)
    cut = m.start() if m else len(s)
    return s[:cut].rstrip(",;: ") + " " + phrase + s[cut:]


def edit_passage(passage: list[str], lang: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """A lightly edited copy of ``passage`` (sentence by sentence) and the edits made.

    ``1 + len(passage) // 2`` edits; in English a spelling swap comes first when the
    passage has a word of the spelling table.
    """
    out = list(passage)
    ops = ["quotes", "punctuation", "drop", "add"]
    if lang == "en":
        ops += ["attribution", "case"]
    done: list[str] = []
    want = 1 + len(passage) // 2
    if lang == "en" and any(SPELL_RE.search(s) for s in out):
        i = rng.choice([i for i, s in enumerate(out) if SPELL_RE.search(s)])
        out[i] = _swap_spelling(out[i], rng) or out[i]
        done.append("spelling")
    for _ in range(50):
        if len(done) >= want:
            break
        op = rng.choice(ops)
        if op == "quotes":
            if "quotes" in done:
                continue
            new = _restyle_quotes(out, rng)
            if new is not None and new != out:
                out = new
                done.append(op)
            continue
        fn = {
            "punctuation": lambda s: _punctuation(s, rng), "drop": lambda s: _drop_word(s, rng),
            "add": lambda s: _add_word(s, rng, lang), "attribution": lambda s: _attribution(s, rng),
            "case": lambda s: _change_case(s, rng),
        }[op]
        options = [(i, x) for i, x in enumerate(fn(s) for s in out) if x is not None and x != out[i]]
        if options:
            i, new_s = rng.choice(options)
            out[i] = new_s
            done.append(op)
    if out == list(passage):  # nothing applied: add a word somewhere
        i = rng.randrange(len(out))
        out[i] = _add_word(out[i], rng, lang) or out[i] + " " + ADDED_WORDS[lang][0]
        done.append("add")
    return out, done

