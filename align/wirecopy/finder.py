"""``find_wire_copy``: shared passages across a collection, within and across languages.

1. Each document is segmented; a document without a language gets one from :mod:`align.langid`.
2. Monolingual: sentences and short windows go through MinHash/LSH, candidates are
   verified with exact shingle Jaccard / containment (``monolingual.py``).
3. Cross-lingual: sentences are embedded and matched by margin score across languages
   (``crosslingual.py``).
4. Matches become maximal passages and clusters (``passages.py``); matches inside one
   document are reported as in-document repeats, never as wire copy.
"""

from __future__ import annotations

import dataclasses

from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import numpy as np

from align import __version__
from align.errors import InputError
from align.langid import detect
from align.segment import segment
from align.settings import DEFAULT_MODEL
from align.types import Document
from align.wirecopy.boilerplate import template_sentences
from align.wirecopy.crosslingual import text_key, translated_links
from align.wirecopy.lone import DEFAULT_LONE_MODEL, FEATURES, LoneModel, best_per_sentence, lone_features
from align.wirecopy.minhash import MinHasher
from align.wirecopy.mining import mining_vectors
from align.wirecopy.monolingual import find_similar_units, passage_similarity, sentence_words
from align.wirecopy.passages import Link, clusters_from, merge_links
from align.progress import reports_progress
from align.wirecopy.projection import extend_by_alignment
from align.wirecopy.report import WireCopyReport
from align.wirecopy.wordcover import WordCoverage

#: Language codes that mean "detect it": "und" is ISO 639's code for "undetermined".
AUTO = ("", "auto", "und")


@dataclass(frozen=True)
class WireCopyConfig:
    """Settings of the wire-copy finder; recorded in the report.

    Monolingual: ``shingle`` words per shingle, ``num_perm`` MinHash permutations, LSH and
    acceptance ``threshold`` on shingle Jaccard, or ``containment`` of one sentence in
    another; units are sentences and windows of up to ``window`` sentences with at least
    ``min_words`` words (shorter lines, such as "Leave a Reply", are not wire copy).

    Cross-lingual: sentence pairs are scored by ratio margin over ``neighbours`` nearest
    neighbours; mutual best pairs with margin ``margin_seed`` seed a passage (so do those
    with ``margin_support`` that have another such pair on their diagonal at most
    ``support_distance`` sentences away), which grows
    along the diagonal while pairs keep margin ``margin_extend``. A passage is reported
    when its evidence, the sum of (margin - 1) over its pairs, reaches ``min_evidence``;
    Sentences are compared by their own vectors mixed with their halves' vectors
    (weight ``half_weight``, :mod:`align.wirecopy.mining`: a translation keeps the order
    of what is said, a sentence of the same scene does not), and every cosine below is
    that mixed one.
    A run's mean cosine must also reach ``cos_run`` (a ratio margin is inflated where a
    sentence's nearest neighbours are all unrelated, as for a technical passage among
    novels: pairs of cosine 0.3 then reach margin 1.2);
    a lone pair, which has no neighbours to vouch for it, is judged by the ``lone``
    model (:mod:`align.wirecopy.lone`: margin, cosine, word coverage and the two
    sentences' lengths together; a short sentence's embedding rests on a few words:
    "The night was far spent." / "La nuit fut froide").
    An accepted passage then grows along the sentence alignment of its two documents
    over neighbouring beads of cosine ``project_cos`` or more (``projection.py``; 1.0
    turns this off). Only sentences of at least
    ``min_chars`` characters whose lengths are within ``length_ratio`` of each other pair.

    ``gap``: sentences a passage may skip on either side. Accepted cross-lingual passages
    of one document pair at most ``join_gap`` sentences apart on both sides are joined (a
    translated scene whose middle lines were rendered too loosely to match: "Wahrhaftig,
    sie ist offen!" / "Why, of course it is."). Template sentences (shorter than
    ``short_sentence`` characters, recurring in at least ``template_docs`` documents; see
    ``boilerplate.py``) never make wire copy.
    """

    shingle: int = 2
    num_perm: int = 128
    threshold: float = 0.6
    containment: float = 0.8
    window: int = 3
    min_words: int = 6
    cross_lingual: bool = True
    neighbours: int = 4
    margin_seed: float = 1.15
    margin_support: float = 1.0
    support_distance: int = 3
    margin_extend: float = 0.9
    min_evidence: float = 0.2
    cos_run: float = 0.45
    half_weight: float = 0.5
    project_cos: float = 0.4
    length_ratio: float = 0.4
    min_chars: int = 20
    lone: LoneModel = DEFAULT_LONE_MODEL
    gap: int = 1
    join_gap: int = 2
    short_sentence: int = 70
    template_docs: int = 4

    def to_dict(self) -> dict:
        return {**asdict(self), "lone": self.lone.to_dict()}


