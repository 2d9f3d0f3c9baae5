"""Running the real-document benchmark: align every form of a page, score it, sum the pages.

For each page (:mod:`bench.real_docs_data` renders it), the paragraph-per-line rendering is
aligned first (English source, German target): its beads are the reference. Then each
other form of the same page is aligned the same way and scored against it with
:mod:`bench.real_docs_score`. Every form is read as a user would give it to ``align
pair``: the public :func:`align.api.align_files` with the default reading (format from the
extension, ``--layout auto``, HTML in its default mode), the bundled ``use-m3`` model and
the default search. The encoder is loaded once before any timing and the embedding cache
is off, so ``seconds`` is reading + segmentation + embedding + search of one pair, and no
form is faster because an earlier form embedded the same sentences.

A form whose reader is not registered (:data:`align.plugins.READERS`), or a copy this
machine could not build, is recorded with a ``status`` that says so instead of a score.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from align.api import align_files
from align.errors import AlignError
from align.types import Alignment
from bench.real_docs_data import Rendered
from bench.real_docs_score import (
    FragmentScore,
    PairScore,
    bead_fragments,
    differing_pairs,
    exact_key,
    key,
    pair_score,
    raw_key,
)

SRC_LANG, TGT_LANG = "en", "de"
MODEL = "use-m3"


@dataclass(frozen=True)
class Form:
    """One way of giving a page to the aligner: the rendered file, the reader it needs, the
    F1 it should reach against the reference, and whether only the copied pages have it."""

    name: str
    file: str
    reader: str
    target: float | None
    copy: bool = False


FORMS: tuple[Form, ...] = (
    Form("reference", "reference", "text", None),
    Form("wrapped", "wrapped", "text", 0.98),
    Form("html", "html", "html", 0.98),
    Form("docx", "docx", "docx", 0.97, copy=True),
    Form("pdf", "pdf", "pdf", 0.97, copy=True),
    Form("markdown", "md", "markdown", 0.97, copy=True),
)
#: Largest share of beads that may be fragments, in every form.
FRAGMENT_TARGET = 0.01


def registered_readers() -> set[str]:
    """The input formats this checkout can read."""
    from align.plugins import READERS

    return set(READERS.names())


def align_form(rendered: Rendered, form: Form) -> tuple[Alignment, float]:
    """Align the English and German files of ``form`` as ``align pair`` would; wall seconds."""
    start = time.perf_counter()
    alignment = align_files(str(rendered.path(SRC_LANG, form.file)), str(rendered.path(TGT_LANG, form.file)),
                            SRC_LANG, TGT_LANG, model=MODEL, cache=False)
    return alignment, time.perf_counter() - start


def pairs_of(alignment: Alignment) -> list[tuple[str, str]]:
    """The matched beads' (source text, target text)."""
    return [(src, tgt) for _, src, tgt in alignment.pairs()]


def sides_of(alignment: Alignment) -> tuple[list[str], list[str]]:
    """Every bead's source side and target side text (empty for a missing side), in order."""
    src_s, tgt_s = alignment.src.sentences, alignment.tgt.sentences
    return ([" ".join(src_s[i].text for i in bead.src) for bead in alignment.beads],
            [" ".join(tgt_s[j].text for j in bead.tgt) for bead in alignment.beads])


