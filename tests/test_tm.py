"""``align tm merge`` and ``align tm stats``: TMX from align and other tools, merged without loss.

The inputs: one TMX written by align's exporter, and hand-made files in the style of
OmegaT (upper-case language tags, ``lang=`` and ``xml:lang``, ``bpt``/``ept`` tags,
alternative translations with props and notes), LF Aligner (lower-case tags, no
DOCTYPE, ``PlainText``, props and notes, ``ph``/``sub``/``hi``/``it`` tags), Trados
(UTF-16 with a byte-order mark, the other direction, usage counts) and TMX 1.1 (``lang``).
The merged file must be valid TMX 1.4b, hold every input unit's segments exactly once
(markup included), and count what it merged; translate-toolkit must read it back.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from align.errors import AlignWarning, InputError
from align.export import export
from align.tm import merge_tms, read_tm, tm_stats, write_merged
from align.tm.langs import file_pair, normalise_lang, split_unit, unify
from align.tm.merge import unit_key
from align.types import Alignment, Bead
from tests.cli_support import run_cli
from tests.export_support import make_doc

FIXED_DATE = "20250102T030405Z"

DE = ["Der Hund schläft.", "Die Katze isst.", "Guten Morgen!", "Nicht übersetzt."]
EN = ["The dog is asleep.", "The cat eats.", "Good morning!"]

OMEGAT = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4">
  <header creationtool="OmegaT" o-tmf="OmegaT TMX" adminlang="EN-US" datatype="plaintext"
          creationtoolversion="6.0.0_0_1bf1729" segtype="sentence" srclang="DE-DE"/>
  <body>
<!-- Default translations -->
    <tu>
      <tuv lang="DE-DE">
        <seg>Der Hund schläft.</seg>
      </tuv>
      <tuv lang="EN-GB" changeid="anna" changedate="20240102T101500Z" creationid="anna" creationdate="20240101T090000Z">
        <seg>The dog is asleep.</seg>
      </tuv>
    </tu>
    <tu>
      <tuv xml:lang="DE-DE">
        <seg>Klicken Sie auf <bpt i="1" x="1">&lt;b0&gt;</bpt>OK<ept i="1">&lt;/b0&gt;</ept>.</seg>
      </tuv>
      <tuv xml:lang="EN-GB">
        <seg>Click <bpt i="1" x="1">&lt;b0&gt;</bpt>OK<ept i="1">&lt;/b0&gt;</ept>.</seg>
      </tuv>
    </tu>
<!-- Alternative translations -->
    <tu>
      <prop type="file">manual.odt</prop>
      <note>Alternative translation</note>
      <tuv xml:lang="DE-DE"><seg>Der Hund schläft.</seg></tuv>
      <tuv xml:lang="EN-GB"><seg>The dog sleeps.</seg></tuv>
    </tu>
  </body>
</tmx>
"""

LF_ALIGNER = """<?xml version="1.0" encoding="utf-8" ?>
<tmx version="1.4">
<header
creationtool="LF Aligner"
creationtoolversion="4.2"
datatype="PlainText"
segtype="sentence"
adminlang="en-us"
srclang="de-de"
o-tmf="ABCTransMem"
>
</header>
<body>
<tu creationdate="20240315T101010Z" creationid="LF Aligner">
<prop type="Txt::Note">manual_de.txt</prop>
<tuv xml:lang="de-de"><seg>Die Katze  isst. </seg></tuv>
<tuv xml:lang="en-gb"><seg>The cat
eats.</seg></tuv>
</tu>
<tu creationdate="20240315T101010Z" creationid="LF Aligner">
<note>checked by hand</note>
<tuv xml:lang="de-de"><seg>Guten Morgen!</seg></tuv>
<tuv xml:lang="en-gb"><seg>Morning!</seg></tuv>
</tu>
<tu creationdate="20240315T101011Z" creationid="LF Aligner">
<tuv xml:lang="de-de"><seg>Siehe <ph x="1" type="link">&lt;a href="#x"&gt;<sub>Abschnitt 2</sub></ph> und <hi type="b">fett <it pos="begin" x="2">&lt;i&gt;</it>kursiv</hi> &amp; mehr.</seg></tuv>
<tuv xml:lang="en-gb"><seg>See <ph x="1" type="link">&lt;a href="#x"&gt;<sub>section 2</sub></ph> and <hi type="b">bold <it pos="begin" x="2">&lt;i&gt;</it>italic</hi> &amp; more.</seg></tuv>
</tu>
</body>
</tmx>
"""

