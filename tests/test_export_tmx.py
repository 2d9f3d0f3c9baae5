"""TMX export and import: DTD validity, header, escaping, forbidden characters, unit props, round trip.

Writing (``align.export.tmx``): the output is valid TMX 1.4b, UTF-8 without a BOM, escapes
markup, drops (and counts) characters XML cannot hold, and gives the texts back through
:func:`align.export.read_tmx`. Reading: inline markup, the ``lang`` fallback, no external
entities, one-line errors. The shared alignment: ``tests/export_support.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from align.errors import AlignError, InputError
from align.export import export, read_tmx
from align.export.tmx import tmx_date, xml_safe
from align.types import Alignment, Bead
from tests.export_support import BEADS, SRC_SENTENCES, TGT_SENTENCES, joined, make_doc, one_line


FIXED_DATE = "20250102T030405Z"


def dtd_valid(path: Path, dtd: etree.DTD) -> tuple[bool, str]:
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    ok = dtd.validate(tree)
    return ok, str(dtd.error_log.filter_from_errors())


@pytest.mark.parametrize("unmatched", ["skip", "include"])
def test_tmx_validates_against_dtd(tmp_path: Path, alignment: Alignment, unmatched: str, tmx_dtd) -> None:
    out = tmp_path / "out.tmx"
    export(alignment, out, unmatched=unmatched, creationdate=FIXED_DATE)
    ok, log = dtd_valid(out, tmx_dtd)
    assert ok, log


def test_tmx_empty_alignment_is_valid(tmp_path: Path, tmx_dtd) -> None:
    empty = Alignment(make_doc([], "de"), make_doc([], "en"), ())
    out = tmp_path / "empty.tmx"
    result = export(empty, out)
    assert result.units == 0
    assert dtd_valid(out, tmx_dtd)[0]
    assert read_tmx(out) == []


def test_tmx_encoding_declaration_and_no_bom(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tmx"
    export(alignment, out)
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n')
    data.decode("utf-8")  # strict: valid UTF-8 throughout
    assert "😀".encode() in data  # written as UTF-8, not as character references


def test_tmx_header(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tmx"
    export(alignment, out, creationdate=FIXED_DATE)
    root = etree.parse(str(out)).getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    import align

    assert dict(header.attrib) == {
        "creationtool": "align",
        "creationtoolversion": align.__version__,
        "segtype": "sentence",
        "o-tmf": "align",
        "adminlang": "en",
        "srclang": "de",
        "datatype": "plaintext",
        "creationdate": FIXED_DATE,
    }
    props = {p.get("type"): p.text for p in header.findall("prop")}
    assert props["x-align-model"] == "use-m3"
    assert props["x-align-window"] == "3"
    assert json.loads(props["x-align-extra"]) == {"a": [1, 2], "b": 1}
    assert props["x-align-src-doc"] == "samples/de.txt"
    assert props["x-align-tgt-doc"] == "samples/en.txt"


def test_tmx_creationdate_default_format_and_reproducible(tmp_path: Path, alignment: Alignment, monkeypatch) -> None:
    assert re.fullmatch(r"\d{8}T\d{6}Z", tmx_date())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert tmx_date() == "20231114T221320Z"
    a, b = tmp_path / "a.tmx", tmp_path / "b.tmx"
    export(alignment, a)
    export(alignment, b)
    assert a.read_bytes() == b.read_bytes()
    with pytest.raises(AlignError):
        tmx_date("2025-01-01")


def test_tmx_escaping(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tmx"
    export(alignment, out)
    text = out.read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert "&amp;" in text
    assert "]]&gt;" in text and "]]>" not in text
    assert "&#13;" in text  # CR kept as a reference, so XML parsers do not normalise it away
    assert "שלום עולם" in text


def test_tmx_forbidden_chars_removed_and_counted(tmp_path: Path, alignment: Alignment) -> None:
    # sentence 2: \x00 \x0b \x1f ; sentence 5: \ufffe \uffff \ud800 -> 6 in aligned beads.
    result = export(alignment, tmp_path / "out.tmx")
    assert result.removed_chars == 6
    assert result.units == 4 and result.skipped_unmatched == 2
    assert xml_safe("a\x00b\tc\nd\re\x7f\U0001f600\ud800\x08") == ("ab\tc\nd\re\x7f\U0001f600", 3)


def test_tmx_round_trip_gives_back_texts(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tmx"
    export(alignment, out)
    units = read_tmx(out)
    matched = [b for b in BEADS if b.is_match]
    assert len(units) == len(matched)
    for unit, bead in zip(units, matched):
        src = xml_safe(joined(SRC_SENTENCES, bead.src))[0]
        tgt = xml_safe(joined(TGT_SENTENCES, bead.tgt))[0]
        assert unit["tuvs"] == [{"lang": "de", "text": src}, {"lang": "en", "text": tgt}]
    # texts without forbidden characters come back exactly, tabs, newlines and CR included
    assert units[2]["tuvs"][0]["text"] == "Steuerzeichen und hier. Tab\tim Satz\nund Zeilenumbruch\r\nsowie CR."


def test_tmx_unit_props(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tmx"
    export(alignment, out)
    units = read_tmx(out)
    assert [u["tuid"] for u in units] == ["1", "2", "3", "4"]
    assert units[0]["props"] == {"x-align-score": "0.8120", "x-align-src-ids": "0", "x-align-tgt-ids": "0"}
    assert units[1]["props"] == {"x-align-score": "0.6543", "x-align-src-ids": "1", "x-align-tgt-ids": "1,2"}
    assert units[2]["props"]["x-align-src-ids"] == "2,3"
    # props come before the tuvs, as the DTD requires: (note|prop)*, tuv+
    tu = etree.parse(str(out)).getroot().find("body/tu")
    assert [c.tag for c in tu] == ["prop", "prop", "prop", "tuv", "tuv"]


def test_tmx_unmatched_include(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tmx"
    result = export(alignment, out, unmatched="include")
    assert result.units == 6 and result.skipped_unmatched == 0
    units = read_tmx(out)
    deletion, insertion = units[3], units[4]
    assert deletion["tuvs"] == [{"lang": "de", "text": "Nicht übersetzt."}]
    assert deletion["props"] == {"x-align-score": "0.0000", "x-align-src-ids": "4", "x-align-tgt-ids": ""}
    assert insertion["tuvs"] == [{"lang": "en", "text": "An inserted sentence."}]
    assert insertion["props"]["x-align-src-ids"] == ""
    with pytest.raises(AlignError, match="unmatched"):
        export(alignment, tmp_path / "bad.tmx", unmatched="maybe")


def test_tmx_needs_languages(tmp_path: Path) -> None:
    a = Alignment(make_doc(["a"], ""), make_doc(["b"], "en"), (Bead((0,), (0,), 1.0),))
    with pytest.raises(AlignError, match="language"):
        export(a, tmp_path / "x.tmx")
    assert not (tmp_path / "x.tmx").exists()


def test_tmx_every_tuv_has_xml_lang(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tmx"
    export(alignment, out, unmatched="include")
    tuvs = etree.parse(str(out)).getroot().iter("tuv")
    assert all(t.get("{http://www.w3.org/XML/1998/namespace}lang") in ("de", "en") for t in tuvs)


def test_tmx_large_alignment_streams(tmp_path: Path, tmx_dtd) -> None:
    n = 5000
    src = make_doc([f"Satz {i} & <b>" for i in range(n)], "de")
    tgt = make_doc([f"Sentence {i}" for i in range(n)], "en")
    a = Alignment(src, tgt, tuple(Bead((i,), (i,), 0.5) for i in range(n)))
    out = tmp_path / "big.tmx"
    assert export(a, out).units == n
    units = read_tmx(out)
    assert len(units) == n and units[-1]["tuvs"][0]["text"] == f"Satz {n - 1} & <b>"
    assert dtd_valid(out, tmx_dtd)[0]


# ---------------------------------------------------------------------------- read_tmx


def test_read_tmx_inline_markup_and_lang_fallback(tmp_path: Path) -> None:
    f = tmp_path / "in.tmx"
    f.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="x" '
        'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="en" datatype="html"/>'
        '<body><tu><note>n</note><tuv lang="en"><seg>a<bpt i="1">&lt;b&gt;</bpt>b<ept i="1">&lt;/b&gt;</ept> '
        "<hi>c</hi>d</seg></tuv></tu></body></tmx>",
        encoding="utf-8",
    )
    assert read_tmx(f) == [{"tuid": None, "props": {}, "tuvs": [{"lang": "en", "text": "ab cd"}]}]


def test_read_tmx_does_not_resolve_external_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    f = tmp_path / "xxe.tmx"
    f.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<tmx version="1.4"><body><tu><tuv xml:lang="en"><seg>x&xxe;y</seg></tuv></tu></body></tmx>',
        encoding="utf-8",
    )
    units = read_tmx(f)
    assert "TOP SECRET" not in units[0]["tuvs"][0]["text"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("<tmx><body><tu>", "not well-formed"),
        ('<?xml version="1.0"?><html><body/></html>', "not a TMX file"),
    ],
)
def test_read_tmx_errors(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "bad.tmx"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        read_tmx(f)
    assert one_line(info.value)


def test_read_tmx_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read") as info:
        read_tmx(tmp_path / "nope.tmx")
    assert one_line(info.value)
