"""Write a merged translation memory as TMX 1.4b, with the exporter's prelude and header.

The header is :func:`align.export.tmx.header_element` (the one every TMX align writes),
with props that record the merge: one ``x-align-merged`` prop per input file (a JSON
object: file, tool, units, srclang, languages, whether it was turned round), in the order
``x-align-files`` numbers them, and the totals (``x-align-merge-units-in``,
``-units-out``, ``-duplicates``, ``-conflicts``). Units are written one at a time with
:class:`lxml.etree.xmlfile`, as the exporter does; each ``seg`` gets back the markup it
was read with.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import BinaryIO

from lxml import etree

from align.export.tmx import XML_LANG, header_element, write_tmx, xml_safe
from align.tm.merge import COUNT, FILES, SCORE, MergedUnit, MergeResult
from align.tm.read import Prop, Variant

_SEG_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold (file names may carry them)."""
    return xml_safe(value)[0]


def _add_extras(parent: etree._Element, extras: list[Prop]) -> None:
    """Props first, then notes: the DTD allows either order, and CAT tools read props first."""
    for prop in sorted(extras, key=lambda p: p.kind is None):
        attrs = {XML_LANG: prop.lang} if prop.lang else {}
        if prop.kind is None:
            etree.SubElement(parent, "note", attrs).text = prop.text
        else:
            etree.SubElement(parent, "prop", {"type": prop.kind, **attrs}).text = prop.text


def _seg(markup: str) -> etree._Element:
    """A ``seg`` element with ``markup`` (read from a TMX file by :mod:`align.tm.read`) as its content."""
    return etree.fromstring(f"<seg>{markup}</seg>", _SEG_PARSER)


def _tuv(variant: Variant, lang: str, attrs: dict[str, str], extras: list[Prop]) -> etree._Element:
    tuv = etree.Element("tuv", {XML_LANG: lang, **dict(sorted(attrs.items()))})
    _add_extras(tuv, extras)
    tuv.append(_seg(variant.markup))
    return tuv


def unit_element(unit: MergedUnit, tuid: int, src_lang: str, tgt_lang: str | None) -> etree._Element:
    """The ``tu`` for one merged unit."""
    attrs = {"tuid": str(tuid), **dict(sorted(unit.attrs.items()))}
    if unit.reversed and tgt_lang:
        attrs["srclang"] = tgt_lang
    tu = etree.Element("tu", attrs)
    props: list[Prop] = []
    if unit.count > 1:
        props.append(Prop(COUNT, str(unit.count)))
    if unit.score is not None:
        props.append(Prop(SCORE, f"{unit.score:.4f}"))
    props.append(Prop(FILES, ",".join(map(str, sorted(unit.files)))))
    _add_extras(tu, props + unit.extras)
    if unit.src is not None:
        tu.append(_tuv(unit.src, src_lang, unit.src_attrs, unit.src_extras))
    if unit.tgt is not None:
        tu.append(_tuv(unit.tgt, tgt_lang or "", unit.tgt_attrs, unit.tgt_extras))
    etree.indent(tu, space="  ", level=2)
    # indent() also indents inside a seg whose content is only elements: put the segments back
    for seg, variant in zip(tu.iter("seg"), [v for v in (unit.src, unit.tgt) if v is not None]):
        fresh = _seg(variant.markup)
        fresh.tail = seg.tail
        seg.getparent().replace(seg, fresh)
    return tu


def write_merged(result: MergeResult, out: BinaryIO, *, creationdate: datetime | str | None = None) -> int:
    """Write ``result`` as TMX 1.4b to ``out``; returns the number of units written."""
    header = header_element(_text(result.src_lang), creationdate=creationdate)
    for summary in result.inputs:
        etree.SubElement(header, "prop", type="x-align-merged").text = _text(
            json.dumps(summary.to_dict(), ensure_ascii=False, sort_keys=True))
    for name, value in (("units-in", result.units_in), ("units-out", len(result.units)),
                        ("duplicates", result.duplicates), ("conflicts", result.conflicts)):
        etree.SubElement(header, "prop", type=f"x-align-merge-{name}").text = str(value)
    if result.tgt_lang:
        etree.SubElement(header, "prop", type="x-align-tgtlang").text = _text(result.tgt_lang)
    etree.indent(header, space="  ", level=1)

    write_tmx(out, header, (unit_element(unit, tuid, result.src_lang, result.tgt_lang)
                            for tuid, unit in enumerate(result.units, 1)))
    return len(result.units)
