"""Read a TMX file from any tool (align, OmegaT, LF Aligner, Trados-style) without losing anything.

:func:`align.export.read_tmx` gives the plain texts of align's own TMX; a translation
memory made elsewhere carries more that a merge must keep: inline markup (``<bpt>``,
``<ph>``, ``<hi>``…), unit and variant attributes (dates, usage counts, who made it),
props and notes. :func:`read_tm` keeps all of it:

- a variant's ``markup`` is the ``seg`` content as XML, inline elements and their
  attributes included, so a merge writes back exactly what it read; its ``text`` is the
  translatable text a translator reads (native code such as ``<ph>&lt;br/&gt;</ph>``
  left out, ``<hi>`` content kept), which is what statistics and messages show;
- an element TMX 1.4b does not allow inside ``seg`` (an XLIFF ``<x/>``, an element in a
  namespace) is replaced by its text: the output must stay valid, and no text is dropped;
- TMX 1.1's ``lang`` attribute is read like ``xml:lang``; UTF-16 files (with a
  byte-order mark, as Trados writes them) and UTF-8 with or without one are read by the
  XML parser's own encoding detection.

Safety: the parser never loads a DTD, never resolves an entity and never touches the
network; a file whose DOCTYPE declares entities (the "billion laughs" bomb, external
entities pointing at local files) is refused with one line before any unit is read.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree

from align.errors import InputError
from align.export.tmx import XML_LANG
from align.textsafe import shown_path

#: Inline elements TMX 1.4b allows inside ``seg`` (and ``sub`` inside the native-code ones).
INLINE = frozenset({"bpt", "ept", "it", "ph", "hi", "ut", "sub"})
#: Inline elements whose content is native markup (a tag of the original format), not text.
NATIVE_CODE = frozenset({"bpt", "ept", "it", "ph", "ut"})

#: ``tu`` attributes the DTD declares (besides ``tuid``, which a merge renumbers).
TU_ATTRIBUTES = frozenset({
    "o-encoding", "datatype", "usagecount", "lastusagedate", "creationtool", "creationtoolversion",
    "creationdate", "creationid", "changedate", "segtype", "changeid", "o-tmf", "srclang",
})
#: ``tuv`` attributes the DTD declares (besides the language).
TUV_ATTRIBUTES = frozenset({
    "o-encoding", "datatype", "usagecount", "lastusagedate", "creationtool", "creationtoolversion",
    "creationdate", "creationid", "changedate", "o-tmf", "changeid",
})
SEGTYPES = frozenset({"block", "paragraph", "sentence", "phrase"})

_SPACE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    """``text`` in Unicode NFC with every run of white space one space, and none at the ends.

    What makes two segments "the same" for a merge: tools differ in trailing spaces, line
    breaks inside a segment and composed or decomposed accents, and a translator would
    not call those different translations.
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass(frozen=True)
class Prop:
    """A ``prop`` (``kind`` is its ``type`` attribute) or, with ``kind`` None, a ``note``."""

    kind: str | None
    text: str
    lang: str | None = None


@dataclass(frozen=True)
class Variant:
    """One ``tuv``: a segment in one language.

    ``lang`` is the language as written in the file; ``markup`` the ``seg`` content as
    XML (what is written back); ``text`` its translatable text; ``attrs`` the other
    attributes, sorted; ``extras`` its props and notes in file order.
    """

    lang: str
    text: str
    markup: str
    attrs: tuple[tuple[str, str], ...] = ()
    extras: tuple[Prop, ...] = ()

    @cached_property
    def key(self) -> str:
        """What two variants must share to be the same segment: the markup, space-normalised.

        The markup and not the plain text: two entries that differ only in their tags are
        different matches for a CAT tool, and merging them would drop one's formatting.
        """
        return normalise_space(self.markup)

    @property
    def has_markup(self) -> bool:
        return "<" in self.markup


@dataclass(frozen=True)
class Unit:
    """One ``tu``. ``position`` is its 1-based place in the file (for messages)."""

    position: int
    tuid: str | None
    variants: tuple[Variant, ...]
    attrs: tuple[tuple[str, str], ...] = ()
    extras: tuple[Prop, ...] = ()

    @property
    def name(self) -> str:
        """How a message names this unit: ``unit 12 (tuid "a7")``."""
        return f"unit {self.position}" + (f' (tuid "{self.tuid}")' if self.tuid else "")

    def props(self, kind: str) -> list[str]:
        """The texts of this unit's props of type ``kind``, in file order."""
        return [p.text for p in self.extras if p.kind == kind]


