"""Plain text read the way it was written: one paragraph per line, hard-wrapped, or in
blank-line paragraphs (align/extract/plain.py), and the sample pair read the same
whatever form it is given in."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from align.api import read_pair
from align.errors import InputError
from align.extract.hyphen import join_hyphenated, word_counts
from align.extract.plain import read_plain, split_lines
from align.read import read_document, read_text
from align.segment import segment
from align.settings import ReadSettings
from tests.conftest import IN_CI, SAMPLES
from tests.test_cli import run_align

SRC = next(SAMPLES.glob("000_*.txt"))
TGT = next(SAMPLES.glob("001_*.txt"))


def _sentences(path: Path, lang: str, layout: str = "auto") -> list[str]:
    doc = segment(read_document(str(path), lang, reading=ReadSettings(layout=layout)))
    return [" ".join(s.text.split()) for s in doc.sentences]


def _paragraphs(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- the samples, however they are given --------------------------------------------------


@pytest.mark.parametrize("path,lang", [(SRC, "de"), (TGT, "en")])
def test_samples_are_read_as_they_stand(path: Path, lang: str) -> None:
    """One paragraph per line: auto keeps every line break, the text is the file's text."""
    doc = read_document(str(path), lang)
    assert doc.layout == "lines" and doc.blocks == () and doc.notes == ()
    assert doc.text == path.read_text(encoding="utf-8-sig")
    assert _sentences(path, lang) == _sentences(path, lang, "lines")


@pytest.mark.parametrize("path,lang", [(SRC, "de"), (TGT, "en")])
def test_samples_one_sentence_a_line_stay_one_sentence_a_line(tmp_path: Path, path: Path, lang: str) -> None:
    expected = _sentences(path, lang)
    one_a_line = tmp_path / f"{lang}.txt"
    one_a_line.write_text("\n".join(expected) + "\n", encoding="utf-8")
    doc = read_document(str(one_a_line), lang)
    assert doc.layout == "lines"
    assert _sentences(one_a_line, lang) == expected


@pytest.mark.parametrize("width", [60, 72, 79])
@pytest.mark.parametrize("blank_lines", [True, False])
@pytest.mark.parametrize("path,lang", [(SRC, "de"), (TGT, "en")])
def test_samples_hard_wrapped_give_the_same_sentences(tmp_path: Path, path: Path, lang: str, width: int,
                                                      blank_lines: bool) -> None:
    """Wrapped at any common width, with or without blank lines between paragraphs, the
    sample gives exactly the sentences of its one-paragraph-per-line form."""
    wrapped = tmp_path / f"{lang}-{width}.txt"
    sep = "\n\n" if blank_lines else "\n"
    wrapped.write_text(sep.join(textwrap.fill(p, width) for p in _paragraphs(path)) + "\n", encoding="utf-8")
    doc = read_document(str(wrapped), lang)
    assert doc.layout == "wrapped", doc.notes
    assert any("hard-wrapped" in note for note in doc.notes)
    assert _sentences(wrapped, lang) == _sentences(path, lang)
    # today's reading, every line a boundary, cuts sentences into fragments
    assert len(_sentences(wrapped, lang, "lines")) > len(_sentences(path, lang))


def test_wrapped_sample_pair_aligns_like_the_original(tmp_path: Path) -> None:
    """The pair given hard-wrapped (German at 70, English at 76 columns) reads into the same
    sentences as given raw, so it aligns the same."""
    files = []
    for path, width in ((SRC, 70), (TGT, 76)):
        out = tmp_path / path.name
        out.write_text("\n\n".join(textwrap.fill(p, width) for p in _paragraphs(path)) + "\n", encoding="utf-8")
        files.append(out)
    wrapped = read_pair(str(files[0]), str(files[1]), "de", "en")
    raw = read_pair(str(SRC), str(TGT), "de", "en")
    for a, b in zip(wrapped, raw):
        assert [" ".join(s.text.split()) for s in a.sentences] == [s.text for s in b.sentences]


# --- the layouts ---------------------------------------------------------------------------

WRAPPED_DOC = """\
1.2.3 Installation

Das Paket wird mit dem Befehl apt-get installiert, der alle Abhängigkeiten
auflöst und die Dateien in das System kopiert. Danach steht das Programm
allen Benutzern zur Verfügung, sofern sie der Gruppe angehören.
Ein kurzer letzter Satz.
Ein neuer Absatz beginnt hier, weil die vorige Zeile kurz war und mit einem
Punkt endete, und er läuft über zwei Zeilen.

  - Der erste Punkt einer Liste, der so lang ist, dass er auf eine zweite
    Zeile umbrochen werden muss, wie es bei Listen üblich ist.
  - Der zweite Punkt.

+--------+---------+
| Name   | Wert    |
+--------+---------+

    $ sudo apt-get install foo. bar
    $ foo --version
"""


