"""The review page: one self-contained HTML file for an alignment.

A reviewer opens it in any browser, from disk or as an e-mail attachment, with no server
and no network: the style sheet and the small script are inlined, and a Content Security
Policy lets only those two (by hash) run and load nothing else. Every piece of document
text goes through :func:`html.escape`, so an article containing ``<script>`` or ``</td>``
shows it as text; the policy is a second line of defence should an escape ever be missed.

Each bead is one row, source beside target (stacked on a phone), with its score. Beads
below ``low_score`` and sentences without a counterpart are marked; with a wire-copy
report, sentences in passages shared with other documents are highlighted and the
passages are listed. Every sentence of both documents is on the page exactly once.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from align import __version__
from align.errors import AlignError
from align.export.base import format_score
from align.export.beads import format_bead
from align.settings import FilterSettings
from align.types import Alignment, Bead, Document

if TYPE_CHECKING:  # pragma: no cover
    from align.wirecopy import WireCopyReport

#: Matched beads scoring below this are marked "low confidence" (about the weakest tenth on
#: the Text+Berg dev set with use-m3).
LOW_SCORE = 0.5


@dataclass(frozen=True)
class WireMark:
    """A shared passage touching a sentence of the pair: its number on the page and a label."""

    number: int
    label: str


def _asset(name: str) -> str:
    """A file shipped beside this module; read at render time so the page inlines it (no external links)."""
    return resources.files("align.report").joinpath(name).read_text(encoding="utf-8")


def _csp_hash(code: str) -> str:
    """The CSP source for exactly this inline code: only our own style and script may run, nothing injected."""
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def esc(text: object) -> str:
    """Text for an HTML text node or a quoted attribute value."""
    return html.escape(str(text), quote=True)


def _stem(doc: Document, fallback: str) -> str:
    """The file stem that names the page's downloads (``SRC-TGT.reviewed.beads``); stdin has none."""
    if doc.path in (None, "-"):
        return fallback
    return Path(doc.path).stem or fallback


def _ids(ids: Iterable[int]) -> str:
    """Sentence ids as the ``data-*`` attributes hold them, for the inline script to read back."""
    return ",".join(map(str, ids))


def wire_marks(alignment: Alignment, report: WireCopyReport) -> tuple[dict[tuple[str, int], list[WireMark]], list[str]]:
    """Which sentences of the pair lie in shared passages, and the HTML list items describing them.

    ``report`` is a :class:`~align.wirecopy.WireCopyReport` over a collection that includes
    both documents of the alignment (members are matched by document name, sentences by id).
    Passages shared with other documents and repeats inside one document are highlighted;
    a passage shared only by the pair's two documents is listed but not highlighted, since
    the alignment itself already shows it (highlighting it would colour most of the page).
    """
    sides = {alignment.src.name: "src", alignment.tgt.name: "tgt"}
    langs = {"src": alignment.src.lang, "tgt": alignment.tgt.lang}
    marks: dict[tuple[str, int], list[WireMark]] = {}
    items: list[str] = []
    clusters = [(c, c.kind) for c in report.clusters] + [(c, "in-document repeat") for c in report.repeats]
    for cluster, kind in clusters:
        if not any(m.doc in sides for m in cluster.members):
            continue
        number = len(items) + 1
        others = sorted({Path(m.doc).name for m in cluster.members if m.doc not in sides})
        if kind == "in-document repeat":
            label = f"wire copy [{number}]: repeated within the same document"
        elif others:
            label = f"wire copy [{number}]: {kind}, score {cluster.score:.2f}, shared with {', '.join(others)}"
        else:
            label = ""  # only between the pair's own documents: the alignment shows it
        parts = []
        for m in cluster.members:
            side = sides.get(m.doc)
            where = f"sentences {m.first}–{m.last}" if m.last > m.first else f"sentence {m.first}"
            if side is None:
                parts.append(
                    f"<li>{esc(m.doc)} [{esc(m.lang)}], {where}<blockquote>{esc(m.text)}</blockquote></li>"
                )
                continue
            if label:
                for i in range(m.first, m.last + 1):
                    marks.setdefault((side, i), []).append(WireMark(number, label))
            parts.append(
                f'<li><a href="#s-{side}-{m.first}">{esc(langs[side])} {where}</a> of {esc(m.doc)} (this pair)</li>'
            )
        note = "" if label else " — between the two documents of this pair (not highlighted: the beads show it)"
        items.append(
            f'<li id="w{number}"><strong>[{number}] {esc(kind)}</strong>, score {cluster.score:.2f}{esc(note)}'
            f"<ul>{''.join(parts)}</ul></li>"
        )
    return marks, items


