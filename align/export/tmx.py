"""TMX 1.4b, the translation-memory exchange format CAT tools import, and a safe reader.

The output validates against the TMX 1.4b DTD (``tmx14.dtd``)::

    <?xml version="1.0" encoding="UTF-8"?>
    <!DOCTYPE tmx SYSTEM "tmx14.dtd">
    <tmx version="1.4">
      <header creationtool="align" creationtoolversion="0.1.0" segtype="sentence" o-tmf="align"
              adminlang="en" srclang="de" datatype="plaintext" creationdate="20250101T120000Z">
        <prop type="x-align-model">use-m3</prop>
      </header>
      <body>
        <tu tuid="1">
          <prop type="x-align-score">0.8120</prop>
          <prop type="x-align-src-ids">3,4</prop>
          <prop type="x-align-tgt-ids">5</prop>
          <tuv xml:lang="de"><seg>Satz drei. Satz vier.</seg></tuv>
          <tuv xml:lang="en"><seg>Sentences three and four.</seg></tuv>
        </tu>
      </body>
    </tmx>

Choices, and why:

- The DTD orders ``tu`` content as ``(note|prop)*, tuv+``, so the per-bead props come
  before the variants; ``header`` takes ``(note|prop|ude)*``, which is where the
  alignment settings go (``x-align-<key>``; TMX reserves the ``x-`` prefix for
  user-defined prop types).
- A unit whose sides are code, table rows or the same words in both languages (commands,
  names left untranslated) gets ``<prop type="x-align-kind">code</prop>`` (``table``,
  ``identical``), so a TM import can leave it out; ordinary text has no such prop.
- Units follow the bead order: source order, with a moved passage's units at their source
  position, so ``x-align-tgt-ids`` may go back (:mod:`align.search.moved`; ``--monotone``
  never does). A TM does not care about unit order.
- A multi-sentence side is one ``seg``: its sentences joined by a single space, which is
  what a translation memory wants (one unit, one segment per language).
- ``tuv+`` allows a unit with one variant, so ``unmatched="include"`` writes an
  insertion/deletion as a one-``tuv`` unit with score 0 and an empty id prop for the
  missing side. The default ``"skip"`` leaves them out: a TM entry without a translation
  only gets in a translator's way.
- XML 1.0 cannot carry most C0 control characters, U+FFFE/U+FFFF or lone surrogates
  (not even as character references), so they are removed and counted in
  :attr:`ExportResult.removed_chars`, for the CLI to report. Everything else, including
  ``&``, ``<``, ``]]>``, quotes, emoji, RTL text, tabs, newlines and ``\\r`` (written as
  ``&#13;`` so parsers do not normalise it away), is escaped by lxml and survives a
  round trip through :func:`read_tmx` unchanged.
- UTF-8 without a byte-order mark; written with :class:`lxml.etree.xmlfile`, one unit
  at a time, so a large alignment never sits in memory as one tree.
- ``creationdate`` is UTC in TMX's ``YYYYMMDDThhmmssZ`` form; ``SOURCE_DATE_EPOCH`` is
  honoured so that builds of the same input are byte-identical.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, BinaryIO

from lxml import etree

from align.errors import AlignError, InputError
from align.export.base import Exporter, ExportResult, check_unmatched, format_score, side_texts
from align.textsafe import shown_path
from align.types import Alignment, Bead

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: Characters outside XML 1.0's ``Char`` production (tab, LF and CR are allowed).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TMX_DATE = re.compile(r"^\d{8}T\d{6}Z$")

#: Inline elements whose content is native markup, not translatable text (TMX 1.4b §3.7).
_NATIVE_CODE = {"bpt", "ept", "it", "ph", "ut", "sub"}


def xml_safe(text: str) -> tuple[str, int]:
    """``text`` without the characters XML 1.0 forbids, and how many were removed."""
    return _XML_FORBIDDEN.subn("", text)


def tmx_date(when: datetime | str | None = None) -> str:
    """A TMX date (``YYYYMMDDThhmmssZ``, UTC).

    ``None`` means now, or ``SOURCE_DATE_EPOCH`` when set (reproducible output); a naive
    datetime is taken as UTC; a string must already be in TMX form.
    """
    if isinstance(when, str):
        if not _TMX_DATE.match(when):
            raise AlignError(f"creationdate {when!r} is not a TMX date; use the form 20250131T235959Z")
        return when
    if when is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        seconds = float(epoch) if epoch and epoch.strip().isdigit() else time.time()
        when = datetime.fromtimestamp(seconds, tz=timezone.utc)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _setting_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


class _Cleaner:
    """Applies :func:`xml_safe` and keeps the running count of removed characters."""

    def __init__(self) -> None:
        self.removed = 0

    def __call__(self, text: str) -> str:
        clean, n = xml_safe(text)
        self.removed += n
        return clean


def _prop(parent: etree._Element, kind: str, text: str) -> None:
    etree.SubElement(parent, "prop", type=kind).text = text


#: What every TMX file align writes starts with (the exporter's and ``align tm merge``'s).
TMX_PRELUDE = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'


def header_element(srclang: str, *, adminlang: str = "en", creationdate: datetime | str | None = None) -> etree._Element:
    """The ``header`` of a TMX file align writes, with the attributes the DTD requires.

    Shared by the exporter and ``align tm merge`` so every TMX align makes says the same
    about its tool; callers add their ``prop`` children. The texts must already be XML-safe.
    """
    import align  # late: align/__init__ may one day import this package

    return etree.Element(
        "header",
        {
            "creationtool": "align",
            "creationtoolversion": str(getattr(align, "__version__", "unknown")),
            "segtype": "sentence",
            "o-tmf": "align",
            "adminlang": adminlang,
            "srclang": srclang,
            "datatype": "plaintext",
            "creationdate": tmx_date(creationdate),
        },
    )


def write_tmx(out: BinaryIO, header: etree._Element, units: Iterable[etree._Element]) -> None:
    """Write a whole TMX file: prelude, ``header``, then each ``tu`` of ``units`` as it comes.

    The one place that frames a TMX body (the exporter and ``align tm merge`` both write
    through it), so every file align makes has the same layout: one unit a line,
    indented, streamed with :class:`lxml.etree.xmlfile` so a large TM is never held whole.
    """
    out.write(TMX_PRELUDE)
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        with xf.element("tmx", version="1.4"):
            xf.write("\n  ")
            xf.write(header)
            xf.write("\n  ")
            with xf.element("body"):
                for unit in units:
                    xf.write("\n    ")
                    xf.write(unit)
                xf.write("\n  ")
            xf.write("\n")
    out.write(b"\n")


class TmxExporter(Exporter):
    """TMX 1.4b (``.tmx``).

    Options: ``unmatched`` (``"skip"``, default, or ``"include"``), ``creationdate``
    (datetime, TMX date string, or None for now), ``adminlang`` (default ``"en"``).
    """

    name = "tmx"
    extensions = (".tmx",)
    filterable = True
    options = {"unmatched": "skip", "creationdate": None, "adminlang": "en"}

    def write(self, alignment: Alignment, out: BinaryIO, **options: Any) -> ExportResult:
        opts = self.check_options(options)
        include_unmatched = check_unmatched(self.name, opts["unmatched"])
        src_lang, tgt_lang = alignment.src.lang.strip(), alignment.tgt.lang.strip()
        if not src_lang or not tgt_lang:
            raise AlignError("TMX needs a language code for both sides; give --src-lang and --tgt-lang")
        clean = _Cleaner()
        header = self._header(alignment, src_lang, opts, clean)

        counts = {"units": 0, "skipped": 0}

        def units() -> Iterator[etree._Element]:
            for bead in alignment.beads:
                if not bead.is_match and not include_unmatched:
                    counts["skipped"] += 1
                    continue
                if not bead.src and not bead.tgt:
                    continue  # aligns nothing: no unit to write
                counts["units"] += 1
                yield self._unit(alignment, bead, counts["units"], src_lang, tgt_lang, clean)

        write_tmx(out, header, units())
        units, skipped = counts["units"], counts["skipped"]
        return ExportResult(self.name, units=units, removed_chars=clean.removed, skipped_unmatched=skipped)

    @staticmethod
    def _header(alignment: Alignment, src_lang: str, opts: dict[str, Any], clean: _Cleaner) -> etree._Element:
        header = header_element(clean(src_lang), adminlang=clean(str(opts["adminlang"])),
                                creationdate=opts["creationdate"])
        for key, value in alignment.settings.items():
            _prop(header, clean(f"x-align-{key}"), clean(_setting_text(value)))
        # shown_path: a file name that is not UTF-8 is written with its bytes escaped (caf\xe9.txt)
        if alignment.src.path is not None:
            _prop(header, "x-align-src-doc", clean(shown_path(alignment.src.path)))
        if alignment.tgt.path is not None:
            _prop(header, "x-align-tgt-doc", clean(shown_path(alignment.tgt.path)))
        etree.indent(header, space="  ", level=1)
        return header

    @staticmethod
    def _unit(
        alignment: Alignment, bead: Bead, tuid: int, src_lang: str, tgt_lang: str, clean: _Cleaner
    ) -> etree._Element:
        src_text, tgt_text = side_texts(alignment, bead)
        tu = etree.Element("tu", tuid=str(tuid))
        _prop(tu, "x-align-score", format_score(bead.score))
        _prop(tu, "x-align-src-ids", ",".join(map(str, bead.src)))
        _prop(tu, "x-align-tgt-ids", ",".join(map(str, bead.tgt)))
        kind = alignment.content(bead)
        if kind != "text":  # code, table rows, untranslated lines: a TM may filter them out
            _prop(tu, "x-align-kind", kind)
        for ids, lang, text in ((bead.src, src_lang, src_text), (bead.tgt, tgt_lang, tgt_text)):
            if ids:
                tuv = etree.SubElement(tu, "tuv", {XML_LANG: clean(lang)})
                etree.SubElement(tuv, "seg").text = clean(text)
        etree.indent(tu, space="  ", level=2)
        return tu


def _seg_text(seg: etree._Element) -> str:
    """The translatable text of a ``seg``: ``hi`` content kept, native-code elements dropped."""
    parts = [seg.text or ""]
    for child in seg:
        if isinstance(child.tag, str) and child.tag not in _NATIVE_CODE:
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read_tmx(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read the translation units of a TMX file, safely and incrementally.

    Returns one dict per ``tu``, in file order::

        {"tuid": "1" or None,
         "props": {"x-align-score": "0.8120", ...},     # tu-level props
         "tuvs": [{"lang": "de", "text": "..."}, ...]}

    The parser does not expand entities, load DTDs or touch the network (no XXE, no
    billion laughs), and elements are discarded as soon as they are read. Inline
    native-code elements (``bpt``, ``ph``…) are dropped from the text, ``hi`` is kept.
    Raises :class:`~align.errors.InputError` for a missing, malformed or non-TMX file.
    """
    name = os.fspath(path)
    units: list[dict[str, Any]] = []
    depth_root_checked = False
    try:
        events = etree.iterparse(
            name,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            remove_comments=True,
            remove_pis=True,
        )
        for event, elem in events:
            if not depth_root_checked:
                depth_root_checked = True
                if elem.tag != "tmx":
                    raise InputError(f"{name} is not a TMX file (root element is <{elem.tag}>, expected <tmx>)")
            if event != "end" or elem.tag != "tu":
                continue
            props: dict[str, str] = {}
            tuvs: list[dict[str, str]] = []
            for child in elem:
                if child.tag == "prop":
                    props[child.get("type", "")] = child.text or ""
                elif child.tag == "tuv":
                    seg = child.find("seg")
                    lang = child.get(XML_LANG) or child.get("lang") or ""
                    tuvs.append({"lang": lang, "text": _seg_text(seg) if seg is not None else ""})
            units.append({"tuid": elem.get("tuid"), "props": props, "tuvs": tuvs})
            elem.clear()
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as err:
        raise InputError(f"{name} is not well-formed XML: {err}; check the file") from None
    except OSError as err:
        raise InputError(f"cannot read {name}: {err.strerror or err}") from None
    return units