# Trados style: UTF-16 with a byte-order mark, English to German (the other direction),
# usage counts and Trados's own props, empty bpt/ept.
TRADOS = """<?xml version="1.0" encoding="utf-16"?>
<tmx version="1.4">
  <header creationtool="SDL Language Platform" creationtoolversion="8.0" o-tmf="SDL TM8 Format" datatype="xml"
          segtype="sentence" adminlang="en-GB" srclang="en-GB" creationdate="20230101T000000Z" creationid="PM">
    <prop type="x-Recognizers">RecognizeAll</prop>
  </header>
  <body>
    <tu creationdate="20230105T080000Z" creationid="PM" changedate="20230106T080000Z" changeid="PM"
        lastusagedate="20230301T080000Z" usagecount="4">
      <prop type="x-LastUsedBy">PM</prop>
      <tuv xml:lang="en-GB"><seg>The dog is asleep.</seg></tuv>
      <tuv xml:lang="de-DE"><seg>Der Hund schläft.</seg></tuv>
    </tu>
    <tu creationdate="20230105T080000Z" creationid="PM" usagecount="1">
      <tuv xml:lang="en-GB"><seg>Press <bpt i="1" type="1" x="1"/>Enter<ept i="1"/>.</seg></tuv>
      <tuv xml:lang="de-DE"><seg>Drücken Sie <bpt i="1" type="1" x="1"/>Eingabe<ept i="1"/>.</seg></tuv>
    </tu>
  </body>
</tmx>
"""

TMX11 = """<?xml version="1.0"?>
<tmx version="1.1">
<header creationtool="OldTool" creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="EN"
        srclang="DE" datatype="plaintext"/>
<body>
<tu tuid="7"><tuv lang="DE"><seg>Die Katze isst.</seg></tuv><tuv lang="EN-GB"><seg>The cat eats.</seg></tuv></tu>
</body>
</tmx>
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding, "surrogateescape"))
    return path


def ours(tmp_path: Path) -> Path:
    """A TMX made by align's exporter: de/en, scores, ids, one unmatched sentence left out."""
    alignment = Alignment(
        make_doc(DE, "de", "samples/de.txt"), make_doc(EN, "en", "samples/en.txt"),
        (Bead((0,), (0,), 0.91), Bead((1,), (1,), 0.85), Bead((2,), (2,), 0.42), Bead((3,), (), 0.0)),
        {"model": "use-m3"},
    )
    out = tmp_path / "ours.tmx"
    export(alignment, out, creationdate=FIXED_DATE)
    return out


@pytest.fixture
def three(tmp_path: Path) -> list[Path]:
    return [ours(tmp_path), write(tmp_path / "omegat.tmx", OMEGAT), write(tmp_path / "lfaligner.tmx", LF_ALIGNER)]


def merge_to(tmp_path: Path, inputs: list[Path], name: str = "all.tmx") -> Path:
    out = tmp_path / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlignWarning)
        result = merge_tms([str(p) for p in inputs])
    with out.open("wb") as f:
        write_merged(result, f, creationdate=FIXED_DATE)
    return out


def keyed_units(path: Path) -> list[tuple[tuple[str | None, str | None], int, object]]:
    """(segment keys, x-align-count, unit) for every unit of ``path``, source first."""
    tm = read_tm(path)
    pair = file_pair(tm)
    out = []
    for unit in tm.units:
        src, tgt = split_unit(tm, unit, pair)
        counts = unit.props("x-align-count")
        out.append((unit_key(src, tgt), int(counts[0]) if counts else 1, unit))
    return out