def prepare_document(doc: Document) -> Document:
    """A document ready for wire-copy search: its language detected when it is not given
    (``und``/``auto``), and split into sentences if it is not already."""
    if doc.lang in AUTO:
        lang, _ = detect(doc.text)
        doc = dataclasses.replace(doc, lang=lang)
    return doc if doc.sentences else segment(doc)


def canonical_order(docs: Sequence[Document]) -> list[Document]:
    """The documents sorted by name, then language and text: the order the finder works in.

    Why: which of two equally good matches wins, which document a copy is oriented from
    and the order in which a cluster's scores are summed all follow the documents'
    positions. Working in an order of their own makes the report the same whatever order
    the files were given in (only its ``documents`` list keeps the caller's order;
    clusters and their members are listed by name).
    """
    return sorted(docs, key=lambda d: (d.name, d.lang, d.text))


def _kind(langs: set[str]) -> str:
    return "cross-lingual" if len(langs) > 1 else "monolingual"


@reports_progress
def find_wire_copy(
    docs: Sequence[Document],
    config: WireCopyConfig | None = None,
    *,
    model: str = DEFAULT_MODEL,
    cache: bool = True,
    progress: Callable[[str], None] | None = None,
) -> WireCopyReport:
    """Find passages shared between documents of ``docs`` (and repeats inside each one)."""
    config = config or WireCopyConfig()
    progress = progress or (lambda _msg: None)
    if not docs:
        raise InputError("no documents given; pass one or more text files")
    given = tuple(prepare_document(d) for d in docs)
    docs = canonical_order(given)
    hasher = MinHasher(num_perm=config.num_perm, shingle=config.shingle)

    progress(f"hashing {sum(len(d) for d in docs)} sentences of {len(docs)} documents")
    doc_words = sentence_words(docs)
    matches = find_similar_units(
        docs, doc_words, hasher, threshold=config.threshold, containment=config.containment,
        window=config.window, min_words=config.min_words,
    )
    template = template_sentences(docs, doc_words, config.short_sentence, config.template_docs)

    def substantial(unit) -> bool:
        """Enough words outside template sentences to count as shared text."""
        return sum(len(doc_words[unit.doc][i]) for i in range(unit.first, unit.last + 1)
                   if (unit.doc, i) not in template) >= config.min_words

    between, within = [], []
    for m in matches:
        if m.a.doc != m.b.doc and not (substantial(m.a) and substantial(m.b)):
            continue
        link = Link(m.a.doc, m.a.first, m.a.last, m.b.doc, m.b.first, m.b.last, m.containment,
                    float(m.a.last - m.a.first + m.b.last - m.b.first + 2))
        (within if m.a.doc == m.b.doc else between).append(link)
    mono = [_rescore(doc_words, p, hasher) for p in merge_links(between, config.gap)]
    repeats = [_rescore(doc_words, p, hasher) for p in merge_links(within, config.gap) if not _overlaps(p)]

    cross: list[Link] = []
    if config.cross_lingual and len({d.lang for d in docs}) > 1:
        from align.embed import load_encoder

        encoder = load_encoder(model, cache=cache)
        progress(f"embedding sentences with {encoder.name} for the cross-lingual search")
        runs, lone, features = _cross_candidates(docs, template, config, encoder, config.lone)
        cross = [p for p in runs if _run_accepted(p, config)]
        cross += [p for p, ok in zip(lone, lone_kept(docs, lone, features, config.lone)) if ok]
        if config.project_cos < 1.0:
            cross = extend_by_alignment(docs, cross, encoder, config.project_cos)
        # accepted passages of one document pair, in the same order and a few sentences
        # apart on both sides, are one copy whose middle was rendered loosely
        cross = merge_links(cross, config.join_gap)

    clusters = clusters_from(docs, mono + cross, _kind, _details)
    repeat_clusters = clusters_from(docs, repeats, lambda _langs: "in-document", _details)
    settings = {"tool": f"align {__version__}", "model": model, "wirecopy": config.to_dict()}
    return WireCopyReport(given, tuple(clusters), tuple(repeat_clusters), settings)


