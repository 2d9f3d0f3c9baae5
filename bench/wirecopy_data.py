"""A synthetic wire-copy collection with exact ground truth, built from the shared parallel data.

``build(n_articles=300, seed=0)`` returns a :class:`Benchmark`: a few hundred one-language
"articles" (German, English, French) made of unrelated sentences of the two parallel sets
in ``../shared/data`` (Text+Berg dev de/fr, Tom Sawyer val de/en), into which passages
of 1-6 consecutive gold beads (1-6 sentences; a few more where a bead holds two) are
copied between pairs (a fifth of the time triples) of articles. A passage has at least 10
words, a one-sentence passage at least 8. Each article is laid out either one sentence
per line or in paragraphs of 1-4 sentences separated by blank lines. The kinds:

* **verbatim**: the same sentences in two articles of one language;
* **edited**: a lightly edited copy: quote style and punctuation changed, a word added or
  dropped, and in English also British/American spelling swapped (a table applied in
  either direction), an attribution changed ("said" -> "told a forum") and a word's case
  changed. ``1 + k // 2`` edits for a passage of ``k`` sentences. Tom Sawyer is American
  and has few words of the spelling table, so half of the English edited copies get a
  phrase such as "in the town centre" planted in both members (spelt one way in the
  original, swapped in the copy), and half are drawn from passages with a "said";
* **translated**: a run of gold 1-1 beads, one language's side in one article and the other
  side in an article of the other language (so the translation is sentence by sentence).

Inside one copy event every pair of members is a true pair; its kind comes from the pair:
different languages -> translated, identical sentences -> verbatim, otherwise edited (so
the two German members of a German-German-English triple are a verbatim pair).

Distractors that must not be flagged:

* **same-topic translated**: one article has beads ``i..i+k-1`` in one language, another
  has beads ``i+k+3..i+2k+2`` in the other (same scene and characters, not a translation);
* **same-topic monolingual**: the same with one language on both sides;
* **shared phrase**: an article has sentence A, another has the first half of A joined
  to the second half of an unrelated sentence B (and sometimes a third has B);
* **boilerplate**: short site furniture ("Leave a Reply", "Your email address will not
  be published. Required fields are marked *") appended to about a quarter of the
  articles. It repeats verbatim across articles, but it is not wire copy: nobody copied
  it from anybody, it is the page template; ``align`` reports such lines inside one
  article as in-document repeats and must not report them between articles.

Tom Sawyer's alignment is silver: about one gold 1-1 bead in ten pairs sentences that do
not translate each other (a slip by a sentence, mostly in dialogue). A "translated copy"
planted from such a bead is not a translation, and no detector should find it. Every
Tom Sawyer gold 1-1 bead was therefore read pair by pair (``bench/data/tomsawyer-val.review.tsv``,
no software involved), and beads judged ``partial`` or ``wrong`` are not used at all.

Every sentence of the parallel data is used at most once (a whole gold bead at a time,
so a sentence and its translation never both appear by accident), and a bead used in
one language keeps its ``GUARD`` neighbours out of the other language (Tom Sawyer's
alignment is silver and sometimes off by a bead). Sentences that are exact or near
duplicates of another sentence of the data (``"Tom!"``, ``No answer.``), headings (no
lower-case letter, no final punctuation) and sentences starting in lower case are left
out. Filler sentences of one article come from gold beads at least ``FAR`` beads apart,
so they are unrelated. Because each bead is used once, the data (about 2,200 usable
beads) bounds the collection: filler goes to the shortest article first, and at the
default 300 articles most articles have 10-12 sentences, some up to 20 (a copy counts in
every article it is in; each article draws a target of 10-25 that the data cannot meet).

Ground truth keeps, for every true pair, both documents, their character spans (with
``document.text[start:end]`` the passage) and the builder's sentence ranges (0-based in
the order the builder laid the sentences out; the finder's segmenter numbers its own).

Example::

    bench = build(n_articles=60, seed=1)
    bench.documents[0].text[:80]
    bench.pairs[0].kind, bench.pairs[0].a, bench.pairs[0].b
    bench.stats()
"""

from __future__ import annotations