def segs(path: Path) -> dict[str, list[str]]:
    """Each ``seg``'s exact XML content in ``path``, by language."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    out: dict[str, list[str]] = {}
    for tuv in tree.iter("tuv"):
        seg = tuv.find("seg")
        inner = (seg.text or "") + "".join(etree.tostring(c, encoding="unicode") for c in seg)
        out.setdefault(tuv.get("{http://www.w3.org/XML/1998/namespace}lang"), []).append(inner)
    return out


def dtd_valid(path: Path, dtd: etree.DTD) -> None:
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()


# --- merging ----------------------------------------------------------------------------


def test_merge_of_three_tools_is_dtd_valid_and_loses_no_unit(tmp_path: Path, three: list[Path], tmx_dtd) -> None:
    out = merge_to(tmp_path, three)
    dtd_valid(out, tmx_dtd)

    merged = keyed_units(out)
    out_keys = Counter(key for key, _, _ in merged)
    assert max(out_keys.values()) == 1  # no pair written twice
    expected: Counter = Counter()
    for path in three:
        for key, count, _ in keyed_units(path):
            expected[key] += count
    # every input unit's pair is in the output exactly once, and its count says how often it came
    assert {key: count for key, count, _ in merged} == dict(expected)
    assert len(merged) == 7 and sum(expected.values()) == 9

    by_src = {key[0]: (key, count, unit) for key, count, unit in merged if key[1] != "The dog sleeps."}
    assert by_src["Der Hund schläft."][1] == 2  # ours + OmegaT
    assert by_src["Die Katze isst."][1] == 2  # ours + LF Aligner's (white space differs)
    assert by_src["Der Hund schläft."][2].props("x-align-files") == ["1,2"]
    assert by_src["Der Hund schläft."][2].props("x-align-score") == ["0.9100"]
    # both translations of a conflicting source are kept
    assert sorted(t for (s, t), _, _ in merged if s == "Guten Morgen!") == ["Good morning!", "Morning!"]
    assert sorted(t for (s, t), _, _ in merged if s == "Der Hund schläft.") == ["The dog is asleep.", "The dog sleeps."]


def test_merge_keeps_inline_markup_and_all_text(tmp_path: Path, three: list[Path], tmx_dtd) -> None:
    out = merge_to(tmp_path, three)
    written = segs(out)
    inputs = [segs(p) for p in three[1:]]
    # the inline elements come out exactly as they went in: tags, attributes, sub, hi, it, escapes
    for lang_out, lang_in in (("de-DE", "DE-DE"), ("en-GB", "EN-GB")):
        assert inputs[0][lang_in][1] in written[lang_out]
    for lang_out, lang_in in (("de-DE", "de-de"), ("en-GB", "en-gb")):
        assert inputs[1][lang_in][2] in written[lang_out]
    assert ('See <ph x="1" type="link">&lt;a href="#x"&gt;<sub>section 2</sub></ph> and <hi type="b">bold '
            '<it pos="begin" x="2">&lt;i&gt;</it>italic</hi> &amp; more.') in written["en-GB"]
    # the translatable text a reader gets: native code left out, hi content kept, nothing else dropped
    unit = next(u for _, _, u in keyed_units(out) if "Siehe" in u.variants[0].text)
    assert unit.variants[0].text == "Siehe  und fett kursiv & mehr."


def test_merge_keeps_props_notes_attributes_and_records_inputs(tmp_path: Path, three: list[Path]) -> None:
    out = merge_to(tmp_path, three)
    tree = etree.parse(str(out))
    header = tree.find("header")
    assert header.get("srclang") == "de-DE" and header.get("creationtool") == "align"
    merged = [json.loads(p.text) for p in header.findall("prop[@type='x-align-merged']")]
    assert [(m["file"].rsplit("/", 1)[-1], m["units"], m["tool"]) for m in merged] == [
        ("ours.tmx", 3, "align 0.1.0"), ("omegat.tmx", 3, "OmegaT 6.0.0_0_1bf1729"), ("lfaligner.tmx", 3, "LF Aligner 4.2")]
    totals = {p.get("type"): p.text for p in header.findall("prop") if p.get("type").startswith("x-align-merge-")}
    assert totals == {"x-align-merge-units-in": "9", "x-align-merge-units-out": "7",
                      "x-align-merge-duplicates": "2", "x-align-merge-conflicts": "2"}
    tus = tree.findall("body/tu")
    assert [tu.get("tuid") for tu in tus] == [str(i) for i in range(1, 8)]
    dog = tus[0]
    # align's props and OmegaT's variant attributes both survive the merge of the duplicate;
    # the unit's tool is its first copy's (align: none to repeat), not OmegaT's
    assert dog.find("prop[@type='x-align-src-ids']").text == "0" and dog.get("creationtool") is None
    assert dog.findall("tuv")[1].get("changeid") == "anna"
    cat_lf = next(tu for tu in tus if tu.find("prop[@type='Txt::Note']") is not None)
    assert cat_lf.get("creationid") == "LF Aligner" and cat_lf.find("prop[@type='x-align-count']").text == "2"
    alternative = next(tu for tu in tus if tu.find("note") is not None and tu.find("note").text == "Alternative translation")
    assert alternative.find("prop[@type='file']").text == "manual.odt"
    assert alternative.get("creationtool") == "OmegaT"  # the file header's tool, kept on the unit
    assert all(tu.get("datatype") is None for tu in tus)  # LF Aligner's "PlainText" is our plaintext


def test_merging_a_merged_file_adds_the_counts(tmp_path: Path, three: list[Path]) -> None:
    first = merge_to(tmp_path, three)
    again = merge_to(tmp_path, [first, three[0]], "again.tmx")
    counts = {key: count for key, count, _ in keyed_units(again)}
    assert counts[("Der Hund schläft.", "The dog is asleep.")] == 3
    assert counts[("Guten Morgen!", "Morning!")] == 1
    assert sum(counts.values()) == 9 + 3


def test_languages_are_normalised_and_the_user_is_told(tmp_path: Path, three: list[Path]) -> None:
    with pytest.warns(AlignWarning, match=r"ours\.tmx: de written as de-DE, en written as en-GB"):
        result = merge_tms([str(p) for p in three])
    assert (result.src_lang, result.tgt_lang) == ("de-DE", "en-GB")
    assert normalise_lang("EN_us") == "en-US" and normalise_lang("zh-hant-tw") == "zh-Hant-TW"
    assert unify("de", "DE-de") == "de-DE" and unify("de-DE", "de-CH") is None and unify("de", "en") is None


def test_a_file_in_the_other_direction_is_turned_round(tmp_path: Path, tmx_dtd) -> None:
    omegat = write(tmp_path / "omegat.tmx", OMEGAT)
    trados = write(tmp_path / "trados.tmx", TRADOS, "utf-16")  # UTF-16 with a byte-order mark
    assert trados.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    with pytest.warns(AlignWarning, match=r"trados\.tmx is en-GB to de-DE: its units were turned round"):
        result = merge_tms([str(omegat), str(trados)])
    assert (result.src_lang, result.tgt_lang, result.duplicates) == ("de-DE", "en-GB", 1)
    out = merge_to(tmp_path, [omegat, trados])
    dtd_valid(out, tmx_dtd)
    tus = etree.parse(str(out)).findall("body/tu")
    assert len(tus) == 4
    dog = tus[0]
    # the duplicate across directions: one unit, both files' attributes folded by their rules
    assert dog.find("prop[@type='x-align-count']").text == "2" and dog.get("usagecount") == "4"
    assert dog.get("srclang") is None  # OmegaT's unit came first, in the merge's direction
    press = tus[3]
    assert press.get("srclang") == "en-GB"  # the Trados unit keeps its own direction
    assert [tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in press.findall("tuv")] == ["de-DE", "en-GB"]
    assert etree.tostring(press.find("tuv/seg"), encoding="unicode").startswith(
        '<seg>Drücken Sie <bpt i="1" type="1" x="1"/>Eingabe<ept i="1"/>.</seg>')
    assert press.get("creationtool") == "SDL Language Platform" and press.get("datatype") == "xml"


def test_tmx_1_1_lang_attribute_and_utf16(tmp_path: Path, three: list[Path], tmx_dtd) -> None:
    old = write(tmp_path / "old.tmx", TMX11, "utf-16")
    tm = read_tm(old)
    assert tm.version == "1.1" and [v.lang for v in tm.units[0].variants] == ["DE", "EN-GB"]
    out = merge_to(tmp_path, [three[0], old])
    dtd_valid(out, tmx_dtd)
    counts = {key: count for key, count, _ in keyed_units(out)}
    assert counts[("Die Katze isst.", "The cat eats.")] == 2


def test_elements_tmx_does_not_allow_in_seg_keep_their_text(tmp_path: Path, tmx_dtd) -> None:
    odd = write(tmp_path / "odd.tmx", """<tmx version="1.4"><header srclang="de" creationtool="x"
    creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" datatype="xml"/><body>
    <tu weird="1"><tuv xml:lang="de"><seg>A <g id="1">fett <x id="2"/>B</g> <sub>C</sub> <q:y xmlns:q="urn:q">D</q:y>
    <ph x="1"><hi>E</hi><sub>F</sub></ph>.</seg></tuv>
    <tuv xml:lang="en"><seg>A bold B C D.</seg></tuv></tu></body></tmx>""")
    out = merge_to(tmp_path, [odd])
    dtd_valid(out, tmx_dtd)
    unit = read_tm(out).units[0]
    assert unit.variants[0].markup == 'A fett B C D\n    <ph x="1">E<sub>F</sub></ph>.'
    assert unit.props("x-attr-weird") == ["1"]


def test_merged_tmx_reads_back_with_translate_toolkit(tmp_path: Path, three: list[Path]) -> None:
    from translate.storage.tmx import (
        tmxfile,  # a test dependency (pyproject's test extra)
    )

    out = merge_to(tmp_path, three)
    store = tmxfile.parsefile(str(out))
    pairs = {(u.source, u.target) for u in store.units}
    assert len(store.units) == 7
    assert {("Der Hund schläft.", "The dog is asleep."), ("Der Hund schläft.", "The dog sleeps."),
            ("Die Katze isst.", "The cat eats."), ("Guten Morgen!", "Good morning!"),
            ("Guten Morgen!", "Morning!"), ("Klicken Sie auf <b0>OK</b0>.", "Click <b0>OK</b0>.")} < pairs
    assert any(s.startswith("Siehe ") and "Abschnitt 2" in s for s, _ in pairs)
    assert [u.getid() for u in store.units] == [str(i) for i in range(1, 8)]


# --- stats ------------------------------------------------------------------------------

STATS_TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="align" creationtoolversion="0.1.0" segtype="sentence" o-tmf="align"
  adminlang="en" srclang="de" datatype="plaintext"/><body>
<tu><prop type="x-align-score">0.95</prop><tuv xml:lang="de"><seg>Eins.</seg></tuv><tuv xml:lang="en"><seg>One.</seg></tuv></tu>
<tu><prop type="x-align-score">0.91</prop><tuv xml:lang="de"><seg>Eins. </seg></tuv><tuv xml:lang="en"><seg>One.</seg></tuv></tu>
<tu><prop type="x-align-score">0.55</prop><tuv xml:lang="de"><seg>Eins.</seg></tuv><tuv xml:lang="en"><seg>Single.</seg></tuv></tu>
<tu><prop type="x-align-score">1.0</prop><prop type="x-align-kind">code</prop><tuv xml:lang="de"><seg>ls -l</seg></tuv><tuv xml:lang="en"><seg>ls -l</seg></tuv></tu>
<tu><prop type="x-align-score">0.0</prop><tuv xml:lang="de"><seg>Nur hier.</seg></tuv></tu>
<tu><prop type="x-align-count">3</prop><tuv xml:lang="en"><seg>Only <ph>&lt;br&gt;</ph> here.</seg></tuv><tuv xml:lang="de"><seg>Nur <ph>&lt;br&gt;</ph> da.</seg></tuv></tu>
<tu></tu>
</body></tmx>
"""


