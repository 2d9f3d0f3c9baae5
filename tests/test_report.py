"""The HTML review page: content, escaping, self-containment, atomic writing, and the CLI.

The page is parsed with the standard library's HTML parser (what a browser's tokenizer
does first); ``tests/test_browser.py`` checks the rendered DOM in a real Chromium.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from align import cli
from align.api import align_files, align_texts
from align.errors import AlignError
from align.export.beads import format_bead
from align.report import collection_wire_copy, render_html, write_report
from align.types import Alignment

ROOT = Path(__file__).resolve().parents[1]
SRC = next((ROOT / "samples").glob("000_*.txt"))  # German
TGT = next((ROOT / "samples").glob("001_*.txt"))  # English

HOSTILE_DE = (
    "Der Bericht enthält ein Skript: <script>alert(1)</script> und endet hier.\n"
    "Eine Tabelle schließt zu früh </td></tr></table> und ein Bild <img src=x onerror=alert(2)>.\n"
    'Anführungszeichen " und \' und ein Ampersand &amp; bleiben Text.\n'
)
HOSTILE_EN = (
    "The report contains a script: <script>alert(1)</script> and ends here.\n"
    "A table closes too early </td></tr></table> and an image <img src=x onerror=alert(2)>.\n"
    "Quotes \" and ' and an ampersand &amp; stay text.\n"
)


class Page(HTMLParser):
    """What a browser's tokenizer sees: elements with attributes, and text per sentence element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sentences: list[dict] = []  # {"side", "id", "text", "wire"}
        self.beads: list[dict[str, str | None]] = []
        self._open: list[dict] = []
        self.style = self.script = ""
        self._raw: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "article":
            self.beads.append(a)
        if tag in ("style", "script"):
            self._raw = tag
        classes = (a.get("class") or "").split()
        if "s" in classes:
            side, sid = a["id"].split("-")[1:]
            self._open.append({"side": side, "id": int(sid), "text": "", "wire": "wire" in classes,
                               "title": a.get("title")})
        elif self._open:
            raise AssertionError(f"element <{tag}> inside a sentence: markup leaked from the text")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._raw = None
        if tag == "span" and self._open:
            self.sentences.append(self._open.pop())

    def handle_data(self, data: str) -> None:
        if self._raw == "style":
            self.style += data
        elif self._raw == "script":
            self.script += data
        elif self._open:
            self._open[-1]["text"] += data


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def assert_every_sentence_once(page: Page, alignment: Alignment) -> None:
    for side, doc in (("src", alignment.src), ("tgt", alignment.tgt)):
        found = [s for s in page.sentences if s["side"] == side]
        assert [s["id"] for s in found] == list(range(len(doc))), side
        assert [s["text"] for s in found] == [s.text for s in doc.sentences], side


@pytest.fixture(scope="module")
def sample() -> Alignment:
    return align_files(str(SRC), str(TGT), "de", "en")


@pytest.fixture(scope="module")
def hostile() -> Alignment:
    return align_texts(HOSTILE_DE, HOSTILE_EN, "de", "en")


def test_every_sentence_of_both_articles_appears_once_in_bead_order(sample: Alignment) -> None:
    page = parse(render_html(sample))
    assert_every_sentence_once(page, sample)
    assert len(page.beads) == len(sample.beads)
    for attrs, bead in zip(page.beads, sample.beads):
        assert attrs["data-src"] == ",".join(map(str, bead.src))
        assert attrs["data-tgt"] == ",".join(map(str, bead.tgt))
        assert attrs["data-score"] == format_bead(bead).rsplit(":", 1)[1]  # as the bead file writes it


def test_unmatched_and_low_confidence_beads_are_marked(sample: Alignment) -> None:
    matched = sorted(b.score for b in sample.beads if b.is_match)
    threshold = (matched[0] + matched[1]) / 2  # exactly one bead below it
    page = render_html(sample, low_score=threshold)
    beads = parse(page).beads
    for attrs, bead in zip(beads, sample.beads):
        classes = attrs["class"].split()
        assert ("gap" in classes) == (not bead.is_match)
        assert ("low" in classes) == (bead.is_match and bead.score < threshold)
    assert sum("low" in a["class"].split() for a in beads) == 1
    # the score is shown, and a wrong-checkbox exists for each matched bead only
    assert page.count('class="mark"') == sum(b.is_match for b in sample.beads)
    assert f"score {matched[0]:.3f} (low)" in page


def test_injected_markup_stays_text(hostile: Alignment) -> None:
    page_text = render_html(hostile)
    page = parse(page_text)
    assert_every_sentence_once(page, hostile)
    texts = " ".join(s["text"] for s in page.sentences)
    assert "<script>alert(1)</script>" in texts
    assert "</td></tr></table>" in texts
    assert "<img src=x onerror=alert(2)>" in texts
    assert "&amp;" in texts  # an entity in the input is text, not decoded
    assert [t for t, _ in page.tags].count("script") == 1  # ours only
    assert not any(t == "img" for t, _ in page.tags)
    assert not any(k.startswith("on") for _, attrs in page.tags for k in attrs)