import heapq
import json
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from align.types import Document

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
KINDS = ("verbatim", "edited", "translated")
FAR = 25  # filler beads of one article are at least this many beads apart in their corpus
GAP = 3  # beads between the two runs of a same-topic distractor
GUARD = 1  # a bead used in one language keeps its neighbours this far from the other language
# Filler and one-language passages of a corpus with two filler languages (Tom Sawyer) come
# from alternate zones of this many beads, so that the GUARD between languages costs little data.
ZONE = 50

# Verdicts (ok / partial / wrong) on gold 1-1 beads, read by hand; beads not judged ok are left out.
REVIEWS = {"tomsawyer": Path(__file__).resolve().parent / "data" / "tomsawyer-val.review.tsv"}

# Parallel sets: name -> (files per language, gold file, tokenised?)
SETS = {
    "textberg": ({"de": "textberg-dev/dev.de", "fr": "textberg-dev/dev.fr"}, "textberg-dev/dev.defr", True),
    "tomsawyer": ({"de": "tomsawyer-val/de.txt", "en": "tomsawyer-val/en.txt"}, "tomsawyer-val/gold.txt", False),
}
# Where each language's sentences come from (in order of preference for filler).
# Where one-language text (filler, verbatim and edited copies, distractors) comes from:
# German from Tom Sawyer, so that Text+Berg (small) is left for French; Text+Berg's German
# side appears in German-French translated copies and same-topic distractors.
SOURCES = {"en": ("tomsawyer",), "de": ("tomsawyer",), "fr": ("textberg",)}
LANG_SHARE = {"en": 0.46, "de": 0.43, "fr": 0.11}

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
_SPELL = {a: b for a, b in SPELLINGS} | {b: a for a, b in SPELLINGS}
_SPELL_RE = re.compile(r"\b(" + "|".join(sorted(_SPELL, key=len, reverse=True)) + r")\b", re.IGNORECASE)
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
_INNER_END = re.compile(r"[.!?…:;][\"'“”„«»‹›‘’)]*\s+[\"'“”„«»‹›‘’(-]*[A-ZÀ-ÖØ-Þ0-9]")
# A sentence that ends in ":" or ";" is not ended: a segmenter (rightly) joins it to
# whatever the builder puts after it, which differs from article to article.
_TERMINAL = re.compile(r"[.!?…][\"'“”„«»‹›‘’)_\s]*$")


# --------------------------------------------------------------------------- data


@dataclass
class Corpus:
    """One parallel set: sentences per language and gold beads (side 0, side 1)."""

    name: str
    langs: tuple[str, str]
    sents: dict[str, list[str]]
    beads: list[tuple[tuple[int, ...], tuple[int, ...]]]
    eligible: list[bool] = field(default_factory=list)

    def side(self, bead: int, lang: str) -> list[str]:
        ids = self.beads[bead][self.langs.index(lang)]
        return [self.sents[lang][i] for i in ids]

    def one_to_one(self, bead: int) -> bool:
        a, b = self.beads[bead]
        return len(a) == 1 and len(b) == 1


def _detokenise(line: str, lang: str) -> str:
    """Undo Text+Berg's tokenisation ("gekommen , was", "l' Himalaya") for article-like text."""
    line = re.sub(r"\s+([,.;:!?)])", r"\1", line) if lang != "fr" else re.sub(r"\s+([,.)])", r"\1", line)
    line = re.sub(r"\(\s+", "(", line)
    line = re.sub(r"(\w)' (\w)", r"\1'\2", line)
    line = re.sub(r"«\s+", "«", line) if lang == "de" else line
    line = re.sub(r"\s+»", "»", line) if lang == "de" else line
    return re.sub(r"\s+", " ", line).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _flag_duplicates(sents: list[str]) -> set[int]:
    """Sentences that equal, or nearly equal, another sentence of the same list.

    Exact: the same lower-case words. Near: at least two word bigrams in common and a
    bigram Jaccard >= 0.35 or containment of the smaller set >= 0.6 (candidates from
    bigrams seen at most 40 times).
    """
    keys: dict[tuple[str, ...], list[int]] = {}
    shingles: list[set[tuple[str, ...]]] = []
    for i, s in enumerate(sents):
        w = tuple(_words(s))
        keys.setdefault(w, []).append(i)
        shingles.append({w[j : j + 2] for j in range(len(w) - 1)} or {w})
    flagged = {i for group in keys.values() if len(group) > 1 for i in group}
    postings: dict[tuple[str, ...], list[int]] = {}
    for i, sh in enumerate(shingles):
        for x in sh:
            postings.setdefault(x, []).append(i)
    for i, sh in enumerate(shingles):
        if len(sh) < 2:
            continue
        counts: dict[int, int] = {}
        for x in sh:
            post = postings[x]
            if len(post) <= 40:
                for j in post:
                    if j > i:
                        counts[j] = counts.get(j, 0) + 1
        for j in counts:
            inter = len(sh & shingles[j])
            if inter >= 3 and (inter / len(sh | shingles[j]) >= 0.4 or inter / min(len(sh), len(shingles[j])) >= 0.7):
                flagged.update((i, j))
    return flagged


