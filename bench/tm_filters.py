"""What the TM filters take out of a real translation memory: units kept and removed per filter.

Issue 19's before/after table. Two German man pages of Debian's ``manpages-de`` and their
English originals, rendered as ``man`` prints them at an 80-column terminal (the
``wrapped`` form of :mod:`bench.real_docs_data`: hard-wrapped, justified, hyphenated), are
aligned English -> German as ``align pair en.txt de.txt -s en -t de -o out.tmx`` would
(the public API's defaults). Each filter of :mod:`align.export.filters` is then applied
alone, and all of them together, and the table counts the TMX units (matched beads; TMX
leaves unmatched sentences out by default) each one keeps and removes.

Usage::

    python -m bench.tm_filters [--pages apt-get.8 gzip.1] [--examples K]

Needs ``man``, ``groff``, ``manpages-de`` and ``manpages`` (see :mod:`bench.real_docs_data`);
rendered pages are cached in ``bench/data/real_docs/``.
"""

from __future__ import annotations

import argparse
import sys

if not __package__:  # run as a file: see bench/__init__.py
    sys.exit("bench/tm_filters.py: run it from the repository root as a module: python -m bench.tm_filters")

from align.api import align_files
from align.export.filters import apply_filters, decisions
from align.settings import FilterSettings
from align.types import Alignment
from bench.real_docs_data import (
    DOCS,
    SETUP_HINT,
    build,
    missing_pages,
    missing_tools,
    name_of,
)

PAGES = ("apt-get.8", "gzip.1")

#: (row label, settings): each filter alone, then all of them, as the command line spells them.
ROWS: tuple[tuple[str, FilterSettings], ...] = (
    ("--min-score 0.5", FilterSettings(min_score=0.5)),
    ("--drop-identical", FilterSettings(drop_identical=True)),
    ("--drop-nonword", FilterSettings(drop_nonword=True)),
    ("--drop-kinds code,table", FilterSettings(drop_kinds=("code", "table"))),
    ("--max-ratio 3", FilterSettings(max_ratio=3.0)),
    ("--check-unit-lang", FilterSettings(check_unit_lang=True)),
    ("all six", FilterSettings(min_score=0.5, drop_identical=True, drop_nonword=True, drop_kinds=("code", "table"),
                               max_ratio=3.0, check_unit_lang=True)),
)


def tm_units(alignment: Alignment) -> int:
    """Units a TMX of ``alignment`` holds (matched beads)."""
    return sum(1 for b in alignment.beads if b.is_match)


def align_page(name: str) -> Alignment:
    doc = next(d for d in DOCS if name_of(d) == name)
    rendered = build(doc, copies=False)
    return align_files(str(rendered.path("en", "wrapped")), str(rendered.path("de", "wrapped")), "en", "de")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="+", default=list(PAGES), help="man pages of bench.real_docs_data.DOCS")
    parser.add_argument("--examples", type=int, default=0, help="show K removed units per filter and page")
    args = parser.parse_args()
    missing = missing_tools() + missing_pages(tuple(d for d in DOCS if name_of(d) in args.pages))
    if missing:
        sys.exit(f"bench.tm_filters: missing {', '.join(missing)}; {SETUP_HINT}")
    alignments = {name: align_page(name) for name in args.pages}
    header = "| filter | " + " | ".join(f"{name}: kept | removed" for name in alignments) + " |"
    print(header)
    print("|" + "---|" * (1 + 2 * len(alignments)))
    print("| none (default) | " + " | ".join(f"{tm_units(a)} | 0" for a in alignments.values()) + " |")
    for label, filters in ROWS:
        cells = []
        for alignment in alignments.values():
            kept = tm_units(apply_filters(alignment, filters)[0])
            removed = tm_units(alignment) - kept
            cells.append(f"{kept} | {removed} ({removed / tm_units(alignment):.0%})")
        print(f"| {label} | " + " | ".join(cells) + " |")
    if args.examples:
        for label, filters in ROWS[:-1]:
            for name, alignment in alignments.items():
                shown = 0
                for bead, why in zip(alignment.beads, decisions(alignment, filters)):
                    if why is None or not bead.is_match or shown >= args.examples:
                        continue
                    shown += 1
                    src = " ".join(alignment.src.sentences[i].text for i in bead.src)
                    tgt = " ".join(alignment.tgt.sentences[j].text for j in bead.tgt)
                    print(f"{label} {name} ({bead.score:.2f}): {src[:60]!r} | {tgt[:60]!r}")


if __name__ == "__main__":
    main()