def test_page_is_self_contained_and_only_its_own_code_may_run(sample: Alignment) -> None:
    page_text = render_html(sample)
    page = parse(page_text)
    for tag, attrs in page.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed"), tag
        assert "src" not in attrs, (tag, attrs)
        href = attrs.get("href")
        assert href is None or href.startswith("#"), href
    assert "url(" not in page.style and "@import" not in page.style
    policy = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")

    def digest(code: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"

    assert "default-src 'none'" in policy
    assert f"script-src {digest(page.script)}" in policy
    assert f"style-src {digest(page.style)}" in policy


def test_wire_copy_shared_with_another_document_is_highlighted(sample: Alignment, tmp_path: Path) -> None:
    copied = [s.text for s in sample.tgt.sentences[8:11]]
    other = tmp_path / "reprint.txt"
    other.write_text(
        "A local desk adds its own introduction about the weather in Ohio today.\n"
        + " ".join(copied)
        + "\nAnd a closing line about sports scores and the local team.\n",
        encoding="utf-8",
    )
    report = collection_wire_copy(sample, [str(other), str(SRC)])  # the pair's own file is skipped
    assert len(report.documents) == 3
    page = parse(render_html(sample, wirecopy=report))
    highlighted = {s["id"] for s in page.sentences if s["side"] == "tgt" and s["wire"]}
    assert {8, 9, 10} <= highlighted
    assert all("reprint.txt" in s["title"] for s in page.sentences if s["side"] == "tgt" and s["wire"])
    assert not {s["id"] for s in page.sentences if s["side"] == "tgt" and not s["wire"]} & {8, 9, 10}
    assert_every_sentence_once(page, sample)  # the passage list links to sentences, never repeats them


def test_collection_errors_are_one_line(sample: Alignment, tmp_path: Path) -> None:
    with pytest.raises(AlignError, match="does not exist; check the path"):
        collection_wire_copy(sample, [str(tmp_path / "nope.txt")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(AlignError, match="has no .txt files"):
        collection_wire_copy(sample, [str(tmp_path / "empty")])


def test_write_is_atomic(sample: Alignment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "review.html"
    out.write_text("previous good report", encoding="utf-8")
    from align import report

    def broken(*_args, **_kwargs):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(report, "render_html", broken)
    with pytest.raises(RuntimeError):
        write_report(sample, out)
    assert out.read_text(encoding="utf-8") == "previous good report"
    assert os.listdir(tmp_path) == ["review.html"]  # no temporary file left behind
    monkeypatch.undo()
    size = write_report(sample, out)
    assert out.stat().st_size == size and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_undecodable_input_still_writes(tmp_path: Path) -> None:
    """Lone surrogates (from bytes the reader could not decode) become U+FFFD, not a crash."""
    alignment = align_texts("Ein Satz \udcff hier.\n", "A sentence \udcff here.\n", "de", "en")
    write_report(alignment, tmp_path / "r.html")
    assert "\ufffd" in (tmp_path / "r.html").read_text(encoding="utf-8")


# --- command line -------------------------------------------------------------------------


def invoke(*args: object):
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_cli_report_writes_the_page(tmp_path: Path, sample: Alignment) -> None:
    out = tmp_path / "review.html"
    invoke("report", SRC, TGT, "--src-lang", "de", "--tgt-lang", "en", "-o", out, "--low-score", "0.8")
    page = parse(out.read_text(encoding="utf-8"))
    assert_every_sentence_once(page, sample)
    assert [a["data-src"] for a in page.beads] == [",".join(map(str, b.src)) for b in sample.beads]
    assert sum("low" in a["class"].split() for a in page.beads) == sum(
        b.is_match and b.score < 0.8 for b in sample.beads
    )
    assert os.listdir(tmp_path) == ["review.html"]


def test_cli_pair_format_html_is_the_same_page(tmp_path: Path) -> None:
    invoke("pair", SRC, TGT, "-s", "de", "-t", "en", "-o", tmp_path / "a.html")
    invoke("report", SRC, TGT, "-s", "de", "-t", "en", "-o", tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_cli_report_with_collection_folder(tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    invoke("report", SRC, TGT, "-s", "de", "-t", "en", "--collection", SRC.parent, "-o", out)
    text = out.read_text(encoding="utf-8")
    assert re.search(r"<h2>Wire copy: \d+ shared passages touching this pair \(collection of 5 documents\)", text)


ERRORS = {
    "missing source": (["{tmp}/nope.txt", "{tgt}", "-s", "de", "-t", "en", "-o", "{tmp}/r.html"], "no such file"),
    "missing collection file": (
        ["{src}", "{tgt}", "-s", "de", "-t", "en", "--collection", "{tmp}/gone.txt", "-o", "{tmp}/r.html"],
        "collection file",
    ),
    "output in missing directory": (["{src}", "{tgt}", "-s", "de", "-t", "en", "-o", "{tmp}/no/r.html"], "does not exist"),
    "output is a directory": (["{src}", "{tgt}", "-s", "de", "-t", "en", "-o", "{tmp}"], "is a directory"),
    "unknown language": (["{src}", "{tgt}", "-s", "german", "-t", "en", "-o", "{tmp}/r.html"], "german"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_cli_report_errors_are_one_line(tmp_path: Path, case: str) -> None:
    args, expected = ERRORS[case]
    args = [a.format(src=SRC, tgt=TGT, tmp=tmp_path) for a in args]
    before = sorted(os.listdir(tmp_path))
    # in this process: the error is an AlignError whose message is one line
    result = CliRunner().invoke(cli.app, ["report", *args])
    assert result.exit_code == 1 and isinstance(result.exception, AlignError), result.output
    assert "\n" not in str(result.exception) and expected in str(result.exception)
    # as a user sees it: one line on stderr, exit status 1, no output file
    env = {k: v for k, v in os.environ.items() if k != "ALIGN_DEBUG"}
    done = subprocess.run([sys.executable, "-m", "align", "report", *args], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("align: error: ") and len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stdout == ""
    assert sorted(os.listdir(tmp_path)) == before

