"""Drawing the wire-copy collection: which beads go into which article, and the articles' layout.

Kept apart from the truth and the text material because this is the bookkeeping that
makes the collection exact: every gold bead used once, a bead used in one language
keeping its ``GUARD`` neighbours out of the other, one-language zones of Tom Sawyer
(``ZONE``), filler of one article ``FAR`` beads apart, articles chosen by how far they
are below their target size. :class:`Builder` places the copy events, the distractors
and the boilerplate, fills every article with unrelated sentences and lays each out as
text, recording the span of every planted block. ``build`` in ``bench/wirecopy_data.py``
drives it in a fixed order (the order of the random draws is part of the collection).
"""

from __future__ import annotations

import heapq
import random
import re
from dataclasses import dataclass, field

from align.types import Document
from bench.wirecopy_corpora import Corpus
from bench.wirecopy_text import (
    BOILERPLATE,
    INNER_END,
    SAID,
    SPELL,
    SPELL_RE,
    SPELLING_PHRASES,
    case_like,
    edit_passage,
    plant_spelling,
)
from bench.wirecopy_truth import Span

FAR = 25  # filler beads of one article are at least this many beads apart in their corpus
GAP = 3  # beads between the two runs of a same-topic distractor
GUARD = 1  # a bead used in one language keeps its neighbours this far from the other language
# Filler and one-language passages of a corpus with two filler languages (Tom Sawyer) come
# from alternate zones of this many beads, so that the GUARD between languages costs little data.
ZONE = 50

# Where each language's sentences come from (in order of preference for filler).
# Where one-language text (filler, verbatim and edited copies, distractors) comes from:
# German from Tom Sawyer, so that Text+Berg (small) is left for French; Text+Berg's German
# side appears in German-French translated copies and same-topic distractors.
SOURCES = {"en": ("tomsawyer",), "de": ("tomsawyer",), "fr": ("textberg",)}
LANG_SHARE = {"en": 0.46, "de": 0.43, "fr": 0.11}

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


class Builder:
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
                              require=SAID if said else None)
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
                phrase = SPELL_RE.sub(lambda m: case_like(SPELL[m.group(0).lower()], m.group(0)), phrase)
            originals["en"] = orig[:i] + [plant_spelling(orig[i], phrase)] + orig[i + 1 :]
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
                if len(side) == 1 and len(side[0].split()) >= 10 and b not in picks and not INNER_END.search(side[0]):
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

