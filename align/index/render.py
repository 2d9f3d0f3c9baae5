"""The reports of ``align index query``: text for a person, JSON for a program."""

from __future__ import annotations

import json
from typing import Any

from align.index.archive import QueryResult
from align.index.store import printable
from align.wirecopy.render import _snippet


def render_text(results: list[QueryResult], location: str, counts: tuple[int, int]) -> str:
    """One block per queried document: each passage found, where in the index it is, and its text.

    File names are shown with :func:`~align.index.store.printable` (a name that is not
    UTF-8 as ``caf\\xe9.txt``), so any name can be printed."""
    lines = [f"index {location}: {counts[0]} documents, {counts[1]} passages"]
    for result in results:
        doc = result.doc
        n = len(result.matches)
        lines.append("")
        lines.append(f"{printable(doc.name)} ({doc.lang}, {len(doc)} sentences): "
                     f"{n} passage{'s' if n != 1 else ''} found in the index")
        for i, m in enumerate(result.matches, 1):
            q, x = m.query, m.indexed
            lines.append(f"  [{i}] score {m.score:.3f} (jaccard {m.jaccard:.3f})")
            lines.append(f"      here:    chars {q.start}-{q.end}, sentences {q.first}-{q.last}")
            lines.append(f"      indexed: {printable(x.doc)} [{printable(x.lang)}] chars {x.start}-{x.end}, sentences {x.first}-{x.last}")
            lines.append(f"      {_snippet(m.text)}")
    return "\n".join(lines) + "\n"


def to_dict(results: list[QueryResult], location: str, counts: tuple[int, int],
            settings: dict[str, Any]) -> dict[str, Any]:
    """``{"index": {...}, "documents": [{"doc", "lang", "matches": [...]}]}``; ``start``/``end``
    are character offsets into each file's decoded text."""
    return {
        "index": {"location": location, "documents": counts[0], "passages": counts[1], "settings": settings},
        "documents": [
            {"doc": r.doc.name, "lang": r.doc.lang, "matches": [m.to_dict() for m in r.matches]} for r in results
        ],
    }


def render_json(results: list[QueryResult], location: str, counts: tuple[int, int],
                settings: dict[str, Any]) -> str:
    """:func:`to_dict` as JSON text. A file name that is not UTF-8 keeps its bad bytes as
    ``\\udcXX`` escapes (as ``os.fsdecode`` gives them to Python, so ``os.fsencode`` of the
    parsed name is the file's name again); everything else is written as it is."""
    text = json.dumps(to_dict(results, location, counts, settings), ensure_ascii=False, indent=2) + "\n"
    # a lone surrogate can only be inside a JSON string here, where "\udcXX" is its escape
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
