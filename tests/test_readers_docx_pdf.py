"""The DOCX and PDF readers (align/extract/docx.py, wordml.py, pdf.py) on files made here:
the blocks and their kinds, every word of the body once, what is not running text left out
(headers, footers, page numbers), line-end hyphens joined, paragraphs whole across page
breaks; bad files refused with one line; a German/English pair in each format aligned."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from align.read import read_document
from align.segment import segment
from align.types import Document
from tests.conftest import IN_CI
from tests.test_cli import run_align

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _blocks(doc: Document) -> list[tuple[str, str]]:
    return [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text))


def _one_line_refusal(path: Path, *needles: str) -> str:
    """``align segment PATH`` fails with exactly one line on stderr that contains ``needles``."""
    done = run_align("segment", path, "--lang", "de", cwd=path.parent)
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("align: error: ") and path.name in lines[0], lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# --- DOCX --------------------------------------------------------------------------------


def _make_docx(path: Path) -> None:
    """Headings, a paragraph with a soft line break, a bulleted and a numbered list, a table
    with a merged cell and two paragraphs in one cell, tracked changes, header and footer."""
    d = docx.Document()
    section = d.sections[0]
    section.header.paragraphs[0].text = "Kopfzeile Vertraulich"
    section.footer.paragraphs[0].text = "Fußzeile Firmenname"
    d.add_heading("Einrichtung des Dienstes", level=1)
    p = d.add_paragraph("Der Dienst startet beim")
    p.add_run().add_break()  # a soft line break: not a boundary
    p.add_run("Hochfahren des Rechners.")
    d.add_paragraph("Zuerst die Pakete holen", style="List Bullet")
    d.add_paragraph("Dann die Datei prüfen", style="List Number")
    d.add_heading("Übersicht", level=2)
    table = d.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "Name"
    table.cell(0, 1).text = "Wert"
    table.cell(1, 0).text = "Anschluss"
    table.cell(1, 1).text = "achtzig"
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "Zusammengelegte Zeile"
    merged.add_paragraph("Zweiter Absatz darin")
    vertical = d.add_table(rows=2, cols=1)
    vertical.cell(0, 0).merge(vertical.cell(1, 0)).text = "Senkrecht verbunden"
    p = d.add_paragraph("Geändert wurde ")
    p._p.append(parse_xml(f'<w:del {W_NS} w:id="1" w:author="a"><w:r><w:delText>Entferntes </w:delText></w:r></w:del>'))
    p._p.append(parse_xml(f'<w:ins {W_NS} w:id="2" w:author="a"><w:r><w:t>Hinzugefügtes.</w:t></w:r></w:ins>'))
    d.add_paragraph("Ende des Dokuments.")
    d.save(str(path))


DOCX_BLOCKS = [
    ("heading", "Einrichtung des Dienstes"),
    ("paragraph", "Der Dienst startet beim Hochfahren des Rechners."),
    ("item", "Zuerst die Pakete holen"),
    ("item", "Dann die Datei prüfen"),
    ("heading", "Übersicht"),
    ("cell", "Name"),
    ("cell", "Wert"),
    ("cell", "Anschluss"),
    ("cell", "achtzig"),
    ("cell", "Zusammengelegte Zeile"),
    ("cell", "Zweiter Absatz darin"),
    ("cell", "Senkrecht verbunden"),
    ("paragraph", "Geändert wurde Hinzugefügtes."),
    ("paragraph", "Ende des Dokuments."),
]


def test_docx_blocks_in_body_order_with_kinds(tmp_path: Path) -> None:
    path = tmp_path / "doc.docx"
    _make_docx(path)
    doc = read_document(str(path), "de")
    assert doc.format == "docx"
    assert _blocks(doc) == DOCX_BLOCKS
    # every body word exactly once (merged cells once); header, footer, deletion absent
    assert _words(doc.text) == _words(" ".join(text for _, text in DOCX_BLOCKS))
    for absent in ("Kopfzeile", "Fußzeile", "Entferntes"):
        assert absent not in doc.text
    assert any("left out 2 header/footer paragraphs" in note for note in doc.notes), doc.notes
    # the soft line break joined one sentence, not two fragments
    sentences = [s.text for s in segment(doc).sentences]
    assert "Der Dienst startet beim Hochfahren des Rechners." in sentences


def test_docx_is_found_by_its_content_without_an_extension(tmp_path: Path) -> None:
    path = tmp_path / "doc.docx"
    _make_docx(path)
    bare = tmp_path / "upload"
    bare.write_bytes(path.read_bytes())
    assert _blocks(read_document(str(bare), "de")) == DOCX_BLOCKS


def test_bad_docx_files_are_refused_with_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"PK\x03\x04 this was cut off in the download")
    _one_line_refusal(junk, "not a readable zip file")
    import zipfile

    other = tmp_path / "other.docx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("content.xml", "<x/>")
    _one_line_refusal(other, "not a Word document")
    old = tmp_path / "old.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    _one_line_refusal(old, ".doc", "save it as .docx")
    encrypted = tmp_path / "secret.docx"
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le"))
    _one_line_refusal(encrypted, "encrypted")


# --- PDF ---------------------------------------------------------------------------------

HEADER = "Benutzerhandbuch Beispielprogramm"
# Each page: lines of body text, "" for a paragraph's space, ("h", text) for a heading.
PAGES: list[list[object]] = [
    [("h", "Einrichtung"), "",
     "Nach der Installation legt das Programm eine Konfigurations-",
     "datei im Heimatverzeichnis an. In dieser Datei stehen alle",
     "Einstellungen, die beim Start des Programms gelesen werden.", "",
     "Der zweite Absatz beschreibt, wie sich die Einstellungen ändern",
     "lassen. Jede Zeile der Datei enthält einen Namen und einen Wert,"],
    ["die durch ein Gleichheitszeichen getrennt sind. Kommentare",
     "beginnen mit einem Rautezeichen und werden beim Lesen der Datei",
     "übersprungen, so wie leere Zeilen.", "",
     "Nach jeder Änderung muss das Programm neu gestartet werden, damit",
     "es die neuen Werte liest."],
    ["Der letzte Absatz ist kurz."],
]
PDF_BLOCKS = [
    ("heading", "Einrichtung"),
    ("paragraph", ("Nach der Installation legt das Programm eine Konfigurationsdatei im Heimatverzeichnis an. "
                   "In dieser Datei stehen alle Einstellungen, die beim Start des Programms gelesen werden.")),
    ("paragraph", ("Der zweite Absatz beschreibt, wie sich die Einstellungen ändern lassen. Jede Zeile der Datei "
                   "enthält einen Namen und einen Wert, die durch ein Gleichheitszeichen getrennt sind. Kommentare "
                   "beginnen mit einem Rautezeichen und werden beim Lesen der Datei übersprungen, so wie leere "
                   "Zeilen.")),
    ("paragraph", "Nach jeder Änderung muss das Programm neu gestartet werden, damit es die neuen Werte liest."),
    ("paragraph", "Der letzte Absatz ist kurz."),
]


def _make_pdf(path: Path, pages: list[list[object]], encrypt: object = None, header: bool = True) -> None:
    """A typeset-like PDF: header and footer drawn first (as page templates do), then the
    body lines at a fixed leading, a paragraph's space between paragraphs."""
    canvas = Canvas(str(path), pagesize=A4, encrypt=encrypt)
    for number, lines in enumerate(pages, 1):
        canvas.setFont("Helvetica", 9)
        if header:
            canvas.drawString(72, 800, HEADER)
        canvas.drawCentredString(297, 40, f"Seite {number} von {len(pages)}")
        canvas.drawRightString(523, 800, f"- {number} -")
        y = 760.0
        for line in lines:
            if line == "":
                y -= 10
            elif isinstance(line, tuple):
                canvas.setFont("Helvetica-Bold", 16)
                canvas.drawString(72, y, line[1])
                y -= 22
            else:
                canvas.setFont("Helvetica", 11)
                canvas.drawString(72, y, str(line))
                y -= 14
        canvas.showPage()
    canvas.save()