@dataclass
class TmFile:
    """A TMX file as read: its header attributes and props, and its units.

    ``name`` is the path as a message shows it; ``empty_units`` counts ``tu`` elements
    without any ``tuv`` (nothing to keep: skipped).
    """

    name: str
    version: str
    header: dict[str, str]
    units: list[Unit] = field(default_factory=list)
    header_extras: tuple[Prop, ...] = ()
    empty_units: int = 0

    @property
    def srclang(self) -> str | None:
        """The header's source language, or None when absent or ``*all*`` (any language)."""
        lang = self.header.get("srclang", "").strip()
        return None if not lang or lang.lower() == "*all*" else lang

    @property
    def tool(self) -> str:
        """The tool that made the file (``OmegaT 6.0.0``), or ``unknown``."""
        tool = " ".join(x for x in (self.header.get("creationtool", ""), self.header.get("creationtoolversion", "")) if x)
        return tool.strip() or "unknown"


def _local(tag: object) -> str | None:
    """An element's tag without a namespace; None for one in a namespace, a comment or an entity."""
    if not isinstance(tag, str) or tag.startswith("{"):
        return None
    return tag


def _clean_inline(seg: etree._Element) -> None:
    """Replace every element TMX 1.4b does not allow where it stands by its content, in place.

    The DTD's rules: ``seg``, ``hi`` and ``sub`` hold ``bpt ept it ph hi ut``; those
    native-code elements hold only ``sub``. Anything else (an XLIFF ``<g>``, an element
    in a namespace, ``sub`` right in ``seg``) is unwrapped: its text stays, so the merged
    file is valid and loses no text.
    """
    def allowed(tag: str | None, parent_tag: str) -> bool:
        if parent_tag in NATIVE_CODE:
            return tag == "sub"
        return tag in INLINE and tag != "sub"

    def walk(parent: etree._Element, parent_tag: str) -> None:
        for child in list(parent):
            tag = _local(child.tag)
            if allowed(tag, parent_tag):
                walk(child, tag or "")
                continue
            walk(child, parent_tag)  # its allowed descendants stay, in its place
            _unwrap(child)

    walk(seg, "seg")


def _unwrap(elem: etree._Element) -> None:
    """Remove ``elem`` but keep its text, its children and its tail where it stood."""
    parent = elem.getparent()
    assert parent is not None
    previous = elem.getprevious()
    text, tail, children = elem.text or "", elem.tail or "", list(elem)

    def add_after(node: etree._Element | None, value: str) -> None:
        if node is None:
            parent.text = (parent.text or "") + value
        else:
            node.tail = (node.tail or "") + value

    add_after(previous, text)
    index = parent.index(elem)
    for offset, child in enumerate(children):  # a child's tail moves with it
        parent.insert(index + offset, child)
    elem.tail = None
    parent.remove(elem)
    add_after(children[-1] if children else previous, tail)


def _seg_text(elem: etree._Element) -> str:
    """The translatable text under ``elem``: native code left out, ``hi`` content kept."""
    parts = [elem.text or ""]
    for child in elem:
        if _local(child.tag) not in NATIVE_CODE:
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _escape(text: str) -> str:
    """``text`` as lxml serialises element text (``\\r`` as ``&#13;`` so parsers keep it)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _inner_xml(elem: etree._Element) -> str:
    """``elem``'s content as XML text (its own tag left out)."""
    head = etree.tostring(elem, encoding="unicode", with_tail=False)
    # the element was serialised alone: strip "<seg ...>" and "</seg>" (or a self-closed "<seg/>")
    if head.endswith("/>") and len(elem) == 0 and not elem.text:
        return ""
    start = head.index(">") + 1
    end = head.rindex("</")
    return head[start:end]


def _extras(elem: etree._Element) -> tuple[Prop, ...]:
    """The ``prop`` and ``note`` children of ``elem``, in order."""
    out = []
    for child in elem:
        tag = child.tag
        if tag != "prop" and tag != "note":
            continue
        lang = child.get(XML_LANG) or child.get("lang")
        if tag == "prop":
            out.append(Prop(child.get("type", "") or "x-unnamed", child.text or "", lang))
        else:
            out.append(Prop(None, child.text or "", lang))
    return tuple(out)


def _attributes(elem: etree._Element, known: frozenset[str]) -> tuple[tuple[tuple[str, str], ...], tuple[Prop, ...]]:
    """The attributes the DTD knows for ``elem``, and the others turned into ``x-attr-NAME`` props.

    An attribute TMX does not declare would make the merged file invalid; as a prop it is kept.
    """
    attrs, extra = [], []
    for name, value in elem.attrib.items():
        if name in ("tuid", "lang", XML_LANG):
            continue
        if name in known and not (name == "segtype" and value not in SEGTYPES):
            attrs.append((name, value))
        else:
            local = name.rsplit("}", 1)[-1]
            extra.append(Prop(f"x-attr-{local}", value))
    return tuple(sorted(attrs)), tuple(extra)


