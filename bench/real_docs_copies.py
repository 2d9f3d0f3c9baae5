"""DOCX, PDF and Markdown copies of a rendered man page, for the real-document benchmark.

The copies are made from the paragraph-per-line rendering (``long.txt``, see
:mod:`bench.real_docs_data`), whose indentation tells the page's structure: in a group of
lines between blank lines, a line at column 0 is a section heading (``.SH``), one at
column 1-4 a subsection heading (``.SS``); a line followed by deeper-indented lines is a
tag (``.TP``) with its body; a single line is a paragraph (a list item when it starts with
``•``); several lines at one indentation are an example or other preformatted block
(``.nf``, ``.EX``, tables, synopses) and become code. The header and footer lines are the
page furniture: the DOCX puts them in the page header and footer, the PDF draws them on
every page with the page number, Markdown has no place for them and leaves them out.

* **DOCX** (python-docx): headings in Heading 1/2, paragraphs in Normal (tags bold), list
  items in List Bullet, code as one paragraph in Courier New with a line break per line.
* **PDF** (reportlab): A4, DejaVu Sans 10 pt justified and **hyphenated** when pyphen is installed (its
  patterns for the page's language) at 170 mm; bold headings, indented bodies, bullets,
  code in DejaVu Sans Mono 8 pt; the man header centred at the top of every page, the man
  footer and the page number at the bottom.
* **Markdown**: ``#``/``##`` headings, paragraphs, ``-`` list items, fenced code; every
  character Markdown would read as markup is backslash-escaped, and the builder parses
  the result back with markdown-it-py and checks that it gives the same texts.

Every copy is deterministic: the DOCX's zip entries and core properties carry fixed dates,
the PDF is written in reportlab's invariant mode.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
HYPHENATION = {"de": "de_DE", "en": "en_US"}
_FIXED = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)


@dataclass(frozen=True)
class Block:
    """One structural block: ``kind`` is heading1, heading2, term, paragraph, item or code;
    ``indent`` the column it was rendered at; ``text`` without the indentation (code: lines
    joined by newlines, dedented to the block's leftmost line; item: without the bullet)."""

    kind: str
    text: str
    indent: int = 0


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def parse_blocks(long_text: str) -> tuple[str, str, list[Block]]:
    """Header line, footer line and the blocks of a paragraph-per-line rendering."""
    from bench.real_docs_data import furniture_at

    lines = long_text.splitlines()
    at = furniture_at(lines)
    if len(at) != 2:
        raise RuntimeError("a page to copy needs a header and a footer line")
    header, footer = (" ".join(lines[i].split()) for i in at)
    groups: list[list[str]] = [[]]
    for line in lines[at[0] + 1:at[1]]:
        if line.strip():
            groups[-1].append(line.rstrip())
        elif groups[-1]:
            groups.append([])
    blocks: list[Block] = []
    for group in groups:
        blocks.extend(_classify(group))
    return header, footer, blocks


def _classify(group: list[str]) -> list[Block]:
    if not group:
        return []
    first, rest = group[0], group[1:]
    depth = _indent(first)
    if depth == 0:
        return [Block("heading1", first.strip()), *_classify(rest)]
    if depth <= 4:
        return [Block("heading2", first.strip(), depth), *_classify(rest)]
    if not rest:
        text = first.strip()
        if text.startswith("•"):
            return [Block("item", text[1:].strip(), depth)]
        return [Block("paragraph", text, depth)]
    if _indent(rest[0]) > depth and all(_indent(line) >= _indent(rest[0]) for line in rest):
        return [Block("term", first.strip(), depth), *_classify(rest)]
    low = min(_indent(line) for line in group)
    return [Block("code", "\n".join(line[low:] for line in group), low)]


# --- Markdown ------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~#])")
_MD_LEADING = re.compile(r"^([-+=])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


def md_escape(text: str) -> str:
    """``text`` as Markdown inline content that renders as exactly ``text``."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_LEADING.sub(r"\\\1", text)
    return _MD_ORDERED.sub(r"\1\\\2", text)


def to_markdown(blocks: list[Block]) -> str:
    """The blocks as CommonMark."""
    out = []
    for block in blocks:
        if block.kind == "heading1":
            out.append("# " + md_escape(block.text))
        elif block.kind == "heading2":
            out.append("## " + md_escape(block.text))
        elif block.kind == "item":
            out.append("- " + md_escape(block.text))
        elif block.kind == "code":
            fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", block.text)), default=0))
            out.append(f"{fence}\n{block.text}\n{fence}")
        else:
            out.append(md_escape(block.text))
    return "\n\n".join(out) + "\n"


def markdown_texts(markdown: str) -> list[str]:
    """The text of each block of ``markdown`` as markdown-it-py parses it (the round-trip check)."""
    from markdown_it import MarkdownIt

    texts = []
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "inline":
            texts.append("".join("\n" if t.type in ("softbreak", "hardbreak") else t.content
                                 for t in token.children or []))
        elif token.type in ("fence", "code_block"):
            texts.append(token.content.removesuffix("\n"))
    return texts


# --- DOCX ----------------------------------------------------------------------------------

def to_docx(blocks: list[Block], header: str, footer: str, path: Path) -> None:
    """The blocks as a Word document with the man header and footer as page header and footer."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    section.footer.paragraphs[0].text = footer
    for block in blocks:
        if block.kind in ("heading1", "heading2"):
            document.add_heading(block.text, level=1 if block.kind == "heading1" else 2)
        elif block.kind == "item":
            document.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "term":
            document.add_paragraph().add_run(block.text).bold = True
        elif block.kind == "code":
            run = document.add_paragraph(style="No Spacing").add_run()
            run.font.name, run.font.size = "Courier New", Pt(9)
            for i, line in enumerate(block.text.split("\n")):
                if i:
                    run.add_break()
                run.add_text(line)
        else:
            document.add_paragraph(block.text)
    props = document.core_properties
    props.author = props.last_modified_by = "bench.real_docs"
    props.created = props.modified = _FIXED.replace(tzinfo=None)
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    _fixed_zip(buffer.getvalue(), path)


def _fixed_zip(data: bytes, path: Path) -> None:
    """Rewrite a zip with every entry dated 1980-01-01, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), src.read(info.filename),
                         compress_type=zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


# --- PDF -----------------------------------------------------------------------------------

def _fonts() -> tuple[str, str, str]:
    """Register DejaVu Sans (regular, bold) and DejaVu Sans Mono, or reportlab's Vera."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = {"Body": "DejaVuSans.ttf", "Body-Bold": "DejaVuSans-Bold.ttf", "Mono": "DejaVuSansMono.ttf"}
    fallback = {"Body": "Vera.ttf", "Body-Bold": "VeraBd.ttf", "Mono": "Vera.ttf"}
    for name, file in names.items():
        found = [d / file for d in FONT_DIRS if (d / file).is_file()]
        pdfmetrics.registerFont(TTFont(name, str(found[0]) if found else fallback[name]))
    return "Body", "Body-Bold", "Mono"


def to_pdf(blocks: list[Block], header: str, footer: str, lang: str, path: Path) -> None:
    """The blocks as an A4 PDF: justified, hyphenated, with a running header and page numbers."""
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Preformatted, SimpleDocTemplate

    body, bold, mono = _fonts()
    hyphen = HYPHENATION[lang]
    base = ParagraphStyle("body", fontName=body, fontSize=10, leading=12.5, alignment=TA_JUSTIFY,
                          spaceAfter=4, hyphenationLang=hyphen)
    styles = {
        "heading1": ParagraphStyle("h1", base, fontName=bold, fontSize=12, leading=15, spaceBefore=8,
                                   alignment=0, hyphenationLang="", keepWithNext=1),
        "heading2": ParagraphStyle("h2", base, fontName=bold, fontSize=11, leading=14, spaceBefore=6,
                                   alignment=0, hyphenationLang="", keepWithNext=1),
        "term": ParagraphStyle("term", base, fontName=bold, alignment=0, keepWithNext=1, spaceAfter=1),
        "code": ParagraphStyle("code", base, fontName=mono, fontSize=8, leading=10, alignment=0),
    }

    def style_for(block: Block) -> ParagraphStyle:
        indent = max(0, block.indent - 7) * 4.0
        if block.kind == "item":
            return ParagraphStyle("item", base, leftIndent=indent + 14, bulletIndent=indent + 2)
        return ParagraphStyle(f"{block.kind}{indent}", styles.get(block.kind, base), leftIndent=indent)

    story = []
    for block in blocks:
        style = style_for(block)
        if block.kind == "code":
            story.append(Preformatted(block.text, style, maxLineLength=100))
        else:
            story.append(Paragraph(xml_escape(block.text), style, bulletText="•" if block.kind == "item" else None))

    def furniture(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(body, 9)
        width, height = A4
        canvas.drawCentredString(width / 2, height - 14 * mm, header)
        canvas.drawString(20 * mm, 12 * mm, footer)
        canvas.drawRightString(width - 20 * mm, 12 * mm, str(document.page))
        canvas.restoreState()

    document = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                                 topMargin=22 * mm, bottomMargin=22 * mm, invariant=1,
                                 title=header, author="bench.real_docs")
    document.build(story, onFirstPage=furniture, onLaterPages=furniture)


# --- all three -----------------------------------------------------------------------------

def expected_texts(blocks: list[Block]) -> list[str]:
    """What each block's text reads as (the Markdown round trip must give exactly these)."""
    return [block.text for block in blocks]


def write_copies(long_path: Path, folder: Path, lang: str) -> None:
    """Write ``LANG.docx``, ``LANG.pdf`` and ``LANG.md`` into ``folder`` from ``long_path``."""
    header, footer, blocks = parse_blocks(long_path.read_text(encoding="utf-8"))
    markdown = to_markdown(blocks)
    got, want = markdown_texts(markdown), expected_texts(blocks)
    if got != want:
        bad = next((w, g) for w, g in zip(want + [""] * len(got), got + [""] * len(want)) if w != g)
        raise RuntimeError(f"{long_path}: the Markdown copy does not read back as its text: {bad!r}")
    (folder / f"{lang}.md").write_text(markdown, encoding="utf-8")
    to_docx(blocks, header, footer, folder / f"{lang}.docx")
    to_pdf(blocks, header, footer, lang, folder / f"{lang}.pdf")