def _blocks(text: str, layout: str = "auto") -> list[tuple[str, str]]:
    doc = read_document_text(text, layout)
    return [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]


def read_document_text(text: str, layout: str):
    from align.extract import extract_document

    return extract_document(text.encode("utf-8"), "doc.txt", "de", ReadSettings(layout=layout), path="doc.txt")


def test_wrapped_layout_keeps_headings_items_tables_and_code_apart() -> None:
    blocks = _blocks(WRAPPED_DOC, "wrapped")
    kinds = [k for k, _ in blocks]
    assert blocks[0] == ("heading", "1.2.3 Installation")
    # the line ended early after a full stop: the writer broke it there
    assert blocks[1][0] == "paragraph" and blocks[1][1].endswith("sofern sie der Gruppe angehören.")
    assert blocks[2] == ("paragraph", "Ein kurzer letzter Satz.")
    blocks = blocks[:2] + blocks[3:]
    kinds = [k for k, _ in blocks]
    assert blocks[2] == ("paragraph", "Ein neuer Absatz beginnt hier, weil die vorige Zeile kurz war und mit einem "
                                      "Punkt endete, und er läuft über zwei Zeilen.")
    assert blocks[3] == ("item", "- Der erste Punkt einer Liste, der so lang ist, dass er auf eine zweite Zeile "
                                 "umbrochen werden muss, wie es bei Listen üblich ist.")
    assert blocks[4] == ("item", "- Der zweite Punkt.")
    assert kinds[5:] == ["table", "code"]
    doc = segment(read_document_text(WRAPPED_DOC, "wrapped"))
    code = [s.text for s in doc.sentences if s.kind == "code"]
    assert code == ["$ sudo apt-get install foo. bar", "$ foo --version"]  # lines, never split at a full stop
    assert [s.text for s in doc.sentences if s.kind == "table"] == [
        "+--------+---------+", "| Name   | Wert    |", "+--------+---------+"]
    assert all(doc.text[s.start:s.end] == s.text for s in doc.sentences)


def test_every_word_is_kept_once_in_every_layout() -> None:
    words = WRAPPED_DOC.split()
    for layout in ("wrapped", "paragraphs"):
        doc = segment(read_document_text(WRAPPED_DOC, layout))
        assert " ".join(s.text for s in doc.sentences).split() == words, layout


def test_paragraphs_layout_joins_everything_between_blank_lines() -> None:
    blocks = _blocks(WRAPPED_DOC, "paragraphs")
    assert blocks[1][1].startswith("Das Paket wird") and blocks[1][1].endswith("über zwei Zeilen.")
    assert [k for k, _ in blocks[2:4]] == ["item", "item"]


def test_lines_layout_is_todays_reading() -> None:
    doc = read_document_text(WRAPPED_DOC, "lines")
    assert doc.blocks == () and doc.text == WRAPPED_DOC and doc.layout == "lines"


def test_auto_leaves_poems_and_short_lines_alone() -> None:
    poem = "Über allen Gipfeln\nIst Ruh,\nIn allen Wipfeln\nSpürest du\nKaum einen Hauch;\n" \
           "Die Vögelein schweigen im Walde.\nWarte nur, balde\nRuhest du auch.\n"
    assert read_plain(poem)[0].layout == "lines"
    lines = "\n".join(f"Zeile {i}: ein kurzer Satz." for i in range(40))
    assert read_plain(lines)[0].layout == "lines"


def test_auto_needs_a_common_width() -> None:
    """Long paragraphs one per line without blank lines are not a wrapping width."""
    text = "\n".join(("Ein langer Absatz ohne Umbruch, der weiterläuft " * k).strip() for k in range(3, 12))
    layout = read_plain(text)[0]
    assert layout.layout == "lines" and not layout.worth_saying()


def test_split_lines_counts_crlf_as_one_break() -> None:
    lines = split_lines("a\r\nb\rc\n")
    assert [(line.start, line.end, line.text) for line in lines] == [(0, 1, "a"), (3, 4, "b"), (5, 6, "c"), (7, 7, "")]


# --- hyphenation ---------------------------------------------------------------------------