def _variant(tuv: etree._Element, name: str, unit_name: str) -> Variant:
    lang = (tuv.get(XML_LANG) or tuv.get("lang") or "").strip()
    if not lang:
        raise InputError(
            f"{name}: {unit_name} has a <tuv> without a language; add xml:lang=\"…\" to it (TMX requires one)"
        )
    seg = None
    for child in tuv:
        if child.tag == "seg":
            seg = child
            break
    attrs, extra = _attributes(tuv, TUV_ATTRIBUTES)
    if seg is None:
        return Variant(lang, "", "", attrs, _extras(tuv) + extra)
    if len(seg) == 0:  # plain text, the common case: no markup to clean or serialise
        text = seg.text or ""
        return Variant(lang, text, _escape(text), attrs, _extras(tuv) + extra)
    _clean_inline(seg)
    return Variant(lang, _seg_text(seg), _inner_xml(seg), attrs, _extras(tuv) + extra)


def _refuse_entities(elem: etree._Element, name: str) -> None:
    """Refuse a document whose DOCTYPE declares entities before reading any of it."""
    dtd = elem.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise InputError(
            f"{name} declares XML entities in its DOCTYPE, which TMX never needs and which can expand without "
            "limit; remove the <!ENTITY …> declarations (or export the TMX again from its tool)"
        )


def _syntax_message(name: str, err: etree.XMLSyntaxError) -> str:
    """One line for a file the XML parser refused: where, why, and what to do."""
    detail = (getattr(err, "msg", None) or str(err) or "no detail").splitlines()[0]
    if "Document is empty" in detail or detail.startswith("no element found"):
        return f"{name} holds no XML element (an empty file?); give a TMX file"
    if "encoding" in detail.lower():
        return (f"{name} is not well-formed XML ({detail}); save it as UTF-8 or UTF-16, or declare its real "
                "encoding in <?xml … encoding=\"…\"?>")
    return f"{name} is not well-formed XML ({detail}); give a TMX file, or repair this one"


def _not_tmx(name: str, root_tag: object) -> InputError:
    what = f"<{root_tag}>" if _local(root_tag) else "an element in a namespace"
    return InputError(f"{name} is not a TMX file (its root element is {what}, not <tmx>); give a .tmx file")


def read_tm(path: str | os.PathLike[str]) -> TmFile:
    """Read every unit of the TMX file ``path``, safely, keeping markup, attributes, props and notes.

    Raises :class:`~align.errors.InputError` with one line for a missing file, a file that
    is not XML or not TMX, entity declarations, and a variant without a language.
    """
    name = shown_path(os.fspath(path))
    tm: TmFile | None = None
    position = 0
    try:
        # only the elements read here raise events: the parser stays in C for everything else
        events = etree.iterparse(
            os.fspath(path),
            events=("start", "end"),
            tag=("tmx", "header", "tu"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            remove_comments=True,
            remove_pis=True,
            huge_tree=False,
        )
        for event, elem in events:
            if tm is None:
                if elem.tag != "tmx" or elem.getparent() is not None:
                    raise _not_tmx(name, elem.getroottree().getroot().tag)
                _refuse_entities(elem, name)
                tm = TmFile(name, elem.get("version", ""), {})
                continue
            if event == "start":
                continue
            if elem.tag == "header":
                tm.header = {k: v for k, v in elem.attrib.items() if isinstance(k, str)}
                tm.header_extras = _extras(elem)
                elem.clear()
            elif elem.tag == "tu":
                position += 1
                unit_name = f"unit {position}" + (f' (tuid "{elem.get("tuid")}")' if elem.get("tuid") else "")
                variants = tuple(_variant(c, name, unit_name) for c in elem if c.tag == "tuv")
                if variants:
                    attrs, extra = _attributes(elem, TU_ATTRIBUTES)
                    tm.units.append(Unit(position, elem.get("tuid"), variants, attrs, _extras(elem) + extra))
                else:
                    tm.empty_units += 1
                elem.clear()
                parent = elem.getparent()
                if parent is not None:
                    while elem.getprevious() is not None:
                        del parent[0]
        if tm is None:
            raise _not_tmx(name, events.root.tag if events.root is not None else None)
    except etree.XMLSyntaxError as err:
        raise InputError(_syntax_message(name, err)) from None
    except IsADirectoryError:
        raise InputError(f"{name} is a directory; give the path of a TMX file") from None
    except FileNotFoundError:
        raise InputError(f"cannot read {name}: no such file; check the path") from None
    except OSError as err:
        raise InputError(f"cannot read {name}: {err.strerror or err}") from None
    return tm