def _sentences(doc: Document, ids: tuple[int, ...], side: str, marks: dict[tuple[str, int], list[WireMark]]) -> str:
    if not ids:
        return '<span class="none">no counterpart</span>'
    out = []
    for i in ids:
        found = marks.get((side, i), [])
        cls = "s wire" if found else "s"
        title = f' title="{esc("; ".join(w.label for w in found))}"' if found else ""
        numbers = f' data-wire="{_ids(w.number for w in found)}"' if found else ""
        out.append(
            f'<span class="{cls}" id="s-{side}-{i}" data-id="{i}"{numbers}{title}>{esc(doc.sentences[i].text)}</span>'
        )
    return "".join(out)


def _score(bead: Bead) -> str:
    """The score exactly as a bead file writes it, so the page's export matches ``--format beads``."""
    return format_bead(bead).rsplit(":", 1)[1]


def _bead(
    k: int, bead: Bead, alignment: Alignment, low_score: float, marks: dict[tuple[str, int], list[WireMark]],
    moved: frozenset[int] = frozenset(), removed_by: str | None = None,
) -> str:
    """One bead as a row; its ids and score are in ``data-*`` attributes so the export needs no other copy.

    ``removed_by``: the TM filter that leaves the bead out of the page's TMX download
    (:func:`align.export.filters.judge`), shown on the row and kept in ``data-filter``.
    """
    classes = ["bead"] + (["moved"] if k in moved else [])
    tm = ""  # what the page's TMX download needs beyond the bead file's data
    if not bead.is_match:
        classes.append("gap")
        score = "unmatched"
        mark = ""
    else:
        if bead.score < low_score:
            classes.append("low")
        score = (f"score {bead.score:.3f}" + (" (low)" if bead.score < low_score else "")
                 + (" · moved passage" if k in moved else ""))
        mark = '<label><input type="checkbox" class="mark"> wrong</label>'
        kind = alignment.content(bead)
        tm = f' data-tmx-score="{format_score(bead.score)}"' + (f' data-kind="{esc(kind)}"' if kind != "text" else "")
    if removed_by is not None:
        classes.append("filtered")
        tm += f' data-filter="{esc(removed_by)}"'
        mark += f'<span class="filter">TM filter: {esc(removed_by)}</span>'
    src_label = f"{alignment.src.lang} (source)"
    tgt_label = f"{alignment.tgt.lang} (target)"
    return (
        f'<article class="{" ".join(classes)}" id="b{k}" data-index="{k}" data-src="{_ids(bead.src)}" '
        f'data-tgt="{_ids(bead.tgt)}" data-score="{_score(bead)}"{tm}>'
        f'<div class="meta"><a class="n" href="#b{k}">#{k}</a><span class="kind">{bead.kind}</span>'
        f'<span class="score">{score}</span>{mark}</div>'
        f'<div class="side src" lang="{esc(alignment.src.lang)}" data-label="{esc(src_label)}">'
        f"{_sentences(alignment.src, bead.src, 'src', marks)}</div>"
        f'<div class="side tgt" lang="{esc(alignment.tgt.lang)}" data-label="{esc(tgt_label)}">'
        f"{_sentences(alignment.tgt, bead.tgt, 'tgt', marks)}</div>"
        "</article>"
    )


