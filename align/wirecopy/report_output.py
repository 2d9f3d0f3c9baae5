"""The human-readable form of a wire-copy report (``align dedup`` without ``--json``) and its JSON.

Both show text from the user's files: the human form through
:func:`~align.textsafe.printable` (a terminal escape sequence in an article is shown,
never obeyed), the JSON through :func:`~align.textsafe.json_dumps` (a non-UTF-8 file
name is kept, not a crash).
"""

from __future__ import annotations

from align.textsafe import json_dumps, printable, shown_path
from align.wirecopy.report import Cluster, WireCopyReport


def snippet(text: str, width: int = 100) -> str:
    """A passage on one line, cut at ``width`` characters, safe to print (shared with the index's report)."""
    flat = " ".join(text.split())
    flat = flat if len(flat) <= width else flat[: width - 1] + "…"
    return printable(flat)


def _cluster_lines(label: str, cluster: Cluster) -> list[str]:
    extra = ", ".join(f"{k} {v:.3f}" for k, v in cluster.details.items())
    lines = [f"{label} {cluster.kind}, score {cluster.score:.3f}" + (f" ({extra})" if extra else "")]
    for m in cluster.members:
        lines.append(f"    {shown_path(m.doc)} [{m.lang}] chars {m.start}-{m.end}, sentences {m.first}-{m.last}")
        lines.append(f"      {snippet(m.text)}")
    return lines


def render_text(report: WireCopyReport) -> str:
    """One block per shared passage: kind, score, and each member's document, span and text."""
    docs = ", ".join(f"{shown_path(d.name)} ({d.lang})" for d in report.documents)
    lines = [
        f"{len(report.documents)} documents: {docs}",
        f"{len(report.clusters)} shared passages, {len(report.repeats)} in-document repeats",
    ]
    for i, cluster in enumerate(report.clusters, 1):
        lines.append("")
        lines.extend(_cluster_lines(f"[{i}]", cluster))
    for i, cluster in enumerate(report.repeats, 1):
        lines.append("")
        lines.extend(_cluster_lines(f"[repeat {i}]", cluster))
    return "\n".join(lines) + "\n"


def render_json(report: WireCopyReport) -> str:
    """The JSON contract of ``align dedup --json``."""
    return json_dumps(report.to_dict(), indent=2) + "\n"
