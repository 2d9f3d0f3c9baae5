"""Exporters: TMX validity and round trip, the text formats, bead validation, atomic writing."""

from __future__ import annotations

import errno
import json
import os
import re
from pathlib import Path

import pytest
from lxml import etree

from align.errors import AlignError, InputError, OutputError
from align.evaluate import read_beads
from align.export import FORMATS, Exporter, ExportResult, atomic_output, export, format_for_path, get_exporter, read_tmx
import align.files.atomic as atomic_mod
from align.export.beads import check_beads, format_bead
from align.export.moses import moses_paths
from align.export.tmx import tmx_date, xml_safe
from align.export.tsv import COLUMNS, escape_field, unescape_field
from align.types import Alignment, Bead, Document, Sentence
from tests.privileges import run_python


FIXED_DATE = "20250102T030405Z"


def make_doc(sentences: list[str], lang: str, path: str | None = None) -> Document:
    """A document whose text is the sentences joined by single spaces, with true spans."""
    text, out = "", []
    for i, s in enumerate(sentences):
        if text:
            text += " "
        out.append(Sentence(i, len(text), len(text) + len(s), s))
        text += s
    return Document(text, lang, path, tuple(out))


SRC_SENTENCES = [
    'Er schrieb <script>alert("x")</script> & ging.',  # 0
    "Ende ]]> einer CDATA-Sektion, 'einfach' und \"doppelt\".",  # 1
    "Steuerzeichen\x00 und\x0b hier\x1f.",  # 2  (3 forbidden)
    "Tab\tim Satz\nund Zeilenumbruch\r\nsowie CR.",  # 3
    "Nicht übersetzt.",  # 4
    "Emoji 😀 und Sonderzeichen \ufffe\uffff und \ud800 lose.",  # 5  (3 forbidden)
]
TGT_SENTENCES = [
    "He wrote <script> & left.",  # 0
    "End ]]> of a CDATA section.",  # 1
    "שלום עולם — RTL text, مرحبا",  # 2
    "Control chars here.",  # 3
    "An inserted sentence.",  # 4
    "Emoji 😀 and specials.",  # 5
]
BEADS = (
    Bead((0,), (0,), 0.812),
    Bead((1,), (1, 2), 0.6543),  # 1-2
    Bead((2, 3), (3,), 0.5),  # 2-1, with control chars
    Bead((4,), (), 0.0),  # deletion
    Bead((), (4,), 0.0),  # insertion
    Bead((5,), (5,), 0.9),
)
SETTINGS = {"model": "use-m3", "window": 3, "extra": {"b": 1, "a": [1, 2]}}


@pytest.fixture
def alignment() -> Alignment:
    return Alignment(
        make_doc(SRC_SENTENCES, "de", "samples/de.txt"),
        make_doc(TGT_SENTENCES, "en", "samples/en.txt"),
        BEADS,
        dict(SETTINGS),
    )


def joined(sentences: list[str], ids: tuple[int, ...]) -> str:
    return " ".join(sentences[i] for i in ids)


def dtd_valid(path: Path, dtd: etree.DTD) -> tuple[bool, str]:
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    ok = dtd.validate(tree)
    return ok, str(dtd.error_log.filter_from_errors())


def one_line(err: BaseException) -> bool:
    return "\n" not in str(err) and len(str(err)) > 0


# --------------------------------------------------------------------------------- TMX


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


# --------------------------------------------------------------------------------- TSV