def _cross_candidates(
    docs: list[Document], template: set[tuple[int, int]], config: WireCopyConfig, encoder,
    model: LoneModel | None = None,
) -> tuple[list[Link], list[Link], np.ndarray]:
    """Cross-lingual passages before acceptance: runs of two or more pairs, lone pairs and
    the lone pairs' :data:`~align.wirecopy.lone.FEATURES` (one row each; with ``model``,
    coverage is computed only for the pairs it could take, and is 0 for the others)."""
    texts = [s.text for d in docs for s in d.sentences]
    vectors = mining_vectors(encoder, texts, config.half_weight)
    bounds = np.cumsum([0] + [len(d.sentences) for d in docs])
    embeddings = [vectors[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    links = translated_links(
        docs, embeddings, exclude=template, neighbours=config.neighbours, min_margin=config.margin_seed,
        extend_margin=config.margin_extend, min_chars=config.min_chars, min_length_ratio=config.length_ratio,
        support_margin=config.margin_support, support_distance=config.support_distance,
    )
    passages = merge_links(links, config.gap)
    runs = [p for p in passages if p.weight >= 2]
    lone = [p for p in passages if p.weight < 2]
    pairs = [(docs[p.a].sentences[p.a_first].text, docs[p.b].sentences[p.b_first].text) for p in lone]
    features = np.array(
        [lone_features(p.margin, p.score, 0.0, len(a.strip()), len(b.strip())) for p, (a, b) in zip(lone, pairs)],
        np.float64,
    ).reshape(-1, len(FEATURES))
    # word coverage only where it can matter: for a model, the pairs it would take at the
    # best coverage there is (1.0); the others stay out whatever their words (and their
    # probability stays below any pair it takes, so no partner choice changes)
    need = np.ones(len(lone), bool) if model is None else model.could_accept(features, FEATURES.index("coverage"))
    if need.any():
        at = np.flatnonzero(need)
        features[at, FEATURES.index("coverage")] = WordCoverage(encoder, texts).scores([pairs[i] for i in at])
    return runs, lone, features


def lone_candidates(
    docs: Sequence[Document], config: WireCopyConfig | None = None, *, model: str = DEFAULT_MODEL, cache: bool = True,
) -> tuple[list[Document], list[Link], np.ndarray]:
    """The one-pair cross-lingual passages the finder weighs, with their features.

    For fitting and checking the lone-pair model (``bench/wirecopy_lone.py``): returns the
    prepared documents (segmented, languages detected, in :func:`canonical_order`, as the
    finder weighs them), the candidates (sentence indices
    into those documents) and one :data:`~align.wirecopy.lone.FEATURES` row per candidate.
    """
    from align.embed import load_encoder

    config = config or WireCopyConfig()
    docs = canonical_order([prepare_document(d) for d in docs])
    doc_words = sentence_words(docs)
    template = template_sentences(docs, doc_words, config.short_sentence, config.template_docs)
    _, lone, features = _cross_candidates(docs, template, config, load_encoder(model, cache=cache))
    return docs, lone, features


def lone_kept(docs: Sequence[Document], lone: Sequence[Link], features: np.ndarray, model: LoneModel) -> np.ndarray:
    """Which lone pairs are reported: the model accepts them and each is its sentences' most
    probable partner (:func:`~align.wirecopy.lone.best_per_sentence`)."""
    if not lone:
        return np.zeros(0, bool)
    pairs = [((p.a, p.a_first), text_key(docs[p.a].sentences[p.a_first].text),
              (p.b, p.b_first), text_key(docs[p.b].sentences[p.b_first].text)) for p in lone]
    logit = model.logit(features)  # the probability's order, the same bits on any machine
    return (logit >= model.logit_threshold) & best_per_sentence(pairs, logit)


def _run_accepted(p: Link, config: WireCopyConfig) -> bool:
    """A run of pairs: enough evidence summed over its pairs, and a plausible cosine for a translation."""
    return (p.margin - 1.0) * p.weight >= config.min_evidence and p.score >= config.cos_run


def _overlaps(p: Link) -> bool:
    return p.a == p.b and p.a_first <= p.b_last and p.b_first <= p.a_last


def _rescore(doc_words: list[list[list[str]]], p: Link, hasher: MinHasher) -> Link:
    """The merged passage's own containment and Jaccard (not an average of its parts)."""
    jac, con = passage_similarity(doc_words, p.a, p.a_first, p.a_last, p.b, p.b_first, p.b_last, hasher)
    return Link(p.a, p.a_first, p.a_last, p.b, p.b_first, p.b_last, con, p.weight, jac)


def _details(group: list[Link]) -> dict[str, float]:
    """Mean shingle Jaccard of the monolingual links and mean margin of the cross-lingual ones."""
    out = {}
    for key, links in (("jaccard", [p for p in group if not p.cross]), ("margin", [p for p in group if p.cross])):
        if links:
            out[key] = sum(p.margin * p.weight for p in links) / sum(p.weight for p in links)
    return out
