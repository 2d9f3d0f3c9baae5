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

This module holds :func:`build`, which drives the builder in a fixed order, and
re-exports the names the benchmark and the tests import from here. The parts, each with
one job: ``bench/wirecopy_text.py`` (the words and the edits), ``bench/wirecopy_corpora.py``
(the parallel sets and which beads may be used), ``bench/wirecopy_builder.py`` (drawing
the articles and laying them out), ``bench/wirecopy_truth.py`` (the ground truth).
"""

from __future__ import annotations

from pathlib import Path

from bench.wirecopy_builder import FAR, GAP, Builder
from bench.wirecopy_corpora import DATA, SETS, Corpus, load_corpora, read_review
from bench.wirecopy_text import edit_passage
from bench.wirecopy_truth import KINDS, Benchmark, Distractor, Event, Span, TruePair


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
    b = Builder(corpora, n_articles, seed)
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


__all__ = [
    "DATA", "KINDS", "SETS", "Benchmark", "Corpus", "Distractor", "Event", "Span", "TruePair", "build",
    "edit_passage", "load_corpora", "read_review",
]
