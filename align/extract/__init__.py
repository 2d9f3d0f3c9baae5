"""From a file's bytes to a document's text and blocks: the reading stage's second half.

:mod:`align.read` reads the bytes (bounded) and this package turns them into the text
every later stage refers to. The input format comes from ``--input-format``, else the
file's extension, else its first bytes (:func:`detect_format`); its reader (a plug-in of
:data:`align.plugins.READERS`) finds the blocks: headings, paragraphs, list items, table
cells, quotes, code. Plain text in the ``lines`` layout is the one case without blocks:
its decoded text is used exactly as it stands, as align always did, so one-paragraph-
per-line files (the samples, corpora) give the same bytes as ever.

Example::

    >>> doc = extract_document(b"<html><body><p>Hallo Welt.</p></body></html>", "x.html", "de")  # doctest: +SKIP
"""

from __future__ import annotations

import os

from align.decode import decode_counted
from align.errors import InputError
from align.extract.base import Extraction, Reader
from align.extract.blocks import Piece, assemble
from align.settings import ReadSettings
from align.types import Document

__all__ = ["Extraction", "Piece", "Reader", "detect_format", "extract_document", "get_reader"]

# Formats align cannot read, known by their first bytes, and what to do instead.
_FOREIGN = (
    (b"\xd0\xcf\x11\xe0", "an old Word/Office file (.doc)", "save it as .docx or .txt"),
    (b"{\\rtf", "an RTF file", "save it as .docx or .txt"),
)


def get_reader(name: str) -> Reader:
    """The reader registered as ``name`` (an unknown name is a one-line error listing them)."""
    from align.plugins import READERS

    return READERS.get(name)()


def _by_extension(path: str | None) -> str | None:
    from align.plugins import READERS

    if not path or path == "-":
        return None
    ext = os.path.splitext(path)[1].lower()
    if not ext:
        return None
    for name in READERS.names():
        if ext in READERS.get(name).extensions:
            return name
    return None


def detect_format(path: str | None, data: bytes, requested: str = "auto") -> str:
    """The input format: ``requested`` unless it is ``auto``, else the one the file's
    extension names, else the one whose reader recognises the first bytes, else ``text``.

    Raises :class:`InputError` for a format align cannot read (an old ``.doc``, RTF, a zip
    that is not a Word file), saying what to convert it to.
    """
    from align.plugins import READERS

    if requested and requested != "auto":
        READERS.get(requested)  # an unknown name: one line listing the known ones
        return requested.strip().lower()
    name = _by_extension(path)
    if name is not None:
        return name
    head = data[:4096]
    for name in READERS.names():
        if READERS.get(name)().sniff(head):
            return name
    source = path if path and path != "-" else "<stdin>"
    for magic, what, fix in _FOREIGN:
        if head.startswith(magic):
            raise InputError(f"{source}: is {what}, which align cannot read; {fix}")
    if head.startswith(b"PK\x03\x04"):
        raise InputError(f"{source}: is a zip file but not a Word document (.docx); "
                         "save it as .docx or .txt, or give --input-format")
    return "text"


def extract_document(data: bytes, source: str, lang: str, settings: ReadSettings | None = None,
                     path: str | None = None) -> Document:
    """The document in ``data`` (a file's bytes), read as ``settings`` say.

    ``source`` names the input in messages; ``path`` is recorded in the document (the path
    as the user gave it, ``"-"`` for stdin). Text formats are decoded first (never into
    mojibake, see :mod:`align.decode`).
    """
    settings = settings or ReadSettings()
    if not data:
        raise InputError(f"{source}: the input is empty; give a file that contains text")
    fmt = detect_format(path if path is not None else source, data, settings.input_format)
    reader = get_reader(fmt)
    encoding, replaced = "binary", 0
    if reader.binary:
        found = reader.read(data, settings, source)
    else:
        text, encoding, replaced = decode_counted(data, source, lang)
        if fmt == "text":  # before the reader looks at every line: a 50 MB line is refused in a second
            _check_paragraphs(source, _longest_line(text))
        found = reader.read(text, settings, source)
        if not found.pieces and found.layout == "lines":
            return Document(text=text, lang=lang, path=path, encoding=encoding, replaced_bytes=replaced,
                            format=fmt, layout="lines", notes=found.notes)
    text, blocks = assemble(found.pieces)
    if blocks:
        _check_paragraphs(source, max(((b.end - b.start, i) for i, b in enumerate(blocks)), key=lambda x: x[0]),
                          unit="block")
    if not text.strip():
        raise InputError(f"{source}: no text found in this {fmt} file; check that it is the right file "
                         "(a scanned PDF has no text layer: run OCR first)")
    return Document(text=text, lang=lang, path=path, encoding=encoding, replaced_bytes=replaced, blocks=blocks,
                    format=fmt, layout=found.layout, notes=found.notes)


def _longest_line(text: str) -> tuple[int, int]:
    """The length of the longest line of ``text`` and its index (0-based)."""
    # one pass, no list of every line's length (a text may have millions of lines); the
    # key (length, -index) makes the first of equally long lines win, as max() of a list did
    length, neg_index = max(((len(line), -i) for i, line in enumerate(text.splitlines())), default=(0, 0))
    return length, -neg_index


def _check_paragraphs(source: str, longest: tuple[int, int], unit: str = "line") -> None:
    """Refuse a paragraph longer than :func:`align.read.max_paragraph_chars` (``longest``:
    its length and 0-based index), saying how to split it (see
    :data:`align.read.DEFAULT_MAX_PARAGRAPH_MB`)."""
    from align.read import MAX_PARAGRAPH_ENV, max_paragraph_chars

    length, index = longest
    limit = max_paragraph_chars()
    if length > limit:
        raise InputError(
            f"{source}: {unit} {index + 1} is {length / 2**20:.1f} MB of text without a line break, more than the "
            f"{limit / 2**20:g} MB a paragraph may have; split it into paragraphs or sentences, one per line, "
            f"or raise the limit with {MAX_PARAGRAPH_ENV}=N (N in MB)"
        )