@pytest.mark.parametrize("lines,context,expected", [
    (["der Paketzwischen\u2010", "speicher"], "", "der Paketzwischenspeicher"),  # groff's hyphenation
    (["der Paketzwischen-", "speicher"], "Paketzwischenspeicher", "der Paketzwischenspeicher"),  # witnessed
    (["an in-", "depth meeting"], "", "an in-depth meeting"),  # plain text: wrapped at the word's own hyphen
    (["mit apt-", "get"], "apt-get install", "mit apt-get"),  # a hyphen of the word itself
    (["die Ein-", "und Ausgabe"], "", "die Ein- und Ausgabe"),  # an elided part
    (["das Shell\u2010", "MUSTER"], "", "das Shell\u2010MUSTER"),  # a capital: a compound's hyphen
    (["con\u00ad", "figuration"], "", "configuration"),  # a soft hyphen always goes
    (["ends with 3-", "4 items"], "", "ends with 3- 4 items"),  # not a letter before the hyphen
])
def test_line_end_hyphens(lines: list[str], context: str, expected: str) -> None:
    assert join_hyphenated(lines, word_counts(context + " " + " ".join(lines))) == expected


# --- presegmented and the command line ------------------------------------------------------


def test_presegmented_refuses_other_layouts_and_formats(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--presegmented.*--layout wrapped"):
        read_pair(str(SRC), str(TGT), "de", "en", presegmented=True, reading=ReadSettings(layout="wrapped"))
    with pytest.raises(InputError, match="--presegmented reads plain text"):
        read_pair(str(SRC), str(TGT), "de", "en", presegmented=True, reading=ReadSettings(input_format="html"))


def test_presegmented_never_joins_lines(tmp_path: Path) -> None:
    """A one-sentence-per-line corpus whose lines look wrapped keeps one sentence per line."""
    text = "\n".join(textwrap.fill(p, 60) for p in _paragraphs(SRC))
    path = tmp_path / "de.txt"
    path.write_text(text, encoding="utf-8")
    src, _ = read_pair(str(path), str(TGT), "de", "en", presegmented=True)
    assert [s.text for s in src.sentences] == text.split("\n")


def test_cli_says_when_auto_joined_lines(tmp_path: Path) -> None:
    wrapped = tmp_path / "de.txt"
    wrapped.write_text("\n\n".join(textwrap.fill(p, 70) for p in _paragraphs(SRC)) + "\n", encoding="utf-8")
    done = run_align("segment", wrapped, "--lang", "de", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("\n") == 1 and "de.txt: auto: hard-wrapped text (width 70" in done.stderr
    assert done.stdout.splitlines() == _sentences(SRC, "de")
    quiet = run_align("segment", SRC, "--lang", "de", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == ""
    bad = run_align("segment", wrapped, "--lang", "de", "--layout", "joined", cwd=tmp_path)
    assert bad.returncode == 2 and "joined" in bad.stderr


# --- a real hard-wrapped man page ----------------------------------------------------------

MAN_PAGES = [Path("/usr/share/man/de/man8/apt-get.8.gz"), Path("/usr/share/man/man8/apt-get.8.gz")]


def _render(page: Path, width: int) -> str:
    source = gzip.decompress(page.read_bytes())
    done = subprocess.run(["groff", "-k", "-t", "-man", "-Tutf8", "-P-cbou", f"-rLL={width}n"], input=source,
                          capture_output=True, check=True, env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    return done.stdout.decode("utf-8")


@pytest.mark.skipif(not IN_CI and (shutil.which("groff") is None or not all(p.exists() for p in MAN_PAGES)),
                    reason="needs groff and manpages-de (.ci/run installs them)")
@pytest.mark.parametrize("page,lang", [(MAN_PAGES[0], "de"), (MAN_PAGES[1], "en")])
def test_real_man_page_wrapped_gives_the_wide_renderings_sentences(tmp_path: Path, page: Path, lang: str) -> None:
    """apt-get(8) as `man` shows it (78 columns, justified, hyphenated) gives the sentences
    of the same page rendered one paragraph per line: no fragments."""
    wrapped, wide = tmp_path / "wrapped.txt", tmp_path / "wide.txt"
    wrapped.write_text(_render(page, 78), encoding="utf-8")
    wide.write_text(_render(page, 20000), encoding="utf-8")
    doc = read_document(str(wrapped), lang)
    assert doc.layout == "wrapped"
    got = _sentences(wrapped, lang)
    reference = set(_sentences(wide, lang, "lines"))
    # prose: sentences that end as sentences (the synopsis and the page footer are laid out
    # differently at 20,000 columns, whatever the reader does)
    prose = [s for s in got if len(s.split()) >= 4 and s[-1] in ".:!?"]
    missing = [s for s in prose if s not in reference]
    assert len(prose) > 100
    assert len(missing) <= 0.02 * len(prose), missing[:5]
    today = [s for s in _sentences(wrapped, lang, "lines") if len(s.split()) >= 4 and s[-1] in ".:!?"]
    assert sum(s not in reference for s in today) > 0.3 * len(today)  # what line-by-line reading gave


# --- no-fill lines among wrapped prose (man pages at 78 columns) ------------------------------

_PROSE = ("The preferences file controls which versions of packages will be selected for installation "
          "when several versions are available from the configured sources, and it is read at start.")


def _wrapped_at(text: str, width: int, indent: int) -> str:
    return textwrap.fill(text, width, initial_indent=" " * indent, subsequent_indent=" " * indent)


def test_field_records_stay_apart_however_long() -> None:
    """Two lines that both start with a field name are records (apt preferences, control
    files, a program's field list), even when the first is long enough to look wrapped."""
    doc = "\n".join([
        _wrapped_at(_PROSE, 78, 7), "",
        "           Explanation: Uninstall or do not install any Debian-originated",
        "           Explanation: package versions other than those in the stable",
        "           Package: *",
        "           Pin: release a=stable",
        "", _wrapped_at(_PROSE, 78, 7), ""])
    texts = [t for _, t in _blocks(doc, "wrapped")]
    assert "Explanation: Uninstall or do not install any Debian-originated" in texts
    assert "Explanation: package versions other than those in the stable" in texts
    assert "Package: *" in texts and texts.count(" ".join(_PROSE.split())) == 2


def _justify(text: str, width: int, indent: int) -> list[str]:
    """``text`` wrapped and justified as groff does: spaces added between words until every
    line but the last is ``width`` wide."""
    lines = textwrap.wrap(text, width - indent)
    out = []
    for line in lines[:-1]:
        words = line.split()
        gaps, extra = len(words) - 1, width - indent - len(line)
        out.append(" " * indent + "".join(w + " " * (1 + extra // gaps + (i < extra % gaps))
                                          for i, w in enumerate(words[:-1])) + words[-1])
    return out + [" " * indent + lines[-1]]


def test_justified_text_joins_only_full_lines() -> None:
    """In justified text every wrapped line ends at the width: a no-fill line that ends
    short of it is no wrap however long (gzip's -l field list, dpkg's debug-level table), and
    the wide gaps of a justified line are no table columns."""
    long_words = ("Allgemeine Hilfe zur Benutzung von GNU-Software: https://www.gnu.org/gethelp/ und "
                  "weitere Verweise stehen im Handbuch der Programme.")
    doc = "\n".join([*_justify(_PROSE, 78, 7), "", *_justify(_PROSE, 78, 7), "",
                     "                    1   Generally helpful progress information",
                     "                    2   Invocation and status of maintainer scripts",
                     "", *_justify(long_words, 78, 7), ""])
    blocks = _blocks(doc, "wrapped")
    texts = [" ".join(t.split()) for _, t in blocks]
    assert texts.count(" ".join(_PROSE.split())) == 2
    assert "1 Generally helpful progress information" in texts
    assert "2 Invocation and status of maintainer scripts" in texts
    assert blocks[-1][0] == "paragraph" and texts[-1] == long_words


def test_synopsis_bars_are_no_table() -> None:
    """A synopsis's continuation line starting with a bar separates alternatives: it is
    no table row; a row of two cells is."""
    from align.extract.plain import Line, is_table

    def line(text: str) -> Line:
        return Line(0, len(text), text, 0)

    assert not is_table(line("| source pkg [{=pkg_version_number | /target_release}]...  |"))
    assert not is_table(line("| {-v | --version} |"))
    assert is_table(line("| Name   | Wert    |"))


def test_box_rows_wrapped_over_lines_are_one_row() -> None:
    """tbl wraps a long cell over several lines between ├──┼──┤ borders: the row is one
    table line with each cell's text joined."""
    table = """\
       ┌────────────┬─────────────────────┐
       │Setting     │ Meaning             │
       ├────────────┼─────────────────────┤
       │OnBootSec=  │ Defines a timer     │
       │            │ relative to when    │
       │            │ the machine was     │
       │            │ booted up.          │
       ├────────────┼─────────────────────┤
       │OnCalendar= │ Defines realtime    │
       │            │ timers.             │
       └────────────┴─────────────────────┘
"""
    doc = "\n".join([_wrapped_at(_PROSE, 78, 7), "", table])
    rows = [s.text for s in segment(read_document_text(doc, "wrapped")).sentences if s.kind == "table"]
    assert [" ".join(r.split()) for r in rows if "│" in r and "─" not in r] == [
        "│Setting │ Meaning │",
        "│OnBootSec= │ Defines a timer relative to when the machine was booted up. │",
        "│OnCalendar= │ Defines realtime timers. │"]