def test_pdf_drops_running_header_and_page_numbers_and_joins_lines(tmp_path: Path) -> None:
    path = tmp_path / "handbuch.pdf"
    _make_pdf(path, PAGES)
    doc = read_document(str(path), "de")
    assert doc.format == "pdf"
    assert _blocks(doc) == PDF_BLOCKS
    assert "Benutzerhandbuch" not in doc.text and "Seite" not in doc.text
    assert "Konfigurationsdatei" in doc.text and "Konfigurations-" not in doc.text
    assert _words(doc.text) == _words(" ".join(text for _, text in PDF_BLOCKS))
    assert "dropped 9 running header/footer and page number lines" in doc.notes
    assert "joined 1 words hyphenated at line ends" in doc.notes
    # the paragraph that runs over the page break is whole sentences, not fragments
    sentences = [s.text for s in segment(doc).sentences]
    assert ("Jede Zeile der Datei enthält einen Namen und einen Wert, die durch ein Gleichheitszeichen "
            "getrennt sind.") in sentences


def test_pdf_keeps_a_hyphen_that_belongs_to_the_word(tmp_path: Path) -> None:
    """A compound's own hyphen at a line end ("Ein-" / "und Ausgabe", "APT-" / "Bibliothek")
    stays; only the hyphenation of one word is dropped."""
    path = tmp_path / "bindestrich.pdf"
    _make_pdf(path, [["Die Befehle steuern die Ein- und Ausgabe sowie den Zugriff auf die APT-",
                      "Bibliothek, die alle Programme gemeinsam benutzen, und die Paket-",
                      "verwaltung des Systems."]], header=False)
    doc = read_document(str(path), "de")
    assert doc.text == ("Die Befehle steuern die Ein- und Ausgabe sowie den Zugriff auf die APT-Bibliothek, "
                        "die alle Programme gemeinsam benutzen, und die Paketverwaltung des Systems.")