def test_stats_on_a_known_file(tmp_path: Path) -> None:
    stats = tm_stats(write(tmp_path / "s.tmx", STATS_TMX))
    assert (stats.units, stats.represented, stats.both_sides, stats.source_only, stats.target_only,
            stats.empty_units) == (6, 8, 5, 1, 0, 1)
    assert stats.languages == ["de", "en"]
    assert (stats.duplicates, stats.duplicated_pairs, stats.conflicts, stats.conflicting_units) == (1, 1, 1, 3)
    assert stats.scores["0.9-1.0"] == 3 and stats.scores["0.5-0.6"] == 1 and stats.scores["0.0-0.1"] == 1
    assert sum(stats.scores.values()) == 5 and stats.no_score == 1
    assert stats.mean_score == pytest.approx((0.95 + 0.91 + 0.55 + 1.0 + 0.0) / 5, abs=1e-4)
    assert stats.with_markup == 1 and stats.kinds == {"code": 1}


# --- the command line -------------------------------------------------------------------


def test_cli_merge_and_stats(tmp_path: Path, three: list[Path], monkeypatch, capsys, tmx_dtd) -> None:
    code, out, err = run_cli(["tm", "merge", *three, "-o", "all.tmx"], tmp_path, monkeypatch, capsys)
    assert code == 0 and out == "", err
    assert "align: warning: " in err and err.rstrip().endswith(
        "7 units written to all.tmx; 2 duplicates merged, 2 sources with conflicting translations kept")
    dtd_valid(tmp_path / "all.tmx", tmx_dtd)
    code, out, err = run_cli(["tm", "stats", "all.tmx"], tmp_path, monkeypatch, capsys)
    assert code == 0 and err == ""
    assert "languages:  de-DE -> en-GB" in out and "units:      7 standing for 9" in out
    assert "conflicts:  2 sources with more than one translation (4 units)" in out
    code, out, _ = run_cli(["tm", "stats", "all.tmx", "--json"], tmp_path, monkeypatch, capsys)
    figures = json.loads(out)
    assert (figures["units"], figures["represented"], figures["scores"]["0.9-1.0"]) == (7, 9, 1)