def _good_sentence(s: str) -> bool:
    """Usable in an article: a real sentence (lower-case letters, final punctuation, >= 2 words)
    that does not start in lower case (a segmenter would join it to the sentence before)."""
    letters = [c for c in s if c.isalpha()]
    return (
        len(s.split()) >= 2
        and any(c.islower() for c in letters)
        and bool(_TERMINAL.search(s))
        and bool(letters)
        and not letters[0].islower()
    )


def read_review(path: Path) -> dict[tuple[int, int], str]:
    """Verdicts (ok / partial / wrong) by gold 1-1 bead ``(src_id, tgt_id)``; ``#`` lines are comments."""
    out = {}
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("#") or line.startswith("src_id"):
            continue
        a, b, verdict = line.split("\t")[:3]
        out[(int(a), int(b))] = verdict
    return out


def _doubted_beads(review: Path | None) -> set[tuple[int, int]]:
    """Gold 1-1 beads ``(src, tgt)`` that a reader judged ``partial`` or ``wrong``."""
    if review is None or not review.exists():
        return set()
    return {bead for bead, verdict in read_review(review).items() if verdict != "ok"}


def load_corpora(data: Path = DATA) -> dict[str, Corpus]:
    """Both parallel sets, with each bead marked eligible or not (see the module docstring)."""
    corpora = {}
    for name, (files, gold, tokenised) in SETS.items():
        langs = tuple(files)
        sents = {}
        for lang, rel in files.items():
            lines = (data / rel).read_text(encoding="utf-8").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            sents[lang] = [_detokenise(x, lang) if tokenised else x.strip() for x in lines]
        beads = []
        for line in (data / gold).read_text(encoding="utf-8").split("\n"):
            if line.strip():
                a, b = line.strip().split(":")[:2]
                ids = [tuple(int(x) for x in side.strip("[] ").split(",") if x.strip()) for side in (a, b)]
                beads.append((ids[0], ids[1]))
        bad = {lang: _flag_duplicates(sents[lang]) for lang in langs}
        doubted = _doubted_beads(REVIEWS.get(name))
        corpus = Corpus(name, langs, sents, beads)  # type: ignore[arg-type]
        for a, b in beads:
            ok = bool(a or b) and not (len(a) == 1 and len(b) == 1 and (a[0], b[0]) in doubted)
            for lang, ids in zip(langs, (a, b)):
                ok = ok and all(i not in bad[lang] and _good_sentence(sents[lang][i]) for i in ids)
            corpus.eligible.append(ok)
        corpora[name] = corpus
    return corpora


# --------------------------------------------------------------------------- edits