def test_bad_pdf_files_are_refused_with_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"<html>404 Not Found</html>\n")
    _one_line_refusal(junk, "not a PDF file")
    locked = tmp_path / "locked.pdf"
    _make_pdf(locked, PAGES, encrypt=pdfencrypt.StandardEncryption("geheim", ownerPassword="owner"))
    _one_line_refusal(locked, "encrypted", "remove the password")
    scan = tmp_path / "scan.pdf"
    canvas = Canvas(str(scan), pagesize=A4)
    canvas.rect(72, 72, 400, 600, fill=1)  # a page that is only a picture
    canvas.showPage()
    canvas.save()
    _one_line_refusal(scan, "no text layer", "OCR")
    cut = tmp_path / "cut.pdf"
    _make_pdf(cut, PAGES)
    cut.write_bytes(cut.read_bytes()[:300])
    _one_line_refusal(cut, "PDF")


def test_pdf_without_a_password_for_opening_is_read(tmp_path: Path) -> None:
    """A PDF restricted only by an owner password (an empty user password) opens as usual."""
    path = tmp_path / "restricted.pdf"
    _make_pdf(path, PAGES, encrypt=pdfencrypt.StandardEncryption("", ownerPassword="owner", canCopy=0))
    assert _blocks(read_document(str(path), "de")) == PDF_BLOCKS


# --- a German/English pair in each format, aligned end to end ------------------------------

PAIR = [
    ("Installation des Programms", "Installing the program"),
    ("Das Programm wird mit dem Paketverwalter installiert.", "The program is installed with the package manager."),
    ("Danach steht es allen Benutzern des Systems zur Verfügung.",
     "After that it is available to all users of the system."),
    ("Die Einstellungen stehen in einer Konfigurationsdatei im Heimatverzeichnis.",
     "The settings are kept in a configuration file in the home directory."),
    ("Sie können diese Datei mit jedem beliebigen Texteditor bearbeiten.",
     "You can edit this file with any text editor you like."),
    ("Wenn ein Fehler auftritt, schreibt das Programm eine Meldung in das Protokoll.",
     "If an error occurs, the program writes a message to the log."),
    ("Lesen Sie bitte das Protokoll, bevor Sie einen Fehlerbericht senden.",
     "Please read the log before you send a bug report."),
    ("Neue Versionen erscheinen zweimal im Jahr.", "New versions are released twice a year."),
    ("Ältere Versionen werden nicht mehr gepflegt.", "Older versions are no longer maintained."),
]
# heading, then paragraphs of these sentences (indexes into PAIR)
PARAGRAPHS = [(1, 2), (3, 4), (5, 6), (7, 8)]


def _pair_docx(path: Path, side: int) -> None:
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = ("Handbuch", "Manual")[side]
    d.add_heading(PAIR[0][side], level=1)
    for para in PARAGRAPHS:
        d.add_paragraph(" ".join(PAIR[i][side] for i in para))
    d.save(str(path))