def test_cli_refuses_to_write_over_an_input(tmp_path: Path, three: list[Path], monkeypatch, capsys) -> None:
    before = three[1].read_bytes()
    code, out, err = run_cli(["tm", "merge", *three, "-o", three[1]], tmp_path, monkeypatch, capsys)
    assert code == 1 and out == "" and len(err.splitlines()) == 1 and "align never writes over its inputs" in err
    assert three[1].read_bytes() == before


BAD = {
    "not-xml": ("Der Hund schläft.\tThe dog is asleep.\n", "is not well-formed XML"),
    "empty": ("", "holds no XML element (an empty file?); give a TMX file"),
    "whitespace": (" \n\t\r\n \u00a0\n", "is not well-formed XML (Start tag expected"),
    "latin-1": (('<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header srclang="de"/><body>'
                 '<tu><tuv xml:lang="de"><seg>caf\udce9</seg></tuv></tu></body></tmx>'),
                "save it as UTF-8 or UTF-16, or declare its real encoding"),
    "truncated": ('<tmx version="1.4"><header srclang="de"/><body><tu><tuv xml:lang="de"><seg>abc',
                  "is not well-formed XML (Premature end of data"),
    "not-tmx": ("<html><body><p>hi</p></body></html>", "is not a TMX file (its root element is <html>"),
    "bomb": ("""<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>
<tmx version="1.4"><header srclang="de"/><body><tu><tuv xml:lang="de"><seg>&c;</seg></tuv></tu></body></tmx>""",
             "declares XML entities in its DOCTYPE"),
    "no-lang": ("""<tmx version="1.4"><header srclang="de"/><body>
<tu tuid="a7"><tuv xml:lang="de"><seg>Hallo</seg></tuv><tuv><seg>Hello</seg></tuv></tu></body></tmx>""",
                'unit 1 (tuid "a7") has a <tuv> without a language; add xml:lang'),
    "three-langs": ("""<tmx version="1.4"><header srclang="de"/><body>
<tu><tuv xml:lang="de"><seg>Ja</seg></tuv><tuv xml:lang="en"><seg>Yes</seg></tuv></tu>
<tu><tuv xml:lang="de"><seg>Nein</seg></tuv><tuv xml:lang="fr"><seg>Non</seg></tuv></tu></body></tmx>""",
                    "has units in more than two languages (de, en, fr: fr first in unit 2)"),
    "two-variants": ("""<tmx version="1.4"><header srclang="de"/><body>
<tu><tuv xml:lang="de"><seg>Ja</seg></tuv><tuv xml:lang="en"><seg>Yes</seg></tuv><tuv xml:lang="en"><seg>Yeah</seg></tuv></tu>
</body></tmx>""", "unit 1 has two variants in en"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_naming_the_file(tmp_path: Path, case: str, monkeypatch, capsys) -> None:
    text, needle = BAD[case]
    bad = write(tmp_path / f"{case}.tmx", text)
    with pytest.raises(InputError) as info:
        tm_stats(bad)
    assert "\n" not in str(info.value) and needle in str(info.value) and f"{case}.tmx" in str(info.value)
    good = write(tmp_path / "omegat.tmx", OMEGAT)
    code, out, err = run_cli(["tm", "merge", good, bad, "-o", "all.tmx"], tmp_path, monkeypatch, capsys)
    assert code == 1 and out == "" and len(err.splitlines()) == 1, err
    assert err.startswith("align: error: ") and needle in err and "Traceback" not in err
    assert not (tmp_path / "all.tmx").exists()


@pytest.mark.parametrize(("langs", "needle"), [
    (("fr-FR", "en-GB"), "is in fr-FR and en-GB, but the merge is in de-DE and en-GB"),
    (("de-CH", "en-GB"), "is in de-CH and en-GB, but the merge is in de-DE and en-GB"),
])
def test_other_language_pair_is_refused_naming_the_file(tmp_path: Path, langs, needle) -> None:
    other = OMEGAT.replace("DE-DE", langs[0]).replace("EN-GB", langs[1])
    paths = [str(write(tmp_path / "omegat.tmx", OMEGAT)), str(write(tmp_path / "other.tmx", other))]
    with pytest.raises(InputError) as info:
        merge_tms(paths)
    message = str(info.value)
    assert "\n" not in message and message.startswith(paths[1]) and needle in message and "omegat.tmx" in message


def test_missing_file_or_a_directory_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^cannot read .*nothere\.tmx: no such file; check the path$"):
        merge_tms([str(tmp_path / "nothere.tmx")])
    with pytest.raises(InputError, match=r"is a directory; give the path of a TMX file$"):
        tm_stats(tmp_path)


def test_a_file_given_twice_is_counted_twice_and_the_user_is_told(tmp_path: Path) -> None:
    omegat = write(tmp_path / "omegat.tmx", OMEGAT)
    link = tmp_path / "same.tmx"
    link.symlink_to(omegat)
    with pytest.warns(AlignWarning, match=r"same\.tmx is given more than once \(as .*omegat\.tmx too\)"):
        result = merge_tms([str(omegat), str(link)])
    assert (result.units_in, len(result.units), result.duplicates) == (6, 3, 3)
    assert all(unit.count == 2 and unit.files == [1, 2] for unit in result.units)


def test_segments_are_written_back_exactly(tmp_path: Path, tmx_dtd) -> None:
    """White space, a kept carriage return and a segment that is only a tag survive the pretty-printing."""
    src = write(tmp_path / "ws.tmx", '<tmx version="1.4"><header srclang="de"/><body><tu><tuv xml:lang="de">'
                '<seg>  A&#13;\n b </seg></tuv><tuv xml:lang="en"><seg><ph x="1">&lt;br/&gt;</ph></seg></tuv></tu>'
                '</body></tmx>')
    out = merge_to(tmp_path, [src])
    dtd_valid(out, tmx_dtd)
    assert segs(out) == {"de": ["  A\r\n b "], "en": ['<ph x="1">&lt;br/&gt;</ph>']}