def _summary(alignment: Alignment, low_score: float, removed: dict[str, int] | None = None) -> str:
    beads = alignment.beads
    matched = [b for b in beads if b.is_match]
    kinds: dict[str, int] = {}
    for b in matched:
        kinds[b.kind] = kinds.get(b.kind, 0) + 1
    src_only = sum(len(b.src) for b in beads if not b.tgt)
    tgt_only = sum(len(b.tgt) for b in beads if not b.src)
    low = sum(b.score < low_score for b in matched)
    text = (
        f"{len(beads)} beads: {len(matched)} matched ({', '.join(f'{k}: {v}' for k, v in sorted(kinds.items())) or 'none'}); "
        f"{src_only} {alignment.src.lang} and {tgt_only} {alignment.tgt.lang} sentences without counterpart; "
        f"{low} low-confidence (score below {low_score:g})"
    )
    if matched:
        text += f"; mean score {sum(b.score for b in matched) / len(matched):.3f}"
    if removed:
        text += (f"; {sum(removed.values())} left out of the TMX download by the TM filters ("
                 + ", ".join(f"{name}: {n}" for name, n in removed.items()) + ")")
    return esc(text)


#: The ``creationdate`` of the page's TMX header until the script sets the download's time.
_TMX_DATE_PLACEHOLDER = "19700101T000000Z"


def _tmx_frame(alignment: Alignment) -> tuple[str, str] | None:
    """The TMX file the page's download fills in, split where its units go: everything up to
    ``<body>`` (the header ``align pair --format tmx`` writes for this alignment, filter
    settings and counts included) and what follows them. None when the alignment cannot be
    written as TMX (a language code missing): the page then offers no TMX download. The
    header's ``creationdate`` is a placeholder the page's script replaces with the time of
    the download (when the reviewed TM is made), so the page itself stays reproducible."""
    import dataclasses
    import io

    from align.export.tmx import TmxExporter

    out = io.BytesIO()
    try:
        TmxExporter().write(dataclasses.replace(alignment, beads=()), out, creationdate=_TMX_DATE_PLACEHOLDER)
    except AlignError:
        return None
    text = out.getvalue().decode("utf-8")
    cut = text.index("<body>") + len("<body>")
    return text[:cut], text[cut:]


def _settings(alignment: Alignment) -> str:
    parts = []
    for key, value in alignment.settings.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        parts.append(f"{key}: {value}")
    return esc(" · ".join(parts) or "settings not recorded")


def _doc_row(label: str, doc: Document) -> str:
    return f"<dt>{esc(label)}</dt><dd>{esc(doc.name)} ({esc(doc.lang)}, {len(doc)} sentences, {esc(doc.encoding)})</dd>"