def test_tsv_content(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tsv"
    result = export(alignment, out)
    assert result.format == "tsv" and result.units == 6
    lines = out.read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == ""  # file ends with a newline
    rows = [line.split("\t") for line in lines[:-1]]
    assert tuple(rows[0]) == COLUMNS
    assert all(len(r) == 5 for r in rows), "a tab or newline in the text broke a row"
    assert rows[1] == ["0", "0", "0.8120", SRC_SENTENCES[0], TGT_SENTENCES[0]]
    assert rows[2][:3] == ["1", "1,2", "0.6543"]
    assert unescape_field(rows[3][3]) == joined(SRC_SENTENCES, (2, 3))
    assert rows[4] == ["4", "", "0.0000", "Nicht übersetzt.", ""]
    assert rows[5] == ["", "4", "0.0000", "", "An inserted sentence."]


def test_tsv_options(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tsv"
    result = export(alignment, out, header=False, unmatched="skip")
    assert result.units == 4 and result.skipped_unmatched == 2
    lines = out.read_bytes().decode("utf-8").split("\n")[:-1]
    assert len(lines) == 4 and lines[0].startswith("0\t0\t")


@pytest.mark.parametrize("text", ["plain", "a\tb", "a\nb\r\n", "back\\slash\\t", "\\", "", "x\\\ty"])
def test_tsv_escape_round_trip(text: str) -> None:
    field = escape_field(text)
    assert "\t" not in field and "\n" not in field and "\r" not in field
    assert unescape_field(field) == text


# ------------------------------------------------------------------------------- JSONL


def test_jsonl_content(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.jsonl"
    result = export(alignment, out)
    assert result.units == 6
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(BEADS)
    for record, bead in zip(records, BEADS):
        assert record["src_ids"] == list(bead.src) and record["tgt_ids"] == list(bead.tgt)
        assert record["score"] == pytest.approx(bead.score)
        assert record["src"] == joined(SRC_SENTENCES, bead.src)  # lossless, control chars and all
        assert record["tgt"] == joined(TGT_SENTENCES, bead.tgt)
        for (start, end), i in zip(record["src_spans"], bead.src):
            assert alignment.src.text[start:end] == SRC_SENTENCES[i]
        for (start, end), j in zip(record["tgt_spans"], bead.tgt):
            assert alignment.tgt.text[start:end] == TGT_SENTENCES[j]
    assert set(records[0]) == {"src_ids", "tgt_ids", "score", "src", "tgt", "src_spans", "tgt_spans", "kind"}


def test_jsonl_nan_score_and_skip(tmp_path: Path) -> None:
    a = Alignment(make_doc(["a", "b"], "de"), make_doc(["c"], "en"), (Bead((0,), (0,), float("nan")), Bead((1,), ())))
    out = tmp_path / "x.jsonl"
    result = export(a, out, unmatched="skip")
    assert result.units == 1 and result.skipped_unmatched == 1
    assert json.loads(out.read_text(encoding="utf-8"))["score"] is None


# ------------------------------------------------------------------------------- Moses


def test_moses_two_files(tmp_path: Path, alignment: Alignment) -> None:
    base = tmp_path / "corpus"
    result = export(alignment, base, "moses")
    src_path, tgt_path = moses_paths(base)
    assert result.paths == (src_path, tgt_path)
    src_lines = Path(src_path).read_bytes().decode("utf-8").split("\n")
    tgt_lines = Path(tgt_path).read_bytes().decode("utf-8").split("\n")
    assert src_lines[-1] == tgt_lines[-1] == ""
    assert len(src_lines) == len(tgt_lines) == 5  # 4 aligned beads + final empty string
    assert result.units == 4 and result.skipped_unmatched == 2
    assert src_lines[0] == SRC_SENTENCES[0]
    assert tgt_lines[1] == joined(TGT_SENTENCES, (1, 2))
    # sentence 3 holds \n, \r\n; sentence 2 holds \x0b: each replaced by a space
    assert src_lines[2] == "Steuerzeichen\x00 und  hier\x1f. Tab\tim Satz und Zeilenumbruch  sowie CR."
    assert result.replaced_chars == 4 + 1  # 4 line breaks + 1 lone surrogate in sentence 5
    assert "\ufffd" in src_lines[3]


def test_moses_to_stdout_is_an_error(alignment: Alignment) -> None:
    for target in (None, "-"):
        with pytest.raises(OutputError, match="two files") as info:
            export(alignment, target, "moses")
        assert one_line(info.value)


def test_moses_cannot_include_unmatched(tmp_path: Path, alignment: Alignment) -> None:
    with pytest.raises(AlignError, match="unmatched"):
        export(alignment, tmp_path / "c", "moses", unmatched="include")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------- beads


def test_beads_content(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.beads"
    result = export(alignment, out)
    assert result.units == 6
    assert out.read_text(encoding="ascii") == (
        "[0]:[0]:0.812\n[1]:[1,2]:0.654\n[2,3]:[3]:0.5\n[4]:[]:0.0\n[]:[4]:0.0\n[5]:[5]:0.9\n"
    )
    assert read_beads(out) == [(b.src, b.tgt) for b in BEADS]
    export(alignment, out, scores=False)
    assert out.read_text().splitlines()[:2] == ["[0]:[0]", "[1]:[1,2]"]


def test_format_bead_examples() -> None:
    assert format_bead(Bead((3, 4), (5,), 0.8120)) == "[3,4]:[5]:0.812"
    assert format_bead(Bead((), (6,), 0.0)) == "[]:[6]:0.0"
    assert format_bead(Bead((1,), (1,), 1)) == "[1]:[1]:1.0"


@pytest.mark.parametrize(
    "beads, message",
    [
        ((Bead((0,), (0,)), Bead((2,), (1,))), "source sentence 1 is in no bead (bead 1 jumps to 2)"),
        ((Bead((0,), (0,)), Bead((0, 1, 2), (1,))), "source sentence 0 appears again"),
        ((Bead((1,), (0,)), Bead((0, 2), (1,))), "source sentence 0 is in no bead"),
        ((Bead((0,), (0,)), Bead((1, 2), (1,)), Bead((3,), ())), "refers to source sentence 3, but there are only 3"),
        ((Bead((0,), (0,)),), "source sentences 1..2 are in no bead"),
        ((Bead((0, 1, 2), (0,)),), "target sentences 1..1 are in no bead"),
        ((Bead((0,), (0,)), Bead((), ()), Bead((1, 2), (1,))), "bead 1 is empty on both sides"),
    ],
)
def test_beads_validation(tmp_path: Path, beads: tuple[Bead, ...], message: str) -> None:
    a = Alignment(make_doc(["a", "b", "c"], "de"), make_doc(["d", "e"], "en"), beads)
    out = tmp_path / "out.beads"
    with pytest.raises(AlignError, match=re.escape(message)) as info:
        export(a, out)
    assert one_line(info.value)
    assert list(tmp_path.iterdir()) == [], "a failed export must leave no file"
    with pytest.raises(AlignError):
        check_beads(a)


# -------------------------------------------------------------------------- registry


def test_formats_and_registry() -> None:
    assert FORMATS.names() == ("tmx", "tsv", "jsonl", "moses", "beads", "html")
    for name in FORMATS.names():
        exporter = get_exporter(name)
        assert isinstance(exporter, Exporter) and exporter.name == name
    assert get_exporter("TMX").name == "tmx"
    with pytest.raises(AlignError, match="valid formats: tmx, tsv, jsonl, moses, beads") as info:
        get_exporter("xliff")
    assert one_line(info.value)


@pytest.mark.parametrize(
    "path, fmt",
    [
        ("a.tmx", "tmx"),
        ("dir/A.TMX", "tmx"),
        ("a.tsv", "tsv"),
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.beads", "beads"),
        ("a.txt", None),
        ("corpus", None),
        ("-", None),
        (None, None),
    ],
)
def test_format_for_path(path: str | None, fmt: str | None) -> None:
    assert format_for_path(path) == fmt


def test_export_needs_a_format(tmp_path: Path, alignment: Alignment) -> None:
    with pytest.raises(AlignError, match="--format") as info:
        export(alignment, tmp_path / "out.txt")
    assert one_line(info.value)
    with pytest.raises(AlignError, match="standard output"):
        export(alignment, None)


def test_unknown_option_is_an_error(tmp_path: Path, alignment: Alignment) -> None:
    with pytest.raises(AlignError, match="unknown option 'umatched'"):
        export(alignment, tmp_path / "o.tmx", umatched="include")


def test_export_to_stdout(alignment: Alignment, capsys) -> None:
    result = export(alignment, None, "beads")
    assert result.paths == ()  # standard output
    assert capsys.readouterr().out.splitlines()[0] == "[0]:[0]:0.812"
    export(alignment, "-", "jsonl")
    assert json.loads(capsys.readouterr().out.splitlines()[2])["src_ids"] == [2, 3]


def test_export_to_text_only_stdout(alignment: Alignment, monkeypatch) -> None:
    """Jupyter's stdout has no binary buffer; multi-byte characters must still come out whole."""
    import io

    class TextOnly(io.StringIO):
        pass

    fake = TextOnly()
    monkeypatch.setattr("sys.stdout", fake)
    with atomic_output(None) as out:
        data = "😀 שלום".encode()
        for i in range(len(data)):  # one byte at a time
            out.write(data[i : i + 1])
    assert fake.getvalue() == "😀 שלום"


# ---------------------------------------------------------------------- atomic writes


class Exploding(Exporter):
    """Writes some bytes, then fails: what a bug or Ctrl-C halfway through looks like."""

    name = "exploding"
    options = {"error": ValueError}

    def write(self, alignment, out, **options):  # type: ignore[no-untyped-def]
        out.write(b"partial output\n" * 1000)
        raise options.get("error", ValueError)("boom")


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_failed_write_leaves_no_file(tmp_path: Path, alignment: Alignment, error: type[BaseException]) -> None:
    out = tmp_path / "out.tmx"
    with pytest.raises(error):
        Exploding().export(alignment, out, error=error)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_previous_file(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tmx"
    out.write_bytes(b"previous good output")
    with pytest.raises(ValueError):
        Exploding().export(alignment, out)
    assert out.read_bytes() == b"previous good output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tmx"]


def test_success_leaves_no_temp_files_and_normal_mode(tmp_path: Path, alignment: Alignment) -> None:
    for name in FORMATS.names():
        export(alignment, tmp_path / f"out.{name}", name)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["out.beads", "out.html", "out.jsonl", "out.moses.src", "out.moses.tgt", "out.tmx", "out.tsv"]
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "out.tmx").stat().st_mode & 0o777 == 0o666 & ~umask


def test_existing_file_keeps_its_mode(tmp_path: Path, alignment: Alignment) -> None:
    out = tmp_path / "out.tsv"
    out.write_text("old")
    out.chmod(0o640)
    export(alignment, out)
    assert out.stat().st_mode & 0o777 == 0o640
    assert out.read_text(encoding="utf-8").startswith("src_ids")


def test_missing_directory(tmp_path: Path, alignment: Alignment) -> None:
    with pytest.raises(OutputError, match="does not exist") as info:
        export(alignment, tmp_path / "no" / "such" / "out.tmx")
    assert one_line(info.value)


def test_path_is_a_directory(tmp_path: Path, alignment: Alignment) -> None:
    with pytest.raises(OutputError, match="is a directory") as info:
        export(alignment, tmp_path, "tmx")
    assert one_line(info.value)


def test_parent_is_a_file(tmp_path: Path, alignment: Alignment) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a directory") as info:
        export(alignment, tmp_path / "file" / "out.tmx")
    assert one_line(info.value)


def test_read_only_directory_simulated(tmp_path: Path, alignment: Alignment, monkeypatch) -> None:
    """Simulated, because tests may run as root, for whom chmod does not forbid writing."""

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic_mod.tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match="no permission to write in") as info:
        export(alignment, tmp_path / "out.tmx")
    assert one_line(info.value)


def test_read_only_directory_real(tmp_path: Path) -> None:
    """A real read-only folder, in a child that obeys permission bits even when tests run as root."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    code = (
        "import sys\nfrom align import align_texts\nfrom align.errors import OutputError\n"
        "a = align_texts('Der Hund bellt.', 'The dog barks.', 'de', 'en')\n"
        "try:\n    a.export(sys.argv[1])\nexcept OutputError as err:\n    print(err)\n    sys.exit(7)\n"
    )
    try:
        done = run_python(code, str(ro / "out.tmx"))
        assert done.returncode == 7, (done.stdout, done.stderr)
        assert "no permission" in done.stdout and done.stdout.count("\n") == 1
        assert os.listdir(ro) == []
    finally:
        ro.chmod(0o755)


def test_disk_full(tmp_path: Path, alignment: Alignment) -> None:
    class FullDisk(Exporter):
        name = "full"

        def write(self, alignment, out, **options):  # type: ignore[no-untyped-def]
            out.write(b"some")
            raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "out.tmx"
    with pytest.raises(OutputError) as info:
        FullDisk().export(alignment, out)
    assert str(info.value) == f"disk full while writing {out}; free space and retry"
    assert list(tmp_path.iterdir()) == []


def test_disk_full_on_fsync(tmp_path: Path, alignment: Alignment, monkeypatch) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic_mod.os, "fsync", no_space)
    with pytest.raises(OutputError, match="disk full while writing"):
        export(alignment, tmp_path / "out.tsv")
    assert list(tmp_path.iterdir()) == []


def test_moses_failure_leaves_neither_file(tmp_path: Path, alignment: Alignment, monkeypatch) -> None:
    from align.export.moses import MosesExporter

    def fail(self, alignment, out, **options):  # type: ignore[no-untyped-def]
        out[0].write(b"src line\n")
        out[1].write(b"tgt line\n")
        raise RuntimeError("boom")

    monkeypatch.setattr(MosesExporter, "write", fail)
    with pytest.raises(RuntimeError):
        export(alignment, tmp_path / "c", "moses")
    assert list(tmp_path.iterdir()) == []


def test_export_result_type(tmp_path: Path, alignment: Alignment) -> None:
    result = export(alignment, tmp_path / "o.tmx")
    assert isinstance(result, ExportResult)
    assert result.paths == (str(tmp_path / "o.tmx"),)


def test_writes_through_a_symlink(tmp_path: Path, alignment: Alignment) -> None:
    real = tmp_path / "real.tsv"
    real.write_text("old")
    link = tmp_path / "link.tsv"
    link.symlink_to(real)
    export(alignment, link)
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("src_ids")


def test_empty_output_path(alignment: Alignment) -> None:
    with pytest.raises(OutputError, match="empty"):
        export(alignment, "", "tsv")
