"""TM filters (issue 19 item 1): each filter on constructed units, its count on stderr, in the
TMX header and in a batch's done-markers; the bead format never filtered; the review page's
TMX download filtered as ``align pair`` filters.

The alignments are built by hand (one sentence per side per bead, with the kind a
real-documents reader would give it), so each test states exactly which unit a filter must
take and which it must keep.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from align.batch import BatchOptions, read_manifest, run_batch
from align.errors import AlignError
from align.export import export, get_exporter, read_tmx
from align.export.filters import ORDER, apply_filters, decisions, filter_lines
from align.report import render_html, write_report
from align.settings import FilterSettings
from align.types import Alignment, Bead, Document, Sentence
from tests.hash_encoder import HashEncoder
from tests.test_browser import browser, console_errors, downloaded, load  # noqa: F401  (browser: a fixture)
from tests.test_cli import run_align

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

# (source, target, score, kind): None for a missing side
UNITS = [
    ("Der Hund schläft im Garten.", "The dog sleeps in the garden.", 0.9, "text"),          # 0 kept by all
    ("Die Katze jagt eine Maus.", "The cat chases a mouse.", 0.3, "text"),                  # 1 low score
    ("Ne  PAS toucher", "ne pas Toucher", 0.95, "text"),                                     # 2 identical (ws, case)
    ("2019", "2019", 1.0, "text"),                                                           # 3 no letters, identical too
    ("+-----+-----+", "+-----+-----+", 1.0, "table"),                                        # 4 table border
    ("§ 3", "Section 3", 0.7, "text"),                                                       # 5 no letters on one side
    ("apt-get install foo", "apt-get install foo", 1.0, "code"),                             # 6 code, identical
    ("Spalte eins | Spalte zwei", "Column one | Column two", 0.8, "table"),                  # 7 table row
    ("Ja.", "Yes, that is exactly what the committee decided at its last meeting.", 0.6, "text"),  # 8 ratio 22.7
    ("This sentence was left in English by the translator.",
     "This sentence was left in English by the translator, too.", 0.97, "text"),             # 9 other language (de side)
    ("update", "update", 1.0, "text"),                                                       # 10 short: not judged by lang
    ("|", None, 0.0, "text"),                                                                # 11 unmatched, no letters
    (None, "An added sentence without counterpart.", 0.0, "text"),                           # 12 unmatched
]


def _doc(texts: list[tuple[str, str]], lang: str, path: str) -> Document:
    text, sentences = "", []
    for i, (s, kind) in enumerate(texts):
        if text:
            text += "\n"
        sentences.append(Sentence(i, len(text), len(text) + len(s), s, kind))
        text += s
    return Document(text, lang, path, tuple(sentences))


def units_alignment(units: list[tuple[str | None, str | None, float, str]] = UNITS) -> Alignment:
    src: list[tuple[str, str]] = []
    tgt: list[tuple[str, str]] = []
    beads = []
    for s, t, score, kind in units:
        src_ids = (len(src),) if s is not None else ()
        tgt_ids = (len(tgt),) if t is not None else ()
        if s is not None:
            src.append((s, kind))
        if t is not None:
            tgt.append((t, kind))
        beads.append(Bead(src_ids, tgt_ids, score))
    return Alignment(_doc(src, "de", "de.txt"), _doc(tgt, "en", "en.txt"), tuple(beads), {"model": "test"})


def removed_units(filters: FilterSettings) -> set[int]:
    return {k for k, why in enumerate(decisions(units_alignment(), filters)) if why is not None}


@pytest.mark.parametrize(("filters", "expected"), [
    (FilterSettings(min_score=0.5), {1}),
    (FilterSettings(min_score=0.65), {1, 8}),
    (FilterSettings(drop_identical=True), {2, 3, 4, 6, 10}),
    (FilterSettings(drop_nonword=True), {3, 4, 5, 11}),
    (FilterSettings(drop_kinds=("code",)), {6}),
    (FilterSettings(drop_kinds=("table",)), {4, 7}),
    (FilterSettings(drop_kinds=("code", "table")), {4, 6, 7}),
    (FilterSettings(max_ratio=3.0), {8}),  # "§ 3" (3 characters) beside "Section 3" (9): 3.0 is not more
    (FilterSettings(max_ratio=30.0), set()),
    (FilterSettings(check_unit_lang=True), {9}),
])
def test_each_filter_takes_exactly_its_units(filters: FilterSettings, expected: set[int]) -> None:
    assert removed_units(filters) == expected


def test_max_ratio_compares_characters_of_the_longer_side_with_the_shorter() -> None:
    assert removed_units(FilterSettings(max_ratio=2.9)) == {5, 8}  # 9 > 2.9 * 3
    assert removed_units(FilterSettings(max_ratio=22.6)) == {8}     # 68 characters beside 3
    assert removed_units(FilterSettings(max_ratio=22.7)) == set()


def test_each_unit_is_counted_once_by_the_first_filter_that_takes_it() -> None:
    every = FilterSettings(min_score=0.5, drop_identical=True, drop_nonword=True, drop_kinds=("code", "table"),
                           max_ratio=10.0, check_unit_lang=True)
    kept, removed = apply_filters(units_alignment(), every)
    assert list(removed) == list(ORDER)
    # 4 (table, identical, no letters) counts for drop_kinds, which comes first; 3 for drop_nonword
    assert removed == {"min_score": 1, "drop_kinds": 3, "drop_nonword": 3, "drop_identical": 2, "max_ratio": 1,
                       "check_unit_lang": 1}
    kept_texts = [(kept.src.sentences[b.src[0]].text if b.src else None,
                   kept.tgt.sentences[b.tgt[0]].text if b.tgt else None) for b in kept.beads]
    assert kept_texts == [(UNITS[0][0], UNITS[0][1]), (UNITS[1][0], None), (None, UNITS[1][1]), (None, UNITS[12][1])]


def test_min_score_sends_a_unit_out_as_unmatched_so_tsv_still_shows_it(tmp_path: Path) -> None:
    filters = FilterSettings(min_score=0.5)
    tmx = export(units_alignment(), tmp_path / "a.tmx", filters=filters)
    units = read_tmx(tmp_path / "a.tmx")
    assert tmx.filtered == {"min_score": 1} and tmx.units == 10
    assert "Die Katze jagt eine Maus." not in [v["text"] for u in units for v in u["tuvs"]]
    tsv = export(units_alignment(), tmp_path / "a.tsv", filters=filters)
    rows = (tmp_path / "a.tsv").read_text(encoding="utf-8").splitlines()[1:]
    assert "1\t\t0.0000\tDie Katze jagt eine Maus.\t" in rows
    assert "\t1\t0.0000\t\tThe cat chases a mouse." in rows
    assert tsv.units == len(UNITS) + 1  # one unit became two rows
    included = export(units_alignment(), tmp_path / "b.tmx", filters=filters, unmatched="include")
    assert included.units == len(UNITS) + 1


def test_no_filter_changes_nothing(tmp_path: Path) -> None:
    alignment = units_alignment()
    assert apply_filters(alignment, FilterSettings()) == (alignment, {})
    for fmt in ("tmx", "tsv", "jsonl", "beads"):
        plain = export(alignment, tmp_path / f"plain.{fmt}", fmt, creationdate="20250101T000000Z") \
            if fmt == "tmx" else export(alignment, tmp_path / f"plain.{fmt}", fmt)
        kwargs = {"creationdate": "20250101T000000Z"} if fmt == "tmx" else {}
        same = export(alignment, tmp_path / f"same.{fmt}", fmt, filters=FilterSettings(), **kwargs)
        assert (tmp_path / f"plain.{fmt}").read_bytes() == (tmp_path / f"same.{fmt}").read_bytes()
        assert plain.filtered == same.filtered == {}


def test_tmx_header_records_the_filters_and_their_counts(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    filters = FilterSettings(drop_nonword=True, drop_kinds=("code",), max_ratio=5.0)
    export(units_alignment(), tmp_path / "a.tmx", filters=filters)
    tree = etree.parse(str(tmp_path / "a.tmx"))
    assert tmx_dtd.validate(tree), tmx_dtd.error_log
    props = {p.get("type"): p.text for p in tree.find("header").findall("prop")}
    assert json.loads(props["x-align-filters"]) == {"min_score": None, "drop_identical": False, "drop_nonword": True,
                                                    "drop_kinds": ["code"], "max_ratio": 5.0, "check_unit_lang": False}
    assert json.loads(props["x-align-filtered"]) == {"drop_kinds": 1, "drop_nonword": 4, "max_ratio": 1}
    assert props["x-align-model"] == "test"  # the alignment's own settings are still there


@pytest.mark.parametrize("fmt", ["tsv", "jsonl", "moses"])
def test_every_tm_format_writes_the_same_units(fmt: str, tmp_path: Path) -> None:
    filters = FilterSettings(drop_identical=True, drop_nonword=True)
    result = export(units_alignment(), tmp_path / "out", fmt, filters=filters)
    assert result.filtered == {"drop_nonword": 4, "drop_identical": 3}
    kept = apply_filters(units_alignment(), filters)[0]
    written = (tmp_path / "out.de").read_text(encoding="utf-8") if fmt == "moses" else \
        (tmp_path / "out").read_text(encoding="utf-8")
    for bead in kept.beads:
        text = kept.src.sentences[bead.src[0]].text if bead.src else kept.tgt.sentences[bead.tgt[0]].text
        if fmt != "moses" or bead.is_match:
            assert text in written
    for gone in ("2019", "Ne  PAS toucher", "§ 3", "apt-get install foo"):
        assert gone not in written


def test_the_bead_format_is_never_filtered(tmp_path: Path) -> None:
    alignment = units_alignment()
    with pytest.raises(AlignError, match="not to beads"):
        export(alignment, tmp_path / "a.beads", filters=FilterSettings(drop_nonword=True))
    assert not (tmp_path / "a.beads").exists()
    export(alignment, tmp_path / "b.beads", filters=FilterSettings())
    assert len((tmp_path / "b.beads").read_text().splitlines()) == len(UNITS)


def test_filter_lines_name_only_the_filters_that_removed_something() -> None:
    filters = FilterSettings(min_score=0.5, drop_identical=True, max_ratio=100.0)
    removed = apply_filters(units_alignment(), filters)[1]
    assert removed == {"min_score": 1, "drop_identical": 5, "max_ratio": 0}
    assert filter_lines(filters, removed) == [
        "--min-score 0.5: 1 matched unit scored below it and went out as unmatched",
        "--drop-identical: removed 5 units with the same text on both sides",
    ]


def test_unknown_kind_is_refused() -> None:
    from align.export.filters import check_kinds

    assert check_kinds(["Code", " table", "code"]) == ("code", "table")
    with pytest.raises(AlignError, match="use code, table"):
        check_kinds(["identical"])


# --- the command line ----------------------------------------------------------------

PRESEG_DE = ("Der Hund schläft im Garten hinter dem alten Haus.\n2019\nDie Katze jagt eine Maus durch den Hof.\n"
             "This sentence was left untranslated in the German file.\n")
PRESEG_EN = ("The dog sleeps in the garden behind the old house.\n2019\nThe cat chases a mouse across the yard.\n"
             "This sentence was left untranslated in the German file.\n")


def test_pair_says_what_each_filter_removed_and_records_it(tmp_path: Path) -> None:
    (tmp_path / "de.txt").write_text(PRESEG_DE, encoding="utf-8")
    (tmp_path / "en.txt").write_text(PRESEG_EN, encoding="utf-8")
    done = run_align("pair", "de.txt", "en.txt", "-s", "de", "-t", "en", "--presegmented", "--no-lang-check",
                     "-o", "out.tmx", "--drop-nonword", "--drop-identical", "--max-ratio", "50", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("align: --")]
    assert lines == ["align: --drop-nonword: removed 1 unit with a side without letters",
                     "align: --drop-identical: removed 1 unit with the same text on both sides"]
    units = read_tmx(tmp_path / "out.tmx")
    assert [u["tuvs"][1]["text"] for u in units] == ["The dog sleeps in the garden behind the old house.",
                                                     "The cat chases a mouse across the yard."]
    refused = run_align("pair", "de.txt", "en.txt", "-s", "de", "-t", "en", "--presegmented", "-f", "beads",
                        "--drop-nonword", "--drop-kinds", "code", cwd=tmp_path)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [refused.stderr.strip()]  # one line
    assert "not to beads" in refused.stderr
    bad_kind = run_align("pair", "de.txt", "en.txt", "--drop-kinds", "prose", cwd=tmp_path)
    assert bad_kind.returncode == 2 and "'prose' is not a unit kind" in bad_kind.stderr


def test_batch_markers_record_the_filters_and_what_they_removed(tmp_path: Path) -> None:
    (tmp_path / "de.txt").write_text(PRESEG_DE, encoding="utf-8")
    (tmp_path / "en.txt").write_text(PRESEG_EN, encoding="utf-8")
    (tmp_path / "pairs.tsv").write_text("de.txt\ten.txt\tde\ten\tp1\n", encoding="utf-8")
    from align.settings import AlignSettings

    settings = AlignSettings(presegmented=True, lang_check=False)
    filters = FilterSettings(drop_nonword=True, drop_identical=True)
    options = BatchOptions(fmt="tsv", settings=settings, filters=filters)
    pairs = read_manifest(str(tmp_path / "pairs.tsv"))
    summary = run_batch(pairs, str(tmp_path / "out"), options, encoder=HashEncoder())
    assert summary.done == 1 and summary.filtered == {"drop_nonword": 1, "drop_identical": 1}
    marker = json.loads((tmp_path / "out" / ".done" / "p1.json").read_text(encoding="utf-8"))
    assert marker["settings"]["filters"] == filters.to_dict()
    assert marker["filtered"] == {"drop_nonword": 1, "drop_identical": 1}
    assert "2019" not in (tmp_path / "out" / "p1.tsv").read_text(encoding="utf-8")
    # the same run again is finished; other filters are another result
    assert run_batch(pairs, str(tmp_path / "out"), options, encoder=HashEncoder()).skipped == 1
    other = BatchOptions(fmt="tsv", settings=settings, filters=FilterSettings(drop_nonword=True))
    assert run_batch(pairs, str(tmp_path / "out"), other, encoder=HashEncoder()).done == 1
    # no filter: the marker is as before the filters existed
    plain = BatchOptions(fmt="tsv", settings=settings)
    assert run_batch(pairs, str(tmp_path / "plain"), plain, encoder=HashEncoder()).done == 1
    marker = json.loads((tmp_path / "plain" / ".done" / "p1.json").read_text(encoding="utf-8"))
    assert "filters" not in marker["settings"] and "filtered" not in marker


# --- the review page ------------------------------------------------------------------


def test_report_page_marks_filtered_beads_and_carries_the_tmx_frame() -> None:
    filters = FilterSettings(drop_nonword=True, min_score=0.5)
    page = render_html(units_alignment(), filters=filters)
    tree = etree.HTML(page)
    marked = {int(a.get("data-index")): a.get("data-filter") for a in tree.iter("article") if a.get("data-filter")}
    assert marked == {1: "min_score", 3: "drop_nonword", 4: "drop_nonword", 5: "drop_nonword", 11: "drop_nonword"}
    main = tree.find(".//main")
    head = main.get("data-tmx-head")
    assert '<prop type="x-align-filtered">{"drop_nonword": 4, "min_score": 1}</prop>' in head
    assert json.loads(main.get("data-filters"))["removed"] == {"min_score": 1, "drop_nonword": 4}
    # without filters the page has no filter marks and is as reproducible as before
    plain = render_html(units_alignment())
    assert "data-filter=" not in plain and "data-filters=" not in plain
    assert plain == render_html(units_alignment())


def _expected_tmx(alignment: Alignment, filters: FilterSettings) -> str:
    out = io.BytesIO()
    kept = apply_filters(alignment, filters)[0]
    get_exporter("tmx").write(kept, out, creationdate="20250101T000000Z")
    return out.getvalue().decode("utf-8")


def test_report_tmx_download_is_what_pair_writes_with_the_same_filters(browser, tmp_path: Path) -> None:  # noqa: F811
    """In Chromium: the page's TMX download, nothing marked, equals ``align pair --format tmx``
    with the same filters, byte for byte once the date is set; a bead marked wrong leaves it."""
    from selenium.webdriver.common.by import By

    alignment = units_alignment()
    filters = FilterSettings(drop_nonword=True, min_score=0.5)
    page = tmp_path / "review.html"
    write_report(alignment, page, filters=filters)
    load(browser, page)
    for old in browser.downloads.iterdir():
        old.unlink()
    browser.find_element(By.ID, "export-tmx").click()
    text = browser.find_element(By.ID, "export-text").get_attribute("value")
    date = re.search(r'creationdate="(\d{8}T\d{6}Z)"', text).group(1)
    assert date[:4] >= "2025"  # the time of the download, not the page's placeholder
    assert text.replace(date, "20250101T000000Z") == _expected_tmx(alignment, filters)
    assert downloaded(browser.downloads, "de-en.reviewed.tmx") == text

    browser.find_element(By.CSS_SELECTOR, "#b0 input.mark").click()
    browser.find_element(By.ID, "export-tmx").click()
    reviewed = browser.find_element(By.ID, "export-text").get_attribute("value")
    assert '<prop type="x-align-marked-wrong">1</prop>' in reviewed
    assert UNITS[0][0] not in reviewed and UNITS[2][0] in reviewed
    assert reviewed.count("<tu ") == text.count("<tu ") - 1
    assert console_errors(browser) == []