def _case_like(word: str, model: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


def _swap_spelling(s: str, rng: random.Random) -> str | None:
    found = list(_SPELL_RE.finditer(s))
    if not found:
        return None
    m = rng.choice(found)
    return s[: m.start()] + _case_like(_SPELL[m.group(0).lower()], m.group(0)) + s[m.end() :]


_SAID = re.compile(r"\b(said|says)\b")


def _attribution(s: str, rng: random.Random) -> str | None:
    found = list(_SAID.finditer(s))
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


def _plant_spelling(s: str, phrase: str) -> str:
    """Insert ``phrase`` before the sentence's final punctuation (and closing quotes)."""
    m = _TERMINAL.search(s)
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
    if lang == "en" and any(_SPELL_RE.search(s) for s in out):
        i = rng.choice([i for i, s in enumerate(out) if _SPELL_RE.search(s)])
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


# --------------------------------------------------------------------------- truth


@dataclass(frozen=True)
class Span:
    """A passage of one article: character span ``start..end`` and builder sentence ids ``first..last``."""

    doc: str
    lang: str
    start: int
    end: int
    first: int
    last: int


@dataclass(frozen=True)
class TruePair:
    """Two members of one copy event in different articles."""

    kind: str
    event: int
    a: Span
    b: Span
    sentences: int


@dataclass(frozen=True)
class Event:
    """A copied passage and every article it was put in (one span per member)."""

    id: int
    kind: str
    corpus: str
    beads: tuple[int, int]
    members: tuple[Span, ...]
    texts: tuple[str, ...]
    edits: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Distractor:
    """Passages that look alike but are not copies (each span in its own article)."""

    kind: str
    spans: tuple[Span, ...]


@dataclass
class Benchmark:
    documents: list[Document]
    events: list[Event]
    pairs: list[TruePair]
    distractors: list[Distractor]
    settings: dict[str, Any]

    def stats(self) -> dict[str, Any]:
        docs = self.documents
        langs: dict[str, int] = {}
        for d in docs:
            langs[d.lang] = langs.get(d.lang, 0) + 1
        lengths = sorted(self.settings["sentences_per_article"])
        per_kind = {k: sum(p.kind == k for p in self.pairs) for k in KINDS}
        events = {k: sum(e.kind == k for e in self.events) for k in KINDS}
        distractors: dict[str, int] = {}
        for x in self.distractors:  # groups; boilerplate: the articles that carry it
            distractors[x.kind] = distractors.get(x.kind, 0) + (len(x.spans) if x.kind == "boilerplate" else 1)
        return {
            "articles": len(docs),
            "articles_per_language": dict(sorted(langs.items())),
            "sentences": sum(lengths),
            "sentences_per_article": {"min": lengths[0], "median": lengths[len(lengths) // 2], "max": lengths[-1]},
            "characters": sum(len(d.text) for d in docs),
            "copy_events": events,
            "true_pairs": per_kind,
            "true_pairs_by_languages": self._by_langs(),
            "distractors": distractors,
            "edits": self._edit_counts(),
        }

    def _edit_counts(self) -> dict[str, int]:
        """How often each kind of edit was made in the edited copies."""
        out: dict[str, int] = {}
        for e in self.events:
            for edits in e.edits:
                for op in edits:
                    out[op] = out.get(op, 0) + 1
        return dict(sorted(out.items()))

    def _by_langs(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.pairs:
            key = f"{p.kind}:{'-'.join(sorted((p.a.lang, p.b.lang)))}"
            out[key] = out.get(key, 0) + 1
        return dict(sorted(out.items()))

    def write(self, directory: str | Path) -> Path:
        """Write each article as ``NAME`` under ``directory`` and the truth as ``truth.json``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for d in self.documents:
            (out / d.name).write_text(d.text, encoding="utf-8")
        truth = {
            "settings": self.settings | {"sentences_per_article": None},
            "documents": [{"doc": d.name, "lang": d.lang} for d in self.documents],
            "events": [asdict(e) for e in self.events],
            "pairs": [asdict(p) for p in self.pairs],
            "distractors": [asdict(x) for x in self.distractors],
        }
        (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
        return out


# --------------------------------------------------------------------------- builder


@dataclass
class _Block:
    sentences: list[str]
    tag: tuple  # ("filler",) | ("copy", event, member) | ("distractor", id, member) | ("boilerplate", id)
    movable: bool = True


@dataclass
class _Article:
    index: int
    lang: str
    target: int
    blocks: list[_Block] = field(default_factory=list)
    positions: dict[str, list[int]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(len(b.sentences) for b in self.blocks if b.tag[0] != "boilerplate")

    @property
    def name(self) -> str:
        return f"{self.index:03d}-{self.lang}.txt"


class _Builder:
    def __init__(self, corpora: dict[str, Corpus], n_articles: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.corpora = corpora
        self.used: dict[str, set[int]] = {name: set() for name in corpora}
        # bead -> languages it was used in; the silver alignments are sometimes off by a
        # bead or two, so a neighbour of a German bead in an English article could be its
        # real translation
        self.used_lang: dict[str, dict[int, set[str]]] = {name: {} for name in corpora}
        langs = []
        for lang, share in LANG_SHARE.items():
            langs += [lang] * round(share * n_articles)
        while len(langs) < n_articles:
            langs.append("en")
        langs = langs[:n_articles]
        self.rng.shuffle(langs)
        self.articles = [_Article(i, lang, self.rng.randint(10, 25)) for i, lang in enumerate(langs)]
        self.events: list[dict] = []
        self.distractors: list[dict] = []

    # ---- allocation of gold beads

    def _run(
        self, corpus: str, k: int, langs: tuple[str, ...], one_to_one: bool, min_words: int = 0,
        second: tuple[int, str] | None = None, require: re.Pattern | None = None,
    ) -> int | None:
        """A random start of ``k`` unused eligible consecutive beads with all ``langs`` sides.

        ``second=(offset, lang)``: also the ``k`` beads from ``start + offset`` on, with a ``lang`` side.
        ``require``: a pattern that some sentence of the passage (first language) must contain.
        """
        c, used = self.corpora[corpus], self.used[corpus]

        def ok(b: int) -> bool:
            if b in used or not c.eligible[b] or (one_to_one and not c.one_to_one(b)):
                return False
            if len(set(langs)) == 1 and not self._in_zone(corpus, b, langs[0]):
                return False
            return all(c.side(b, lang) and not self._clash(corpus, b, lang) for lang in langs)

        starts = []
        good = [ok(b) for b in range(len(c.beads))]
        for s in range(len(c.beads) - k + 1 - (second[0] if second else 0)):
            if second and not all(good[s + second[0] : s + second[0] + k]):
                continue
            if second and not all(c.side(b, second[1]) and not self._clash(corpus, b, second[1])
                                  for b in range(s + second[0], s + second[0] + k)):
                continue
            if all(good[s : s + k]):
                if min_words and not all(self._long_enough(c, range(s, s + k), lang, min_words) for lang in langs):
                    continue
                if require and not any(require.search(x) for b in range(s, s + k) for x in c.side(b, langs[0])):
                    continue
                starts.append(s)
        return self.rng.choice(starts) if starts else None

    @staticmethod
    def _long_enough(c: Corpus, beads: range, lang: str, min_words: int) -> bool:
        """At least ``min_words`` words in all, and a passage of one sentence has at least 8."""
        words = [len(x.split()) for b in beads for x in c.side(b, lang)]
        return sum(words) >= min_words and (len(words) > 1 or words[0] >= 8)

    def _in_zone(self, corpus: str, bead: int, lang: str) -> bool:
        """Whether ``bead`` lies in a zone of ``lang`` (always, for a corpus with one filler language)."""
        fillers = [x for x in self.corpora[corpus].langs if corpus in SOURCES[x]]
        return len(fillers) < 2 or lang not in fillers or (bead // ZONE) % len(fillers) == fillers.index(lang)

    def _clash(self, corpus: str, bead: int, lang: str) -> bool:
        """Whether a bead within ``GUARD`` of ``bead`` was used in another language."""
        near = self.used_lang[corpus]
        return any(near.get(b, {lang}) - {lang} for b in range(bead - GUARD, bead + GUARD + 1))

    def _take(self, corpus: str, beads: range, *langs: str) -> None:
        self.used[corpus].update(beads)
        for b in beads:
            self.used_lang[corpus].setdefault(b, set()).update(langs)

    def _articles_for(self, lang: str, count: int, need: int, exclude: set[int]) -> list[_Article] | None:
        pool = [a for a in self.articles if a.lang == lang and a.index not in exclude]
        if len(pool) < count:
            return None
        chosen: list[_Article] = []
        for _ in range(count):
            weights = [max(a.target - a.size - need, 0) + 0.5 for a in pool]
            a = self.rng.choices(pool, weights)[0]
            pool.remove(a)
            chosen.append(a)
        return chosen

    def _place(self, article: _Article, sentences: list[str], tag: tuple, corpus: str, beads: range) -> None:
        article.blocks.append(_Block(list(sentences), tag))
        article.positions.setdefault(corpus, []).extend(beads)

    # ---- copies

    def copy_event(self, kind: str) -> None:
        rng = self.rng
        k = rng.randint(1, 6)
        if kind == "translated":
            corpus = "tomsawyer" if rng.random() < 0.75 else "textberg"
            langs = tuple(self.corpora[corpus].langs)
            if rng.random() < 0.5:
                langs = langs[::-1]
            size = 3 if rng.random() < 0.2 else 2
            member_langs = [langs[0], langs[1]] + ([rng.choice(langs)] if size == 3 else [])
        else:
            lang = rng.choices(["en", "de", "fr"], [0.6, 0.25, 0.15] if kind == "edited" else [0.45, 0.4, 0.15])[0]
            corpus = SOURCES[lang][0]
            size = 3 if rng.random() < 0.2 else 2
            member_langs = [lang] * size
            langs = (lang,)
        # half of the English edited copies are passages with an attribution ("said") to change
        said = kind == "edited" and member_langs[0] == "en" and rng.random() < 0.5
        start = None
        while k >= 1 and start is None:
            start = self._run(corpus, k, tuple(sorted(set(member_langs))), kind == "translated", min_words=10,
                              require=_SAID if said else None)
            if start is None:
                k -= 1
        if start is None:
            return
        beads = range(start, start + k)
        c = self.corpora[corpus]
        chosen: list[_Article] = []
        for lang in member_langs:
            got = self._articles_for(lang, 1, k, {a.index for a in chosen})
            if not got:
                return
            chosen += got
        self._take(corpus, beads, *member_langs)
        originals = {lang: [s for b in beads for s in c.side(b, lang)] for lang in set(member_langs)}
        if kind == "edited" and member_langs[0] == "en" and rng.random() < 0.5:
            orig = originals["en"]
            i = rng.randrange(len(orig))
            phrase = rng.choice(SPELLING_PHRASES)
            if rng.random() < 0.5:  # the original spelt the American way
                phrase = _SPELL_RE.sub(lambda m: _case_like(_SPELL[m.group(0).lower()], m.group(0)), phrase)
            originals["en"] = orig[:i] + [_plant_spelling(orig[i], phrase)] + orig[i + 1 :]
        event = {"id": len(self.events), "kind": kind, "corpus": corpus, "beads": (start, start + k - 1),
                 "members": [], "texts": [], "edits": []}
        for m, (article, lang) in enumerate(zip(chosen, member_langs)):
            sentences, edits = originals[lang], []
            if kind == "edited" and m > 0:
                sentences, edits = edit_passage(originals[lang], lang, rng)
            event["members"].append(article)
            event["texts"].append(sentences)
            event["edits"].append(tuple(edits))
            self._place(article, sentences, ("copy", event["id"], m), corpus, beads)
        self.events.append(event)

    # ---- distractors

    def same_topic(self, cross: bool) -> None:
        rng = self.rng
        corpus = "tomsawyer" if (not cross or rng.random() < 0.75) else "textberg"
        c = self.corpora[corpus]
        k = rng.randint(2, 4)
        if cross:
            la, lb = c.langs if rng.random() < 0.5 else c.langs[::-1]
        else:
            la = lb = rng.choice(c.langs if corpus == "tomsawyer" else ("fr",))
        start = self._run(corpus, k, (la,), False, second=(k + GAP, lb))
        if start is None:
            return
        first, second = range(start, start + k), range(start + k + GAP, start + 2 * k + GAP)
        x = self._articles_for(la, 1, k, set())
        y = self._articles_for(lb, 1, k, {x[0].index} if x else set())
        if not x or not y:
            return
        self._take(corpus, first, la)
        self._take(corpus, second, lb)
        d = {"id": len(self.distractors), "kind": "same-topic " + ("translated" if cross else "monolingual"),
             "members": [x[0], y[0]]}
        self._place(x[0], [s for b in first for s in c.side(b, la)], ("distractor", d["id"], 0), corpus, first)
        self._place(y[0], [s for b in second for s in c.side(b, lb)], ("distractor", d["id"], 1), corpus, second)
        self.distractors.append(d)

    def shared_phrase(self) -> None:
        rng = self.rng
        lang = rng.choices(["en", "de", "fr"], [0.45, 0.4, 0.15])[0]
        corpus = rng.choice(SOURCES[lang])
        c = self.corpora[corpus]
        picks = []
        for _ in range(2):
            for _ in range(50):
                b = self._run(corpus, 1, (lang,), False)
                if b is None:
                    return
                side = c.side(b, lang)
                if len(side) == 1 and len(side[0].split()) >= 10 and b not in picks and not _INNER_END.search(side[0]):
                    picks.append(b)
                    break
            else:
                return
        a_bead, b_bead = picks
        a_text, b_text = c.side(a_bead, lang)[0], c.side(b_bead, lang)[0]
        ta, tb = a_text.split(" "), b_text.split(" ")
        cut_a = rng.randint(int(len(ta) * 0.4), int(len(ta) * 0.6))
        cut_b = rng.randint(int(len(tb) * 0.4), int(len(tb) * 0.6))
        spliced = " ".join(ta[:cut_a] + tb[cut_b:])
        three = rng.random() < 0.5
        arts = self._articles_for(lang, 3 if three else 2, 1, set())
        if not arts:
            return
        self._take(corpus, range(a_bead, a_bead + 1), lang)
        self._take(corpus, range(b_bead, b_bead + 1), lang)
        d = {"id": len(self.distractors), "kind": "shared phrase", "members": arts}
        self._place(arts[0], [a_text], ("distractor", d["id"], 0), corpus, range(a_bead, a_bead + 1))
        self._place(arts[1], [spliced], ("distractor", d["id"], 1), corpus, range(b_bead, b_bead + 1))
        if three:
            self._place(arts[2], [b_text], ("distractor", d["id"], 2), corpus, range(b_bead, b_bead + 1))
        self.distractors.append(d)

    def boilerplate(self, share: float) -> None:
        by_lang: dict[str, list[_Article]] = {}
        for a in self.articles:
            by_lang.setdefault(a.lang, []).append(a)
        for lang, arts in by_lang.items():
            count = max(3, round(share * len(arts)))
            chosen = self.rng.sample(arts, min(count, len(arts)))
            d = {"id": len(self.distractors), "kind": "boilerplate", "members": chosen}
            lines = BOILERPLATE[lang]
            for m, a in enumerate(chosen):
                lo = self.rng.randint(0, 1)
                hi = self.rng.randint(lo + 2, len(lines))
                a.blocks.append(_Block(lines[lo:hi], ("distractor", d["id"], m), movable=False))
            self.distractors.append(d)

    # ---- filler

    def fill(self) -> None:
        """Add unrelated sentences, always to the shortest article below its target, until each
        article reaches its target or the data runs out (so the shortage is shared evenly)."""
        pools: dict[tuple[str, str], list[int]] = {}
        for lang, names in SOURCES.items():
            for name in names:
                c = self.corpora[name]
                ids = [b for b in range(len(c.beads))
                       if c.eligible[b] and c.side(b, lang) and self._in_zone(name, b, lang)]
                self.rng.shuffle(ids)
                pools[(name, lang)] = ids
        heap = [(a.size, a.index) for a in self.articles]
        heapq.heapify(heap)
        while heap:
            _, i = heapq.heappop(heap)
            a = self.articles[i]
            if a.size < a.target and self._add_filler(a, pools):
                heapq.heappush(heap, (a.size, i))

    def _add_filler(self, a: _Article, pools: dict[tuple[str, str], list[int]]) -> bool:
        for name in SOURCES[a.lang]:
            pool, used = pools[(name, a.lang)], self.used[name]
            mine = a.positions.get(name, [])
            for j, b in enumerate(pool):
                if b in used:
                    continue
                if all(abs(b - p) >= FAR for p in mine) and not self._clash(name, b, a.lang):
                    del pool[j]
                    self._take(name, range(b, b + 1), a.lang)
                    self._place(a, self.corpora[name].side(b, a.lang), ("filler",), name, range(b, b + 1))
                    return True
            pool[:] = [b for b in pool if b not in used]
        return False

    # ---- layout

    def render(self) -> tuple[list[Document], dict[tuple, Span], list[int]]:
        """Lay out every article as text; return documents, the span of each tagged block, and sizes."""
        docs, spans, sizes = [], {}, []
        for a in self.articles:
            movable = [b for b in a.blocks if b.movable]
            fixed = [b for b in a.blocks if not b.movable]
            self.rng.shuffle(movable)
            style = self.rng.choice(["lines", "paragraphs"])
            parts: list[str] = []
            sid = pos = 0
            para_left = self.rng.randint(1, 4)
            for block in movable + fixed:
                first_sid, start, end = sid, -1, -1
                for s in block.sentences:
                    if not block.movable:  # boilerplate: a line of its own
                        sep, para_left = "\n", 1
                    elif style == "paragraphs" and para_left > 1:
                        sep, para_left = " ", para_left - 1
                    else:
                        sep = "\n\n" if style == "paragraphs" or self.rng.random() < 0.2 else "\n"
                        para_left = self.rng.randint(1, 4)
                    if parts:
                        parts.append(sep)
                        pos += len(sep)
                    start = pos if start < 0 else start
                    parts.append(s)
                    pos += len(s)
                    end = pos
                    sid += 1
                if block.tag[0] != "filler":
                    spans[block.tag] = Span(a.name, a.lang, start, end, first_sid, sid - 1)
            text = "".join(parts) + "\n"
            docs.append(Document(text, a.lang, a.name))
            sizes.append(sid)
        return docs, spans, sizes


def _pair_kind(la: str, lb: str, ta: list[str], tb: list[str]) -> str:
    if la != lb:
        return "translated"
    return "verbatim" if ta == tb else "edited"


def build(
    n_articles: int = 300,
    seed: int = 0,
    *,
    data: str | Path = DATA,
    events_per_kind: int | None = None,
    boilerplate_share: float = 0.25,
) -> Benchmark:
    """Build the benchmark (deterministic for a given ``n_articles``, ``seed`` and data).

    ``events_per_kind`` copy events of each kind (default: ``n_articles * 70 // 300``);
    distractors scale the same way (30 same-topic translated, 20 same-topic monolingual,
    40 shared-phrase per 300 articles) and boilerplate goes to ``boilerplate_share`` of
    the articles of each language.
    """
    corpora = load_corpora(Path(data))
    b = _Builder(corpora, n_articles, seed)
    per_kind = events_per_kind if events_per_kind is not None else max(3, n_articles * 70 // 300)
    scale = n_articles / 300
    # interleave the kinds so that none gets the leftovers of the data
    plan = [kind for _ in range(per_kind) for kind in KINDS]
    for kind in plan:
        b.copy_event(kind)
    for _ in range(max(2, round(30 * scale))):
        b.same_topic(cross=True)
    for _ in range(max(2, round(20 * scale))):
        b.same_topic(cross=False)
    for _ in range(max(2, round(40 * scale))):
        b.shared_phrase()
    b.boilerplate(boilerplate_share)
    b.fill()
    docs, spans, sizes = b.render()

    events, pairs = [], []
    for e in b.events:
        members = tuple(spans[("copy", e["id"], m)] for m in range(len(e["members"])))
        events.append(Event(e["id"], e["kind"], e["corpus"], e["beads"], members,
                            tuple("\n".join(t) for t in e["texts"]), tuple(e["edits"])))
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                kind = _pair_kind(members[i].lang, members[j].lang, e["texts"][i], e["texts"][j])
                n = max(len(e["texts"][i]), len(e["texts"][j]))
                pairs.append(TruePair(kind, e["id"], members[i], members[j], n))
    distractors = [
        Distractor(d["kind"], tuple(spans[("distractor", d["id"], m)] for m in range(len(d["members"]))))
        for d in b.distractors
    ]
    settings = {"n_articles": n_articles, "seed": seed, "events_per_kind": per_kind, "far": FAR, "gap": GAP,
                "boilerplate_share": boilerplate_share, "sentences_per_article": sizes,
                "data": [f"{name}: {', '.join(files.values())}, {gold}" for name, (files, gold, _) in SETS.items()]}
    return Benchmark(docs, events, pairs, distractors, settings)


__all__ = ["KINDS", "Benchmark", "Distractor", "Event", "Span", "TruePair", "build", "edit_passage", "load_corpora"]