def _pair_pdf(path: Path, side: int) -> None:
    """Typeset by reportlab's paragraph layout (lines wrapped at the frame's width)."""
    styles = getSampleStyleSheet()
    story: list[object] = [Paragraph(PAIR[0][side], styles["Heading1"])]
    for n, para in enumerate(PARAGRAPHS):
        story.append(Paragraph(" ".join(PAIR[i][side] for i in para), styles["BodyText"]))
        if n == 1:
            story.append(PageBreak())  # two pages, so that the running header is seen as one

    def page(canvas: Canvas, _doc: object) -> None:
        canvas.setFont("Helvetica", 8)
        canvas.drawString(72, 810, ("Handbuch", "Manual")[side])
        canvas.drawString(297, 30, str(canvas.getPageNumber()))

    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=150, rightMargin=150).build(
        story, onFirstPage=page, onLaterPages=page)


@pytest.mark.parametrize(("make", "ext"), [(_pair_docx, "docx"), (_pair_pdf, "pdf")])
def test_pair_in_each_format_aligns_sentence_by_sentence(tmp_path: Path, make, ext: str) -> None:
    de, en = tmp_path / f"de.{ext}", tmp_path / f"en.{ext}"
    make(de, 0)
    make(en, 1)
    done = run_align("pair", de, en, "-s", "de", "-t", "en", "--format", "tsv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    header, *lines = done.stdout.splitlines()
    assert header.split("\t")[3:] == ["src_text", "tgt_text"]
    rows = [tuple(line.split("\t")[3:]) for line in lines]
    assert rows == PAIR, done.stdout


# --- a real typeset document: the apt-get man page set as PDF by groff ----------------------

MAN_PAGES = {"de": Path("/usr/share/man/de/man8/apt-get.8.gz"), "en": Path("/usr/share/man/man8/apt-get.8.gz")}


@pytest.mark.skipif(not IN_CI and (shutil.which("gropdf") is None or not all(p.exists() for p in MAN_PAGES.values())),
                    reason="needs groff's PDF output and manpages-de (.ci/run installs them)")
def test_the_apt_get_man_page_as_pdf_reads_as_clean_sentences(tmp_path: Path) -> None:
    """groff's PDF of apt-get(8), German and English: the running header ("APT-GET(8) APT
    APT-GET(8)") and footer ("APT 2.x  date  page") of every page gone, paragraphs whole
    across page breaks, and the two sides give nearly as many sentences (a reader that cut
    paragraphs at line ends or page breaks would not)."""
    counts = {}
    for lang, man in MAN_PAGES.items():
        pdf = tmp_path / f"apt-get.{lang}.pdf"
        pdf.write_bytes(subprocess.run(["groff", "-k", "-t", "-man", "-Tpdf"], input=gzip.decompress(man.read_bytes()),
                                       capture_output=True, check=True).stdout)
        doc = read_document(str(pdf), lang)
        assert "APT-GET(8)" not in doc.text
        assert not re.search(r"^APT \d", doc.text, re.MULTILINE), "the footer is left"
        assert any(note.startswith("dropped ") for note in doc.notes), doc.notes
        sentences = [s.text for s in segment(doc).sentences]
        counts[lang] = len(sentences)
        # a sentence that runs from the first page onto the second (groff 1.22-1.23, A4/letter)
        whole = {"de": "Die Datei /etc/apt/sources.list wird benutzt, um die gewünschten Pakete zu finden.",
                 "en": "The /etc/apt/sources.list file is used to locate the desired packages."}[lang]
        assert whole in sentences
    assert abs(counts["de"] - counts["en"]) <= 0.1 * counts["en"], counts


# --- paragraphs spaced by less than a line, code, list items: set by reportlab's platypus ---


def _fill_line(words: str, font: str, size: float, width: float) -> str:
    """As many of ``words`` (repeated) as fill one line of ``width`` points to 95-100%."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    out: list[str] = []
    pool = words.split()
    while stringWidth(" ".join(out + [pool[len(out) % len(pool)]]) + ".", font, size) < width:
        out.append(pool[len(out) % len(pool)])
    assert stringWidth(" ".join(out) + ".", font, size) >= 0.95 * width
    return " ".join(out) + "."


def _typeset_pdf(path: Path, width: float = 300) -> list[tuple[str, str]]:
    """A page as word processors and typesetting libraries set it: Helvetica 10 pt at a
    12.5 pt leading, 4 pt between paragraphs (a paragraph's space well under a line), a
    paragraph of exactly one full line, a code block in Courier, bulleted items whose
    lines wrap to the text's column. Returns the blocks it must read as."""
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Preformatted

    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=12.5, spaceAfter=4,
                          alignment=TA_JUSTIFY)
    item = ParagraphStyle("item", body, leftIndent=14, bulletIndent=2)
    code = ParagraphStyle("code", body, fontName="Courier", fontSize=9, leading=11, leftIndent=20)
    one_line = _fill_line("Configuration item of the program for the answer to every question", "Helvetica", 10,
                          width)
    blocks = [
        ("paragraph", ("The program reads its settings when it starts. Every setting has a name and a value, "
                       "and the values given on the command line win over those in the files.")),
        ("paragraph", one_line),
        ("paragraph", ("The files are read in the order of their names, and a later file changes what an "
                       "earlier one said. A file that cannot be read is reported and left out.")),
        ("code", "program --answer no\nprogram --list-settings"),
        ("paragraph", ("These two commands show what the program would do, without doing it; the second "
                       "prints every setting with the file that gave it its value.")),
        ("item", ("The first item of the list is long enough to wrap onto a second line of the page, "
                  "at the column of the item's own text.")),
        ("item", "The second item of the list is also long enough to wrap onto a second line of the page."),
        ("paragraph", "The last paragraph ends the page and the example."),
    ]
    story: list[object] = []
    for kind, text in blocks:
        if kind == "code":
            story.append(Preformatted(text, code))
        else:
            story.append(Paragraph(text, item if kind == "item" else body, bulletText="•" if kind == "item" else None))
    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=72, rightMargin=A4[0] - 72 - width).build(story)
    return blocks


