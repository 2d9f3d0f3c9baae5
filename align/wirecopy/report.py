"""What the wire-copy finder reports: shared passages grouped into clusters.

A *member* is a passage of one document: a run of consecutive sentences, with its
character span in the document's decoded text (``text == document.text[start:end]``).
A *cluster* groups the members that share the same copy. Between documents its kind is
``"monolingual"`` (near-duplicate text in one language) or ``"cross-lingual"`` (a
translation); inside one document, repeated passages (a headline printed twice,
boilerplate) are reported separately with kind ``"in-document"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from align.types import Document


@dataclass(frozen=True, slots=True)
class Member:
    """A passage of one document: sentences ``first..last`` (inclusive) and their character span."""

    doc: str
    lang: str
    first: int
    last: int
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc, "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class Cluster:
    """Passages that share one copy; ``score`` in [0, 1] says how sure the match is.

    For monolingual clusters the score is the containment of the shorter passage's word
    shingles in the longer one's (``jaccard`` is kept beside it); for cross-lingual ones
    it is the mean calibrated similarity of the aligned sentences.
    """

    kind: str
    score: float
    members: tuple[Member, ...]
    details: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "score": round(self.score, 4)}
        out.update({k: round(v, 4) for k, v in self.details.items()})
        out["members"] = [m.to_dict() for m in self.members]
        return out


@dataclass(frozen=True)
class WireCopyReport:
    """Everything ``align dedup`` found in a collection, and the settings used."""

    documents: tuple[Document, ...]
    clusters: tuple[Cluster, ...]
    repeats: tuple[Cluster, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``align dedup --json`` (plus ``repeats`` and ``settings``)."""
        return {
            "documents": [{"doc": d.name, "lang": d.lang} for d in self.documents],
            "clusters": [c.to_dict() for c in self.clusters],
            "repeats": [c.to_dict() for c in self.repeats],
            "settings": self.settings,
        }