def score_form(alignment: Alignment, reference: Alignment, furniture: frozenset[str],
               examples: int = 0) -> dict[str, Any]:
    """A form's figures against the reference alignment (see :mod:`bench.real_docs_score`)."""
    got, want = pairs_of(alignment), pairs_of(reference)
    strict = pair_score(got, want, furniture, exact_key)
    loose = pair_score(got, want, furniture, key)
    raw = pair_score(got, want, furniture, raw_key)
    src_sides, tgt_sides = sides_of(alignment)
    fragments = bead_fragments(src_sides, tgt_sides, [s.text for s in reference.src.sentences],
                               [s.text for s in reference.tgt.sentences], furniture)
    out: dict[str, Any] = {
        "status": "ok", "beads": len(alignment.beads), "pairs": strict.predicted, "reference_pairs": strict.reference,
        "matched": strict.matched, "matched_loose": loose.matched, "matched_raw": raw.matched, "units": fragments.units,
        "fragments": fragments.fragments, "extra": fragments.extra,
        "src_layout": alignment.src.layout, "tgt_layout": alignment.tgt.layout,
        "src_sentences": len(alignment.src.sentences), "tgt_sentences": len(alignment.tgt.sentences),
    }
    if examples:
        only_form, only_ref = differing_pairs(got, want, furniture, exact_key)
        out["only_form"] = [list(p) for p in only_form[:examples]]
        out["only_reference"] = [list(p) for p in only_ref[:examples]]
    return out


def run_page(rendered: Rendered, forms: tuple[Form, ...], readers: set[str], examples: int = 0) -> dict[str, Any]:
    """Every form of one page: its figures, or why it has none."""
    reference, seconds = align_form(rendered, FORMS[0])
    out: dict[str, Any] = {}
    for form in forms:
        if form.reader not in readers:
            out[form.name] = {"status": f"no {form.reader} reader in this checkout"}
            continue
        if not rendered.path(SRC_LANG, form.file).is_file():
            if form.copy:
                continue  # not one of the copied pages (or the copies could not be built)
            out[form.name] = {"status": f"{rendered.path(SRC_LANG, form.file).name} missing"}
            continue
        try:
            alignment, took = (reference, seconds) if form.name == "reference" else align_form(rendered, form)
        except AlignError as exc:
            out[form.name] = {"status": f"align failed: {exc}"}
            continue
        out[form.name] = {**score_form(alignment, reference, rendered.furniture, examples), "seconds": took}
    return out


def totals(pages: dict[str, dict[str, Any]], forms: tuple[Form, ...]) -> dict[str, dict[str, Any]]:
    """Per form, the pages' counts added up (micro-averaged F1 and fragment share) and the targets."""
    out: dict[str, dict[str, Any]] = {}
    for form in forms:
        rows = [page[form.name] for page in pages.values() if form.name in page]
        scored = [row for row in rows if row["status"] == "ok"]
        if not scored:
            statuses = sorted({row["status"] for row in rows}) or ["no page has this form"]
            out[form.name] = {"status": "; ".join(statuses), "target": form.target}
            continue
        strict = sum((PairScore(r["matched"], r["pairs"], r["reference_pairs"]) for r in scored), PairScore(0, 0, 0))
        loose = sum((PairScore(r["matched_loose"], r["pairs"], r["reference_pairs"]) for r in scored),
                    PairScore(0, 0, 0))
        raw = sum((PairScore(r["matched_raw"], r["pairs"], r["reference_pairs"]) for r in scored),
                  PairScore(0, 0, 0))
        frag = sum((FragmentScore(r["units"], r["fragments"], r["extra"]) for r in scored), FragmentScore(0, 0, 0))
        met_f1 = None if form.target is None else strict.f1 >= form.target
        met_frag = frag.fragment_share < FRAGMENT_TARGET
        out[form.name] = {
            "status": "ok" if len(scored) == len(rows) else f"{len(rows) - len(scored)} page(s) failed",
            "pages": len(scored), "beads": sum(r["beads"] for r in scored),
            "f1": strict.f1, "precision": strict.precision, "recall": strict.recall, "f1_loose": loose.f1,
            "f1_raw": raw.f1,
            "fragment_share": frag.fragment_share, "extra_share": frag.extra_share,
            "seconds": sum(r["seconds"] for r in scored),
            "target": form.target, "f1_met": met_f1, "fragments_met": met_frag,
            "met": bool(met_frag and met_f1 is not False and len(scored) == len(rows)),
        }
    return out
