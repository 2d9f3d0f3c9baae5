"""Issue 6, section 5: untrusted content stays text, and derived paths stay in their folder.

Hostile text in every HTML and XML output is escaped; reading a TMX expands no entity and
fetches nothing; a derived output path cannot leave its folder or write through a symbolic
link. The helpers and the other sections: ``tests/hardening_support.py``.

Checklist (issue item -> test):

5. Untrusted content
   - escaped in HTML and XML output ... test_every_markup_output_escapes_text (tmx, html),
                                        tests/test_hardening_hard_input.py::test_html_and_markdown_markup_is_text
   - TMX import without entities ...... test_read_tmx_billion_laughs, test_read_tmx_external_entities
   - derived paths stay in the folder . test_contained_path_refuses_escapes, test_demo_does_not_write_through_a_symlink,
                                        tests/test_bad_input_commands.py::test_batch_ids_cannot_escape_the_output_folder_from_the_cli
   - SVG (the heat-map) ............... tests/test_bad_input_commands.py::test_svg_plot_keeps_hostile_titles_and_names_as_text
"""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest
from lxml import etree

from align.errors import OutputError
from align.export import read_tmx
from align.files import contained_path
from tests.hardening_support import SAMPLES, assert_one_line_error, run_align


_BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE tmx [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tmx version="1.4"><header srclang="de"/><body>
<tu><tuv xml:lang="de"><seg>A &lol9; B</seg></tuv><tuv xml:lang="en"><seg>ok</seg></tuv></tu>
</body></tmx>
"""


def test_every_markup_output_escapes_text(tmp_path: Path) -> None:
    """Hostile text in every HTML and XML format stays text: no element, attribute or script from it."""
    import importlib.util
    import io

    from align.api import align_texts
    from align.export import formats, get_exporter
    from tests.hash_encoder import HashEncoder

    if importlib.util.find_spec("align.report") is not None:
        import align.report  # noqa: F401  (registers the html format)
    hostile = '<script>alert(1)</script> "><img src=x onerror=alert(2)> &amp; ]]> <!-- x --> Satz.'
    alignment = align_texts(f"Der Hund bellt. {hostile}", f"The dog barks. {hostile}", "de", "en", model=HashEncoder())
    markup = [f for f in formats() if f in ("tmx", "html", "xml", "xliff")]
    assert "tmx" in markup
    for fmt in markup:
        buf = io.BytesIO()
        get_exporter(fmt).write(alignment, buf)
        out = buf.getvalue().decode("utf-8")
        assert "<script>alert(1)" not in out and "<img src=x" not in out, fmt
        assert "&lt;script&gt;alert(1)" in out, fmt
        if fmt == "tmx":
            root = etree.fromstring(buf.getvalue(), etree.XMLParser(resolve_entities=False))
            assert all(len(seg) == 0 for seg in root.iter("seg"))
        else:
            root = etree.fromstring(buf.getvalue(), etree.HTMLParser())
            assert not [e for e in root.iter("img")] and not [e for e in root.iter() if e.get("onerror")]
            assert all("alert(1)" not in (e.text or "") for e in root.iter("script")), fmt


def test_read_tmx_billion_laughs(tmp_path: Path) -> None:
    """Nested entities are not expanded: the read is instant and small, or a one-line error."""
    from align.errors import InputError

    path = tmp_path / "lol.tmx"
    path.write_text(_BILLION_LAUGHS, encoding="utf-8")
    tracemalloc.start()
    try:
        units = read_tmx(path)
    except InputError as err:
        units = None
        assert "\n" not in str(err)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20_000_000  # expanding the entities would take gigabytes
    if units is not None:
        assert "lol" not in units[0]["tuvs"][0]["text"]
        assert units[0]["tuvs"][1]["text"] == "ok"


def test_read_tmx_external_entities(tmp_path: Path) -> None:
    """External entities (a local file, a URL, an external DTD) are never fetched or inlined."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    path = tmp_path / "xxe.tmx"
    path.write_text(
        f"""<?xml version="1.0"?>
<!DOCTYPE tmx SYSTEM "http://127.0.0.1:9/tmx14.dtd" [
  <!ENTITY file SYSTEM "file://{secret}">
  <!ENTITY web SYSTEM "http://127.0.0.1:9/x">
  <!ENTITY % param SYSTEM "file://{secret}">
]>
<tmx version="1.4"><header srclang="de"/><body>
<tu><tuv xml:lang="de"><seg>a &file; b &web; c</seg></tuv></tu>
</body></tmx>
""",
        encoding="utf-8",
    )
    units = read_tmx(path)
    assert "TOPSECRET" not in json.dumps(units)
    assert units[0]["tuvs"][0]["text"].replace(" ", "") == "abc"


def test_contained_path_refuses_escapes(tmp_path: Path) -> None:
    assert contained_path(tmp_path, "000-001.de-en.tmx") == os.path.join(str(tmp_path), "000-001.de-en.tmx")
    for name in ("../evil.tmx", "a/b.tmx", "..", ".", "", "/etc/passwd", "x\x00y"):
        with pytest.raises(OutputError) as info:
            contained_path(tmp_path, name)
        assert "\n" not in str(info.value)
    (tmp_path / "link.tmx").symlink_to(tmp_path.parent / "elsewhere.tmx")
    with pytest.raises(OutputError, match="symbolic link"):
        contained_path(tmp_path, "link.tmx")


def test_demo_does_not_write_through_a_symlink(tmp_path: Path) -> None:
    """A samples folder from elsewhere whose output folder holds a link to a file outside it."""
    samples = tmp_path / "samples"
    samples.mkdir()
    for f in SAMPLES.glob("00[01]_*.txt"):
        (samples / f.name).write_bytes(f.read_bytes())
    (tmp_path / "align-demo").mkdir()  # the demo's folder under the current one
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    (tmp_path / "align-demo" / "000-001.de-en.tsv").symlink_to(victim)
    done = run_align("demo", "--samples", samples, cwd=tmp_path)
    assert_one_line_error(done, "symbolic link", "remove the link")
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert sorted(os.listdir(tmp_path / "align-demo")) == ["000-001.de-en.tsv"]
