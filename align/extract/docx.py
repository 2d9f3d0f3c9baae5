"""Word documents (``.docx``): the body's paragraphs and table cells, in reading order.

This module opens the file (python-docx) and refuses what is not a readable ``.docx``
with one line: an old ``.doc``, an encrypted document, a zip that is not a Word file, a
damaged one. How the body becomes blocks (kinds from styles, tables where they stand,
tracked changes accepted, soft line breaks not boundaries) is :mod:`align.extract.wordml`.

Headers, footers, footnotes, endnotes and comments are not the running text: they are
left out, and the notes say how many.

Example::

    >>> DocxReader().sniff(open("report.docx", "rb").read(4096))  # doctest: +SKIP
    True
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from align.errors import InputError
from align.extract.base import Extraction, Reader
from align.extract.failure import short_error
from align.extract.wordml import count_paragraphs, read_body, w
from align.settings import ReadSettings

__all__ = ["DocxReader"]


# A zip whose members inflate to more than this is refused (a zip bomb, not a document).
_MAX_UNZIPPED = 512 * 2**20

# The first bytes of an OLE compound file (an old .doc, or an encrypted .docx).
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _left_out(document: Any) -> tuple[str, ...]:
    """Notes on the parts that are not running text: headers and footers, foot- and
    endnotes, comments (counted when they hold text)."""
    from lxml import etree

    counts = {"header/footer paragraphs": 0, "footnotes/endnotes": 0, "comments": 0}
    for part in document.part.package.iter_parts():
        ctype = part.content_type
        if not ctype.startswith("application/vnd.openxmlformats-officedocument.wordprocessingml."):
            continue
        kind = ctype.rsplit(".", 1)[-1].removesuffix("+xml")
        if kind not in ("header", "footer", "footnotes", "endnotes", "comments"):
            continue
        element = getattr(part, "element", None)
        if element is None:
            try:
                element = etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
            except etree.XMLSyntaxError:
                continue
        if kind in ("header", "footer"):
            counts["header/footer paragraphs"] += count_paragraphs(element)
        elif kind == "comments":
            counts["comments"] += sum(1 for c in element.iter(w("comment")) if count_paragraphs(c))
        else:
            tag = w("footnote" if kind == "footnotes" else "endnote")
            counts["footnotes/endnotes"] += sum(
                1 for n in element.iter(tag) if n.get(w("type")) in (None, "normal") and count_paragraphs(n))
    return tuple(f"left out {n} {what} (not running text)" for what, n in counts.items() if n)


class DocxReader(Reader):
    """Word documents (Office Open XML, ``.docx``) through python-docx."""

    name = "docx"
    extensions = (".docx",)
    binary = True

    def sniff(self, head: bytes) -> bool:
        """A zip whose first members are a Word document's (``word/...``), or an Office
        package (``[Content_Types].xml``) that is not a spreadsheet or slides: the members
        come first in the file, so the first 4 KB show them."""
        if not head.startswith(b"PK\x03\x04"):
            return False
        if b"word/" in head:
            return True
        return b"[Content_Types].xml" in head and b"xl/" not in head and b"ppt/" not in head

    def read(self, data: str | bytes, settings: ReadSettings, source: str) -> Extraction:
        assert isinstance(data, bytes)
        document = _open(data, source)
        pieces = read_body(document.element.body, document.styles.element)
        return Extraction(pieces, "blocks", _left_out(document))


def _open(data: bytes, source: str) -> Any:
    """The python-docx document in ``data``, or a one-line error saying what the file is."""
    if data.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise InputError(f"{source}: is an encrypted (password-protected) Word document; open it in Word, "
                             "remove the password and save it again, or save it as .txt")
        raise InputError(f"{source}: is an old Word/Office file (.doc), not a .docx; save it as .docx or .txt")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InputError(f"{source}: is not a Word document (.docx): not a readable zip file (damaged or "
                         "another format); save it again as .docx, or give --input-format") from None
    names = {info.filename for info in infos}
    if "word/document.xml" not in names and not any(n.startswith("word/") and n.endswith(".xml") for n in names):
        raise InputError(f"{source}: is a zip file but not a Word document (no word/document.xml); "
                         "save it as .docx or .txt, or give --input-format")
    if sum(info.file_size for info in infos) > _MAX_UNZIPPED:
        raise InputError(f"{source}: unpacks to more than {_MAX_UNZIPPED // 2**20} MB, far more than a document's "
                         "text; it is damaged or hostile: save it again as .docx or .txt")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, EOFError, OSError) as err:
        raise InputError(f"{source}: is not a readable Word document (.docx) ({short_error(err)}); "
                         "save it again as .docx or .txt") from None
    except Exception as err:  # lxml's XMLSyntaxError and python-docx's own checks
        if type(err).__module__.startswith(("lxml", "docx")):
            raise InputError(f"{source}: is a damaged Word document (.docx) ({short_error(err)}); "
                             "save it again as .docx or .txt") from None
        raise