def test_pdf_paragraphs_spaced_by_less_than_a_line_code_and_items(tmp_path: Path) -> None:
    """Paragraph breaks come from the page's own leading: a space 4 pt above the 12.5 pt
    leading (1.32 lines, under the old 1.4 lines) ends a paragraph, so a one-line
    paragraph that fills its line is not joined to the next; a block in a monospaced font
    is code, line by line, and not joined to the paragraph after it; a bullet (drawn by
    reportlab as WinAnsi code 0x7F) starts an item whose wrapped lines join it."""
    path = tmp_path / "spaced.pdf"
    expected = _typeset_pdf(path)
    doc = read_document(str(path), "en")
    # a code block is one block per line (each line a unit); an item keeps its bullet
    lines = [(kind, line) for kind, text in expected for line in (text.split("\n") if kind == "code" else [text])]
    assert [(kind, re.sub(r"^• ", "", text)) for kind, text in _blocks(doc)] == lines
    assert "\x7f" not in doc.text


def test_pdf_tag_at_the_top_of_a_page_starts_a_new_block(tmp_path: Path) -> None:
    """A list of options (a tag, its text indented under it) in a document whose
    paragraphs are spaced: the next tag at the top of a page, left of the last line of the
    page before, is a new block, not the next line of a paragraph whose first line was
    indented (a page break leaves no space to measure)."""
    path = tmp_path / "options.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    canvas.setFont("Helvetica", 10)
    y = 760.0
    for _ in range(4):  # spaced paragraphs: 12 pt leading, 6 pt between them
        for line in ("This paragraph introduces the options of the program and what each",
                     "of them changes when the program runs."):
            canvas.drawString(72, y, line)
            y -= 12
        y -= 6
    canvas.drawString(72, y, "--assume-no")
    canvas.drawString(90, y - 12, "Automatic no to all prompts. Configuration Item: APT::Get::Assume-No.")
    canvas.showPage()
    canvas.setFont("Helvetica", 10)
    canvas.drawString(72, 760, "--no-show-upgraded")
    canvas.drawString(90, 748, "Do not show a list of all packages that are to be upgraded.")
    canvas.showPage()
    canvas.save()
    doc = read_document(str(path), "en")
    texts = [text for _, text in _blocks(doc)]
    assert "Automatic no to all prompts. Configuration Item: APT::Get::Assume-No." in texts, texts
    assert "--no-show-upgraded" in texts, texts
