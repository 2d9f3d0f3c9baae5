"""A wire-copy index that lasts: add articles once, check every new article against all of them.

The passages are those of ``align dedup``'s monolingual step (``align.wirecopy``):
sentences and windows of up to ``window`` sentences, reduced to words
(``sentence_words``/``units_of``), shingled and MinHashed (``MinHasher``), proposed by
datasketch's LSH (``PassageIndex``) and verified with the exact shingle Jaccard (or the
containment, for one sentence that gained a clause). Verified passage pairs merge into
maximal passages (``merge_links``), reported with sentence ranges and character spans in
both documents. Only the storage is new here (``store.py``).

Example::

    index = WireCopyIndex(FileStore("archive.idx", writable=True))
    index.add([doc1, doc2]); index.save()
    for result in index.query([new_doc]):
        for match in result.matches: print(match.indexed.doc, match.score)
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from align.errors import InputError
from align.index.store import Store
from align.types import Document
from align.wirecopy.finder import WireCopyConfig, prepare_document
from align.wirecopy.minhash import MinHasher, jaccard_containment
from align.wirecopy.monolingual import (
    Unit,
    UnitMatch,
    minimal_matches,
    sentence_words,
    units_of,
    units_words,
)
from align.wirecopy.passages import Link, merge_links

#: The wire-copy settings an index fixes when it is created, and records: the ones that
#: decide how passages are cut, hashed and matched (signatures made otherwise would not compare).
INDEXED = ("shingle", "num_perm", "threshold", "containment", "window", "min_words", "gap", "short_sentence",
           "template_docs")


@dataclass(frozen=True)
class IndexSettings:
    """The wire-copy settings of an index: a :class:`~align.wirecopy.finder.WireCopyConfig`
    (the same one ``align dedup`` uses, defaults and all), of which the index records and
    checks the :data:`INDEXED` fields."""

    config: WireCopyConfig = field(default_factory=WireCopyConfig)

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise ValueError(f"index setting {problem}")

    def problem(self) -> str | None:
        """What is wrong with these settings (None: nothing).

        Each must be a number of the right kind in a range align can work with: settings
        are also read back from an index file or a Redis server, where anything may have
        been written, and a billion permutations or a window of a billion sentences would
        take all the memory before anything else went wrong.
        """
        for name, (kind, low, high) in _RANGES.items():
            value = getattr(self.config, name)
            if kind is int:
                ok = type(value) is int and low <= value <= high
            else:  # a fraction: 0 < value <= 1
                ok = type(value) in (int, float) and math.isfinite(value) and low < value <= high
            if not ok:
                shown = repr(value)
                shown = shown if len(shown) <= 20 else shown[:20] + "..."
                allowed = f"a whole number from {low} to {high}" if kind is int else \
                    f"a number above {low} and at most {high}"
                return f"{name}={shown} (must be {allowed})"
        return None

    @classmethod
    def stored(cls, raw: dict[str, Any], store: Store) -> IndexSettings:
        """The settings an index recorded, or the store's "damaged; rebuild it" error.

        Settings this align does not know are refused rather than ignored: they would
        change what the index matches. Missing ones take their defaults (as ``align``
        always did), so an index made before a setting existed still opens.
        """
        unknown = sorted(str(k) for k in raw if k not in INDEXED)
        if unknown:
            raise store.damaged(f"settings unknown to this align: {', '.join(unknown)[:60]}")
        try:
            return cls(replace(WireCopyConfig(), **raw))
        except ValueError as err:
            raise store.damaged(str(err)) from None

    def to_dict(self) -> dict[str, Any]:
        """The recorded settings (:data:`INDEXED`), as stored in the index."""
        return {name: getattr(self.config, name) for name in INDEXED}


#: Allowed values of each setting: (int, lowest, highest) or (float, above, at most).
_RANGES: dict[str, tuple[type, float, float]] = {
    "shingle": (int, 1, 100),
    "num_perm": (int, 2, 4096),  # datasketch's LSH needs 2; its band search grows with the square
    "threshold": (float, 0.0, 1.0),
    "containment": (float, 0.0, 1.0),
    "window": (int, 1, 100),
    "min_words": (int, 0, 10_000),
    "gap": (int, 0, 10_000),
    "short_sentence": (int, 0, 1_000_000),
    "template_docs": (int, 1, 2**31),
}


@dataclass(frozen=True)
class Span:
    """Sentences ``first..last`` of a document and their character span ``start..end``."""

    doc: str
    lang: str
    first: int
    last: int
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc, "lang": self.lang, "first": self.first, "last": self.last,
                "start": self.start, "end": self.end}


@dataclass(frozen=True)
class IndexMatch:
    """A passage of a queried document found in an indexed one.

    ``score`` is the mean shingle containment of the matched passages (1.0: copied
    verbatim), ``jaccard`` their mean shingle Jaccard; ``text`` is the queried passage.
    A translation found by ``--cross-lingual`` has ``margin`` (the mean ratio margin of its
    sentence pairs, as ``align dedup`` reports it) instead, and its ``score`` is their mean
    cosine; its ``jaccard`` is 0.
    """

    query: Span
    indexed: Span
    score: float
    jaccard: float
    text: str
    margin: float | None = None

    def to_dict(self) -> dict[str, Any]:
        similarity = {"jaccard": round(self.jaccard, 4)} if self.margin is None else \
            {"margin": round(self.margin, 4), "kind": "cross-lingual"}
        return {"score": round(self.score, 4), **similarity,
                "query": {**self.query.to_dict(), "text": self.text}, "indexed": self.indexed.to_dict()}


@dataclass(frozen=True)
class QueryResult:
    """All matches of one queried document, in its sentence order."""

    doc: Document
    matches: tuple[IndexMatch, ...]


@dataclass(frozen=True)
class AddResult:
    """What :meth:`WireCopyIndex.add` did: documents added, already present, passages added,
    sentence vectors added (cross-lingual indexes only)."""

    added: int
    present: int
    passages: int
    vectors: int = 0


def digest(doc: Document) -> str:
    """Content identity of a document (its decoded text): the same article added twice,
    under any path, is indexed once, and never matches itself."""
    return hashlib.sha256(doc.text.encode("utf-8", "surrogatepass")).hexdigest()


def _key(doc: int, first: int, last: int) -> str:
    return f"{doc}:{first}:{last}"


def _parse_key(key: str, location: str = "") -> tuple[int, int, int]:
    """``(doc, first, last)`` of a key made by :func:`_key`; a store that hands back anything
    else (damaged, or written by something other than align) is refused in one line."""
    match = re.fullmatch(r"([0-9]{1,18}):([0-9]{1,18}):([0-9]{1,18})", key)
    if match is None or int(match[2]) > int(match[3]):
        raise InputError(f"index {location}: holds a passage key {key[:40]!r} that align did not write; "
                         "rebuild the index")
    return int(match[1]), int(match[2]), int(match[3])


class WireCopyIndex:
    """Add documents to, and query documents against, an index kept by a :class:`Store`."""

    def __init__(self, store: Store, settings: IndexSettings | None = None) -> None:
        raw = store.settings()
        existing = IndexSettings.stored(raw, store) if raw is not None else None
        if existing is not None and settings is not None and existing.to_dict() != settings.to_dict():
            diff = next(n for n in INDEXED if getattr(existing.config, n) != getattr(settings.config, n))
            raise InputError(
                f"index {store.location} was built with {diff}={getattr(existing.config, diff)}, not "
                f"{getattr(settings.config, diff)}; use its settings or another index"
            )
        self.settings = existing or settings or IndexSettings()
        self.store = store
        self.hasher = MinHasher(num_perm=self.settings.config.num_perm, shingle=self.settings.config.shingle)
        store.open_lsh(self.hasher, self.settings.to_dict())

    def _passages(self, docs: list[Document], doc_words: list[list[list[str]]]
                  ) -> tuple[list[Unit], list[np.ndarray], np.ndarray]:
        s = self.settings.config
        units, texts = units_of(doc_words, s.window, s.min_words)
        shingles = self.hasher.shingles(texts)
        return units, shingles, self.hasher.signatures(shingles)

    def _short_lines(self, doc: Document, words: list[list[str]]) -> dict[int, str]:
        """Short sentences of a document by id, keyed by their words (as ``boilerplate.py``)."""
        return {s.id: " ".join(words[s.id]) for s in doc.sentences
                if len(s.text.strip()) < self.settings.config.short_sentence and words[s.id]}

    def _template(self, docs: list[Document], doc_words: list[list[list[str]]]) -> set[tuple[int, int]]:
        """``(doc, sentence)`` ids of page-template lines: short sentences found in at least
        ``template_docs`` documents of the index and the queried documents together."""
        short = [self._short_lines(d, w) for d, w in zip(docs, doc_words)]
        here: dict[str, int] = {}
        for lines in short:
            for key in set(lines.values()):
                here[key] = here.get(key, 0) + 1
        keys = sorted(here)
        indexed = dict(zip(keys, self.store.line_counts(keys)))
        limit = self.settings.config.template_docs
        return {(d, sid) for d, lines in enumerate(short) for sid, key in lines.items()
                if here[key] + indexed[key] >= limit}

    def add(self, docs: list[Document], cross_lingual: bool = False) -> AddResult:
        """Index every document not indexed yet (by content); call :meth:`save` after.

        ``cross_lingual`` makes a new index keep sentence vectors (for ``query(...,
        cross_lingual=True)``); an index that keeps them embeds every document added to it,
        with or without the flag, so none of its documents lacks them.
        """
        docs = [prepare_document(d) for d in docs]
        if cross_lingual and self.store.vector_info() is None:
            self._enable_vectors()
        digests = [digest(d) for d in docs]
        with self.store.guard():
            known = self.store.doc_ids_for(digests)
        new, seen = [], set()
        for doc, dg, k in zip(docs, digests, known):
            if k is None and dg not in seen:
                seen.add(dg)
                new.append((doc, dg))
        if not new:
            return AddResult(0, len(docs), 0)
        with self.store.guard():
            first_id = self.store.new_doc_ids(len(new))
            new_docs = [doc for doc, _ in new]
            doc_words = sentence_words(new_docs)
            units, shingles, signatures = self._passages(new_docs, doc_words)
            records = {
                first_id + i: {"path": doc.name, "lang": doc.lang, "digest": dg,
                               "spans": [x for s in doc.sentences for x in (s.start, s.end)]}
                for i, (doc, dg) in enumerate(new)
            }
            keys = [_key(first_id + u.doc, u.first, u.last) for u in units]
            self.store.put(records, keys, shingles, signatures)
            self.store.count_lines([k for d, w in zip(new_docs, doc_words) for k in set(self._short_lines(d, w).values())])
            vectors = self._add_vectors(new_docs, first_id) if self.store.vector_info() is not None else 0
        return AddResult(len(new), len(docs) - len(new), len(keys), vectors)

    def _encoder(self):
        from align.embed import load_encoder

        return load_encoder(self.store.vector_info()["model"], cache=True)

    def _enable_vectors(self) -> None:
        """Make this index keep sentence vectors: refused when it already holds documents
        without them (a cross-lingual lookup would silently miss those)."""
        from align.embed import load_encoder
        from align.settings import DEFAULT_MODEL
        from align.wirecopy.mining import mining_vectors

        with self.store.guard():
            n = self.store.counts()[0]
            if n:
                loc = self.store.location
                raise InputError(f"index {loc} holds {n} documents without sentence vectors (it was built without "
                                 f"--cross-lingual); re-add its files to a new index: 'align index add "
                                 f"--cross-lingual FILE... --index NEW'")
            half = self.settings.config.half_weight
            dims = mining_vectors(load_encoder(DEFAULT_MODEL, cache=False), ["dims"], half).shape[1]
            self.store.enable_vectors({"model": DEFAULT_MODEL, "half_weight": half, "dims": dims})

    def _add_vectors(self, docs: list[Document], first_id: int) -> int:
        """Embed the sentences of new documents ``first_id``, ``first_id + 1``, ... and store them by language."""
        from align.index.crosslingual import eligible, sentence_vectors

        info, encoder, added = self.store.vector_info(), self._encoder(), 0
        for i, doc in enumerate(docs):
            ids = eligible(doc, self.settings.config)
            if not ids:
                continue
            vectors = sentence_vectors(encoder, doc, ids, info["half_weight"])
            if vectors.shape[1] != info["dims"]:
                raise InputError(f"index {self.store.location}: its sentence vectors have {info['dims']} "
                                 f"dimensions, model {info['model']} gives {vectors.shape[1]}; rebuild the index")
            owners = np.array([[first_id + i, sid] for sid in ids], dtype=np.int64)
            self.store.language_vectors(doc.lang, create=True).add(vectors, owners)
            added += len(ids)
        return added

    def query(self, docs: list[Document], cross_lingual: bool = False) -> list[QueryResult]:
        """Passages of each document found in the index (the documents are not added);
        with ``cross_lingual``, translations of indexed passages too."""
        docs = [prepare_document(d) for d in docs]
        if cross_lingual and self.store.vector_info() is None:
            raise self.store.no_vectors()
        own = [digest(d) for d in docs]
        s = self.settings.config
        doc_words = sentence_words(docs)
        units, shingles, signatures = self._passages(docs, doc_words)
        with self.store.guard():
            template = self._template(docs, doc_words)
            found = self.store.lsh.query_many(signatures)
            cand_keys = sorted({k for keys in found for k in keys})
            where = {k: _parse_key(k, self.store.location) for k in cand_keys}  # checked before any use
            cand_shingles = dict(zip(cand_keys, self.store.get_shingles(cand_keys)))
            records = self.store.get_docs(sorted({d for d, _, _ in where.values()}))
        # Indexed units get doc numbers after the queried ones, so one Unit space holds both.
        offset = len(docs)
        matches: list[UnitMatch] = []
        for unit, sh, keys in zip(units, shingles, found):
            # page furniture ("Leave a Reply") recurs everywhere but was copied by nobody
            content = [w for i in range(unit.first, unit.last + 1) if (unit.doc, i) not in template
                       for w in doc_words[unit.doc][i]]
            if len(content) < s.min_words:
                continue
            # with template lines in the passage, its own text must be what matches
            core = self.hasher.shingles([content])[0] if len(content) < len(units_words(doc_words, unit)) else None
            for key in keys:
                d, first, last = where[key]
                rec, other = records.get(d), cand_shingles.get(key)
                if rec is None or other is None or rec["lang"] != docs[unit.doc].lang or rec["digest"] == own[unit.doc]:
                    continue
                jac, con = jaccard_containment(sh, other)
                if core is not None and jaccard_containment(core, other)[1] < s.threshold:
                    continue
                single = unit.first == unit.last and first == last
                if jac >= s.threshold or (single and con >= s.containment):
                    matches.append(UnitMatch(unit, Unit(offset + d, first, last), jac, con))

        stored: dict[str, Any] = dict(cand_shingles)  # indexed passages' shingles read so far
        queried: dict[Unit, Any] = {}

        def similar(ua: Unit, ub: Unit) -> bool:
            """A queried passage against an indexed one (stored shingles; short ones are not stored).

            Both sides' shingles are remembered: the same leftover sentences come up for
            every window around them, and with Redis each new key is a round trip."""
            key = _key(ub.doc - offset, ub.first, ub.last)
            if key not in stored:
                with self.store.guard():
                    stored[key] = self.store.get_shingles([key])[0]
            other = stored[key]
            if other is None:
                return False
            if ua not in queried:
                queried[ua] = self.hasher.shingles([units_words(doc_words, ua)])[0]
            jac, con = jaccard_containment(queried[ua], other)
            return jac >= s.threshold or con >= s.containment

        links = [Link(m.a.doc, m.a.first, m.a.last, m.b.doc, m.b.first, m.b.last, m.containment,
                      float(m.a.last - m.a.first + m.b.last - m.b.first + 2), m.jaccard)
                 for m in minimal_matches(matches, similar)]
        by_doc: dict[int, list[IndexMatch]] = {i: [] for i in range(len(docs))}
        for p in merge_links(links, s.gap):
            doc, rec = docs[p.a], records[p.b - offset]
            spans = rec["spans"]
            if 2 * p.b_last + 1 >= len(spans):  # keys and records that do not go together
                raise self.store.damaged(f"a passage key names sentence {p.b_last} of document {p.b - offset}, "
                                         f"which has {len(spans) // 2}")
            start, end = doc.sentences[p.a_first].start, doc.sentences[p.a_last].end
            by_doc[p.a].append(IndexMatch(
                Span(doc.name, doc.lang, p.a_first, p.a_last, start, end),
                Span(rec["path"], rec["lang"], p.b_first, p.b_last, spans[2 * p.b_first], spans[2 * p.b_last + 1]),
                p.score, p.margin, doc.text[start:end],
            ))
        if cross_lingual:
            for i, doc in enumerate(docs):
                by_doc[i].extend(self._translations(doc, own[i], {sid for d, sid in template if d == i}))
        return [
            QueryResult(doc, tuple(sorted(by_doc[i], key=lambda m: (m.query.first, -m.score, m.indexed.doc))))
            for i, doc in enumerate(docs)
        ]

    def _translations(self, doc: Document, own: str, template: set[int]) -> list[IndexMatch]:
        """Indexed passages that ``doc`` translates (:mod:`align.index.crosslingual`)."""
        from align.index.crosslingual import eligible, sentence_vectors, translated_passages

        config = self.settings.config
        ids = eligible(doc, config, template)
        if not ids:
            return []
        info = self.store.vector_info()
        qvec = sentence_vectors(self._encoder(), doc, ids, info["half_weight"])
        out = []
        with self.store.guard():
            same = self.store.language_vectors(doc.lang)
            for lang in self.store.vector_languages():
                other = self.store.language_vectors(lang)
                if lang == doc.lang or other is None:
                    continue
                docs_of = sorted(set(other.owners[:, 0].tolist()) | (set(same.owners[:, 0].tolist()) if same else set()))
                records = self.store.get_docs(docs_of)

                def lengths(rows: np.ndarray, other=other, records=records) -> np.ndarray:
                    spans = [records[int(d)]["spans"] for d in other.owners[rows, 0]]
                    return np.array([sp[2 * s + 1] - sp[2 * s] for sp, s in zip(spans, other.owners[rows, 1])],
                                    dtype=np.float64)

                def skip(d: int, records=records) -> bool:
                    return d not in records or records[d]["digest"] == own

                for p in translated_passages(doc, ids, qvec, other, same, lengths, skip, config):
                    rec = records[p.b]
                    spans = rec["spans"]
                    start, end = doc.sentences[p.a_first].start, doc.sentences[p.a_last].end
                    out.append(IndexMatch(
                        Span(doc.name, doc.lang, p.a_first, p.a_last, start, end),
                        Span(rec["path"], rec["lang"], p.b_first, p.b_last, spans[2 * p.b_first],
                             spans[2 * p.b_last + 1]),
                        p.score, 0.0, doc.text[start:end], p.margin,
                    ))
        return out

    def counts(self) -> tuple[int, int]:
        """Documents and passages in the index."""
        with self.store.guard():
            return self.store.counts()

    def save(self) -> None:
        self.store.save()

    def close(self) -> None:
        self.store.close()