def render_html(
    alignment: Alignment,
    *,
    wirecopy: WireCopyReport | None = None,
    low_score: float = LOW_SCORE,
    title: str | None = None,
    filters: FilterSettings | None = None,
) -> str:
    """The review page for ``alignment`` as one HTML string.

    ``wirecopy``: a :class:`~align.wirecopy.WireCopyReport` over a collection containing
    both documents, whose shared passages are highlighted. ``low_score``: matched beads
    scoring below it are marked low-confidence. ``title``: the page title (default: the
    two document names). ``filters``: the TM filters, applied when the page is built: the
    beads they remove are marked, recorded in the JSON download and left out of the TMX
    download (whose header records the settings and counts); the bead file download
    always lists every sentence.
    """
    from align.export.filters import apply_filters, decisions

    filters = filters if filters is not None and filters.active() else None
    removed_by = decisions(alignment, filters) if filters else [None] * len(alignment.beads)
    filtered, removed = apply_filters(alignment, filters, removed_by)
    frame = _tmx_frame(filtered)
    css, js = _asset("report.css"), _asset("report.js")
    src, tgt = alignment.src, alignment.tgt
    marks, wire_items = wire_marks(alignment, wirecopy) if wirecopy is not None else ({}, [])
    page_title = title or f"Alignment review: {src.name} ({src.lang}) – {tgt.name} ({tgt.lang})"
    policy = (
        f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    stem = f"{_stem(src, 'src')}-{_stem(tgt, 'tgt')}"
    legend = [
        '<li class="k-low">low-confidence bead</li>',
        '<li class="k-gap">sentence without counterpart</li>',
        '<li class="k-wrong">marked wrong by you</li>',
    ]
    if alignment.moved():
        legend.insert(2, '<li class="k-moved">moved passage: aligned out of document order</li>')
    if any(removed_by):
        legend.append('<li class="k-filtered">left out of the TMX download by a TM filter</li>')
    if wirecopy is not None:
        legend.append('<li class="k-wire">wire copy shared with another document</li>')
    if wirecopy is None:
        wire = ""
    elif wire_items:
        wire = (
            f'<section id="wire"><h2>Wire copy: {len(wire_items)} shared passages touching this pair '
            f"(collection of {len(wirecopy.documents)} documents)</h2><ol>{''.join(wire_items)}</ol></section>"
        )
    else:
        wire = (
            f'<section id="wire"><h2>Wire copy</h2><p>No passage of this pair is shared with the other '
            f"{len(wirecopy.documents) - 2} documents of the collection.</p></section>"
        )
    moved = alignment.moved()
    rows = "".join(_bead(k, b, alignment, low_score, marks, moved, removed_by[k]) for k, b in enumerate(alignment.beads))
    tmx_button = '<button type="button" id="export-tmx">Download TMX</button>' if frame else ""
    tm_data = (f' data-tmx-head="{esc(frame[0])}" data-tmx-tail="{esc(frame[1])}"' if frame else "") + (
        f' data-filters="{esc(json.dumps({"settings": filters.to_dict(), "removed": removed}, sort_keys=True))}"'
        if filters else "")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        f'<meta name="generator" content="align {esc(__version__)}">\n'
        f"<title>{esc(page_title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        f"<header>\n<h1>{esc(title or 'Alignment review')}</h1>\n"
        f'<dl class="docs">{_doc_row("Source", src)}{_doc_row("Target", tgt)}</dl>\n'
        f'<p class="summary">{_summary(alignment, low_score, removed)}</p>\n'
        f'<p class="settings">{_settings(filtered)}</p>\n'
        f'<ul class="legend">{"".join(legend)}</ul>\n'
        '<div class="tools">'
        '<label><input type="checkbox" id="only-flagged"> show only flagged beads</label>'
        '<button type="button" id="export-beads">Download corrected beads</button>'
        '<button type="button" id="export-json">Download corrected JSON</button>'
        f"{tmx_button}"
        '<span id="marked-count" aria-live="polite"></span></div>\n'
        '<textarea id="export-text" readonly hidden aria-label="corrected alignment"></textarea>\n'
        "</header>\n"
        f'<main id="beads" data-stem="{esc(stem)}" data-src-name="{esc(src.name)}" data-src-lang="{esc(src.lang)}" '
        f'data-src-count="{len(src)}" data-tgt-name="{esc(tgt.name)}" data-tgt-lang="{esc(tgt.lang)}" '
        f'data-tgt-count="{len(tgt)}"{tm_data}>\n'
        f'<div class="cols" aria-hidden="true"><span>bead</span><span>{esc(src.lang)} (source)</span>'
        f"<span>{esc(tgt.lang)} (target)</span></div>\n"
        f"{rows}\n</main>\n{wire}\n"
        f"<footer>Made by align {esc(__version__)}. Mark a bead as wrong to split it into unmatched "
        "sentences, then download the corrected beads (every sentence in exactly one bead; "
        "<code>align eval</code> reads them).</footer>\n"
        f"<script>{js}</script>\n</body>\n</html>\n"
    )
