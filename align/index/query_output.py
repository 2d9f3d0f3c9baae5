"""The reports of ``align index query``: text for a person, JSON for a program."""

from __future__ import annotations

from typing import Any

from align.index.archive import QueryResult
from align.textsafe import json_dumps, printable, shown_path
from align.wirecopy.report_output import snippet


def render_text(results: list[QueryResult], location: str, counts: tuple[int, int]) -> str:
    """One block per queried document: each passage found, where in the index it is, and its text.

    File names are shown with :func:`~align.textsafe.shown_path` (a name that is not
    UTF-8 as ``caf\\xe9.txt``), so any name can be printed."""
    lines = [f"index {location}: {counts[0]} documents, {counts[1]} passages"]
    for result in results:
        doc = result.doc
        n = len(result.matches)
        lines.append("")
        lines.append(f"{shown_path(doc.name)} ({doc.lang}, {len(doc)} sentences): "
                     f"{n} passage{'s' if n != 1 else ''} found in the index")
        for i, m in enumerate(result.matches, 1):
            q, x = m.query, m.indexed
            similarity = f"jaccard {m.jaccard:.3f}" if m.margin is None else f"margin {m.margin:.3f}, cross-lingual"
            lines.append(f"  [{i}] score {m.score:.3f} ({similarity})")
            lines.append(f"      here:    chars {q.start}-{q.end}, sentences {q.first}-{q.last}")
            lines.append(f"      indexed: {shown_path(x.doc)} [{printable(x.lang, keep_newlines=False)}] "
                         f"chars {x.start}-{x.end}, sentences {x.first}-{x.last}")
            lines.append(f"      {snippet(m.text)}")
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
    """:func:`to_dict` as JSON text; a file name that is not UTF-8 keeps its bad bytes as
    ``\\udcXX`` escapes (:func:`~align.textsafe.json_dumps`), so ``os.fsencode`` of the
    parsed name is the file's name again."""
    return json_dumps(to_dict(results, location, counts, settings), indent=2) + "\n"
