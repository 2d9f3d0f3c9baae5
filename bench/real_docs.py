"""Real documents in: do wrapped text, HTML, DOCX, PDF and Markdown give the pairs a clean text gives?

Issue 17's benchmark. German man pages from Debian's ``manpages-de`` and their English
originals, as installed on this machine, are rendered at run time
(:mod:`bench.real_docs_data`): the wrapped text ``man`` prints at an 80-column terminal,
groff's HTML, and one paragraph per line (the reference). Four of them are also copied
into DOCX, PDF and Markdown (:mod:`bench.real_docs_copies`). Every form of a page is
aligned English -> German with the public API's defaults, as ``align pair en.X de.X``
would (:mod:`bench.real_docs_run`), and compared with the alignment of the
paragraph-per-line reference (:mod:`bench.real_docs_score`):

* ``beads``: all beads of the form, over the pages;
* ``F1``: the form's matched pairs against the reference's, as multisets of (source text,
  target text) with white space collapsed (and soft hyphens and leading list markers
  dropped), micro-averaged over the pages; ``P``/``R`` its precision and recall;
* ``F1 loose``: the same with hyphens inside words ignored, so ``F1 loose - F1`` is what
  line-end hyphenation left in the text and ``1 - F1 loose`` is segmentation and alignment;
* ``frag``: the share of beads with a side that neither starts nor ends at a sentence
  boundary of the reference's segmentation (``extra``: beads of text the reference lacks);
* ``s``: seconds of reading, segmenting, embedding and aligning, over the pages.

Targets (issue 17): wrapped and HTML F1 >= 0.98, DOCX/PDF/Markdown >= 0.97, fragments
below 1% in every form.

Usage::

    python -m bench.real_docs [--docs N] [--pages NAME ...] [--json] [--save record.json]
                              [--examples K] [--rebuild] [--data-dir DIR]

Needs ``man``, ``groff`` and the packages ``manpages-de`` and ``manpages`` (``.ci/run``
installs them), and for the copies python-docx, reportlab, markdown-it-py and pypdf (pyphen
to hyphenate the PDFs). A page that is not installed is left out with a line naming its
missing files. Rendered pages are cached in ``bench/data/real_docs/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/real_docs.py: run it from the repository root as a module: python -m bench.real_docs")

from bench.real_docs_data import (
    DATA_DIR,
    DOCS,
    SETUP_HINT,
    build,
    missing_modules,
    missing_pages,
    missing_tools,
    name_of,
    versions,
)
from bench.real_docs_run import (
    FORMS,
    FRAGMENT_TARGET,
    MODEL,
    SRC_LANG,
    TGT_LANG,
    registered_readers,
    run_page,
    totals,
)


def choose_pages(names: list[str] | None, limit: int | None) -> tuple[list[str], list[str]]:
    """The pages to run (from :data:`DOCS`, in order) and a line for each one left out."""
    wanted = [d for d in DOCS if names is None or name_of(d) in names]
    unknown = sorted(set(names or ()) - {name_of(d) for d in DOCS})
    if unknown:
        raise SystemExit(f"bench.real_docs: unknown page(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(name_of(d) for d in DOCS)}")
    chosen, notes = [], []
    for doc in wanted:
        missing = missing_pages((doc,))
        if missing:
            notes.append(f"{name_of(doc)} left out: not installed: {', '.join(missing)}")
        else:
            chosen.append(doc)
    return (chosen[:limit] if limit else chosen), notes


def record(args: argparse.Namespace) -> dict[str, Any]:
    """Build the pages, run every form, and return the whole record."""
    tools = missing_tools()
    if tools:
        raise SystemExit(f"bench.real_docs: {', '.join(tools)} not found; install them: {SETUP_HINT}")
    pages, notes = choose_pages(args.pages, args.docs)
    if not pages:
        raise SystemExit(f"bench.real_docs: none of the pages is installed; {SETUP_HINT}\n" + "\n".join(notes))
    modules = missing_modules()
    if modules:
        notes.append(f"no DOCX/PDF/Markdown copies: {', '.join(modules)} not installed (pip install {' '.join(modules)})")
    readers = registered_readers()
    notes += [f"{form.name}: no {form.reader} reader in this checkout, form not scored"
              for form in FORMS if form.reader not in readers]
    from align.embed import load_encoder

    load_encoder(MODEL, cache=False)  # loaded once, before any timing
    tool_versions = versions()
    per_page: dict[str, dict[str, Any]] = {}
    for doc in pages:
        rendered = build(doc, args.data_dir, tool_versions, rebuild=args.rebuild, copies=not modules)
        print(f"  {rendered.name}{' (cached)' if rendered.cached else ''} ...", file=sys.stderr, flush=True)
        per_page[rendered.name] = run_page(rendered, FORMS, readers, args.examples)
    forms = totals(per_page, FORMS)
    scored = [f for f in FORMS if f.target is not None]
    return {
        "bench": "real_docs", "direction": f"{SRC_LANG}->{TGT_LANG}", "model": MODEL,
        "pages": list(per_page), "notes": notes, "tools": tool_versions,
        "targets": {**{f.name: f.target for f in scored}, "fragment_share_below": FRAGMENT_TARGET},
        "forms": forms, "per_page": per_page,
        "all_met": all(forms[f.name].get("met", False) for f in scored),
    }


def _cell(value: Any, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def print_table(rec: dict[str, Any]) -> None:
    """The per-form table, the targets and whether each is met."""
    print(f"Real documents: {len(rec['pages'])} man pages ({', '.join(rec['pages'])}), "
          f"{rec['direction']}, model {rec['model']}")
    for note in rec["notes"]:
        print(f"  note: {note}")
    head = f"{'form':<10} {'pages':>5} {'beads':>6} {'F1':>6} {'P':>6} {'R':>6} {'F1 loose':>8} {'F1 raw':>6} " \
           f"{'frag':>6} {'extra':>6} {'s':>7}  target"
    print(head)
    print("-" * len(head))
    for form in FORMS:
        row = rec["forms"][form.name]
        if "f1" not in row:
            print(f"{form.name:<10} {row['status']}")
            continue
        target = "" if form.target is None else (
            f"F1>={form.target:.2f} {'met' if row['f1_met'] else 'MISSED'}, "
            f"frag<{FRAGMENT_TARGET:.0%} {'met' if row['fragments_met'] else 'MISSED'}")
        if row["status"] != "ok":
            target += f" ({row['status']})"
        print(f"{form.name:<10} {row['pages']:>5} {row['beads']:>6} {_cell(row['f1'], '.3f'):>6} "
              f"{_cell(row['precision'], '.3f'):>6} {_cell(row['recall'], '.3f'):>6} {_cell(row['f1_loose'], '.3f'):>8} {_cell(row['f1_raw'], '.3f'):>6} "
              f"{row['fragment_share']:>6.2%} {row['extra_share']:>6.2%} {row['seconds']:>7.1f}  {target}")
    print(f"all targets met: {'yes' if rec['all_met'] else 'no'}")


def print_examples(rec: dict[str, Any]) -> None:
    """The pairs only a form has and those only the reference has, page by page."""
    for page, forms in rec["per_page"].items():
        for name, row in forms.items():
            if name == "reference" or not (row.get("only_form") or row.get("only_reference")):
                continue
            print(f"\n== {page} {name}: form pairs not in the reference / reference pairs not in the form")
            for tag, pairs in (("+", row.get("only_form", [])), ("-", row.get("only_reference", []))):
                for src, tgt in pairs:
                    print(f"{tag} {src[:150]!r}\n    {tgt[:150]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=None, help="run only the first N installed pages")
    parser.add_argument("--pages", nargs="+", default=None, metavar="NAME",
                        help=f"run only these pages (of: {', '.join(name_of(d) for d in DOCS)})")
    parser.add_argument("--json", action="store_true", help="print the record as JSON instead of the table")
    parser.add_argument("--save", type=Path, default=None, help="also write the JSON record to this file")
    parser.add_argument("--examples", type=int, default=0, metavar="K",
                        help="keep up to K differing pairs per page and form (printed after the table)")
    parser.add_argument("--rebuild", action="store_true", help="render the pages again even if cached")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where rendered pages are cached")
    args = parser.parse_args()
    if args.docs is not None and args.docs < 1:
        parser.error("--docs must be at least 1")
    rec = record(args)
    text = json.dumps(rec, indent=1, ensure_ascii=False)
    if args.save:
        args.save.write_text(text + "\n", encoding="utf-8")
    if args.json:
        print(text)
        return
    print_table(rec)
    if args.examples:
        print_examples(rec)


if __name__ == "__main__":
    main()
