"""The ground truth of the wire-copy collection: what was planted where, and the collection itself.

Kept apart from the builder because the scorer (``bench/wirecopy.py``) and the tests
read the truth without caring how it was drawn: a :class:`Span` is a passage of one
article (character span and builder sentence ids), a :class:`TruePair` two members of
one copy event, an :class:`Event` a copied passage with all its members, a
:class:`Distractor` look-alike passages that are not copies, and a :class:`Benchmark`
the documents with all of these, its summary (:meth:`Benchmark.stats`) and a way to
write it to disk (:meth:`Benchmark.write`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from align.types import Document

KINDS = ("verbatim", "edited", "translated")

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

