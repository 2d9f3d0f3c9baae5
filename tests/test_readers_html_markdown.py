"""HTML and Markdown read into blocks (align/extract/html.py, align/extract/markdown.py):
a web article's main text without its boilerplate, every block of a manual, a real man
page rendered by groff as whole sentences, Markdown without its markup and with its code
kept line by line; bad files refused in one line; pairs in both formats aligned."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from align.extract import detect_format
from align.read import read_document
from align.segment import segment
from align.settings import ReadSettings
from tests.conftest import IN_CI
from tests.test_cli import run_align

_WORD = re.compile(r"\w+")


def _words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text))


def _blocks(path: Path, lang: str = "de", **reading: object) -> list[tuple[str, str]]:
    doc = read_document(str(path), lang, reading=ReadSettings(**reading))  # type: ignore[arg-type]
    return [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]


def _sentences(path: Path, lang: str, **reading: object) -> list[str]:
    doc = segment(read_document(str(path), lang, reading=ReadSettings(**reading)))  # type: ignore[arg-type]
    return [" ".join(s.text.split()) for s in doc.sentences]


# --- a web article with every kind of boilerplate ------------------------------------------

ARTICLE_BODY = [
    ("heading", "Der Rhein bei Basel"),
    ("paragraph", ("Der Rhein fließt mitten durch die Altstadt von Basel. Im Sommer schwimmen viele Menschen "
                  "im Fluss.")),
    ("heading", "Das Rheinschwimmen"),
    ("paragraph", ("Die Schwimmer packen ihre Kleider in einen wasserdichten Sack, den man hier Wickelfisch "
                  "nennt. Dann lassen sie sich von der Strömung flussabwärts tragen.")),
    ("item", "Schwimmen Sie nur bei gutem Wetter."),
    ("item", "Meiden Sie die Fahrrinne der Schiffe."),
    ("quote", "Wer einmal im Rhein geschwommen ist, kommt immer wieder zurück."),
    ("cell", "Monat"), ("cell", "Wassertemperatur"), ("cell", "Juli"), ("cell", "Zweiundzwanzig Grad"),
    ("paragraph", ("Die Fähren über den Fluss werden nur von der Strömung angetrieben. Eine Überfahrt kostet "
                  "wenige Franken.")),
    ("code", "ls -l /var/log\ngrep Basel notizen.txt"),
    ("paragraph", "Am Abend sitzen die Menschen am Ufer und schauen auf das Wasser."),
]
BOILERPLATE = [
    "Wir verwenden Cookies, um Ihr Erlebnis zu verbessern. Alle akzeptieren",  # the button is inline
    "Startseite", "Reisen", "Kontakt",
    "Kommentare", "Hans", "Toller Beitrag, danke schön!", "Erika", "Ich war letztes Jahr dort und fand es wunderbar.",
    "Beliebte Beiträge", "Wandern im Jura", "Zürich an einem Tag",
    "© 2024 Stadtblog. Alle Rechte vorbehalten.", "Impressum | Datenschutz",
]
ARTICLE = """<!DOCTYPE html>
<html lang="de">
<head><meta charset="utf-8"><title>Der Rhein bei Basel – Stadtblog</title>
<script>var tracking = "Skripttext bleibt draußen";</script>
<style>body { font-family: sans-serif; }</style></head>
<body>
<div id="cookie-banner" class="cookie-consent">Wir verwenden Cookies, um Ihr Erlebnis zu verbessern.
 <button>Alle akzeptieren</button></div>
<header class="site-header"><nav class="main-nav"><ul><li><a href="/">Startseite</a></li>
<li><a href="/reisen">Reisen</a></li><li><a href="/kontakt">Kontakt</a></li></ul></nav></header>
<div class="layout">
<main>
<article>
<h1>Der Rhein bei Basel</h1>
<p>Der Rhein flie&szlig;t mitten durch die Altstadt
   von Basel. Im Sommer schwimmen viele Menschen im Fluss.</p>
<h2>Das Rheinschwimmen</h2>
<p>Die Schwimmer packen ihre Kleider in einen wasserdichten Sack, den man hier <em>Wickelfisch</em>
nennt. Dann lassen sie sich von der Str&ouml;mung flussabw&auml;rts tragen.</p>
<ul><li>Schwimmen Sie nur bei gutem Wetter.</li><li>Meiden Sie die Fahrrinne der Schiffe.</li></ul>
<blockquote><p>Wer einmal im Rhein geschwommen ist, kommt immer wieder zur&uuml;ck.</p></blockquote>
<table><tr><th>Monat</th><th>Wassertemperatur</th></tr><tr><td>Juli</td><td>Zweiundzwanzig Grad</td></tr></table>
<p>Die F&auml;hren &uuml;ber den Fluss werden nur von der Str&ouml;mung angetrieben. Eine &Uuml;berfahrt
kostet wenige Franken.</p>
<pre>ls -l /var/log<br>grep Basel notizen.txt</pre>
<p>Am Abend sitzen die Menschen am Ufer und schauen auf das Wasser.</p>
</article>
<section class="comments" id="comments"><h3>Kommentare</h3>
<div class="comment"><p class="author">Hans</p><p>Toller Beitrag, danke sch&ouml;n!</p></div>
<div class="comment"><p class="author">Erika</p><p>Ich war letztes Jahr dort und fand es wunderbar.</p></div>
</section>
</main>
<aside class="sidebar"><h3>Beliebte Beiträge</h3><ul><li><a href="/a">Wandern im Jura</a></li>
<li><a href="/b">Zürich an einem Tag</a></li></ul></aside>
</div>
<footer class="site-footer"><p>&copy; 2024 Stadtblog. Alle Rechte vorbehalten.</p>
<p><a href="/impressum">Impressum</a> | <a href="/datenschutz">Datenschutz</a></p></footer>
</body></html>
"""


@pytest.fixture()
def article(tmp_path: Path) -> Path:
    path = tmp_path / "artikel.html"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_article_mode_keeps_the_main_text_in_its_blocks(article: Path) -> None:
    doc = read_document(str(article), "de")
    assert doc.format == "html" and doc.layout == "blocks"
    assert [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks] == ARTICLE_BODY
    # every word of the body exactly once, nothing of the boilerplate, the script or the title
    assert _words(doc.text) == _words(" ".join(text for _, text in ARTICLE_BODY))
    assert doc.notes == ("kept only the main text: 14 boilerplate blocks left out (--html-keep-all keeps them)",)


def test_keep_all_keeps_every_visible_block(article: Path) -> None:
    blocks = _blocks(article, html_keep_all=True)
    texts = [text for _, text in blocks]
    assert [b for b in blocks if b[1] not in BOILERPLATE] == ARTICLE_BODY
    assert [t for t in texts if t in BOILERPLATE] == BOILERPLATE
    assert "Skripttext" not in " ".join(texts) and "Stadtblog</title" not in " ".join(texts)
    assert ("item", "Startseite") in blocks and ("heading", "Kommentare") in blocks


def test_article_sentences_and_code_lines(article: Path) -> None:
    """Prose is split into sentences (the entities and the wrapped line inside a paragraph
    do not break one); the code block's lines are units, never split or joined."""
    doc = segment(read_document(str(article), "de"))
    texts = [s.text for s in doc.sentences]
    assert "Der Rhein fließt mitten durch die Altstadt von Basel." in texts
    assert "Eine Überfahrt kostet wenige Franken." in texts
    code = [(s.kind, s.text) for s in doc.sentences if s.kind != "text"]
    assert code == [("code", "ls -l /var/log"), ("code", "grep Basel notizen.txt")]


def test_br_joins_a_paragraph_but_breaks_a_pre(tmp_path: Path) -> None:
    page = tmp_path / "br.html"
    page.write_text("<html><body><p>Ein Satz, der<br>über zwei Zeilen geht.</p>"
                    "<pre>erste Zeile<br/>zweite Zeile\ndritte Zeile</pre>"
                    "<div>Lose <span>Worte</span> im div<p>und ein Absatz darin.</p>danach</div>"
                    "<dl><dt>-q</dt><dd>Leise.</dd></dl></body></html>", encoding="utf-8")
    assert _blocks(page, html_keep_all=True) == [
        ("paragraph", "Ein Satz, der über zwei Zeilen geht."),
        ("code", "erste Zeile\nzweite Zeile\ndritte Zeile"),
        ("paragraph", "Lose Worte im div"), ("paragraph", "und ein Absatz darin."), ("paragraph", "danach"),
        ("item", "-q"), ("item", "Leise."),
    ]


def test_br_keeps_short_lines_apart_and_ends_a_run_in_heading(tmp_path: Path) -> None:
    """A run of short <br> lines (an address) keeps its lines apart; a bold first line
    ended by <br> is a heading; an empty line is a paragraph break; long lines wrapped with
    <br> (prose) are still joined."""
    page = tmp_path / "br.html"
    page.write_text("<html><body><p>Stadtbibliothek<br>Hauptstraße 5<br>4051 Basel</p>"
                    "<p><b>Öffnungszeiten</b><br>Die Bibliothek ist von Montag bis Samstag geöffnet.</p>"
                    "<p>Erster Absatz.<br><br>Zweiter Absatz.</p>"
                    "<p>Wer einen Ausweis beantragen möchte, bringt einen amtlichen<br>"
                    "Ausweis mit, der nicht älter als zehn Jahre sein darf, und ein<br>"
                    "aktuelles Foto.</p></body></html>", encoding="utf-8")
    assert _blocks(page, html_keep_all=True) == [
        ("paragraph", "Stadtbibliothek"), ("paragraph", "Hauptstraße 5"), ("paragraph", "4051 Basel"),
        ("heading", "Öffnungszeiten"), ("paragraph", "Die Bibliothek ist von Montag bis Samstag geöffnet."),
        ("paragraph", "Erster Absatz."), ("paragraph", "Zweiter Absatz."),
        ("paragraph", ("Wer einen Ausweis beantragen möchte, bringt einen amtlichen Ausweis mit, der nicht "
                       "älter als zehn Jahre sein darf, und ein aktuelles Foto.")),
    ]


GROFF_PAGE = """<!-- Creator     : groff version 1.22.4 -->
<html><head><meta name="generator" content="groff -Thtml, see www.gnu.org"><title>RHEIN</title></head>
<body>
<h1 align="center">RHEIN</h1>
<a href="#NAME">NAME</a><br>
<a href="#BESCHREIBUNG">BESCHREIBUNG</a><br>
<hr>
<h2>NAME<a name="NAME"></a></h2>
<p style="margin-left:11%; margin-top: 1em">rhein - schwimmt flussabwärts</p>
<h2>BESCHREIBUNG<a name="BESCHREIBUNG"></a></h2>
<p style="margin-left:11%; margin-top: 1em"><b>Das erste Feld (</b><i>ufer</i><b>).</b> <br>
Dieses Feld nennt das Ufer, an dem man einsteigt. Es ist
ein Pflichtfeld.</p>
<p style="margin-left:17%; margin-top: 1em">Ufer: links <br>
Strecke: vom Tinguely-Museum bis zur Dreirosenbrücke,
etwa zwei Kilometer flussabwärts <br>
Dauer: zwanzig Minuten</p>
<table width="100%" border="0" rules="none" frame="void" cellspacing="0" cellpadding="0">
<tr valign="top" align="left"><td width="11%"></td><td width="3%">
<p><b>-q</b></p></td><td width="3%"></td><td width="83%">
<p>Schwimmt leise. Niemand merkt es.</p></td></tr>
</table>
<p style="margin-top: 1em"><b>OPTIONEN</b></p>
<p style="margin-left:6%; margin-top: 1em">Die Optionen sind:</p>
<p style="margin-top: 1em"><b>-c</b></p>
<p style="margin-left:17%; margin-top: 1em">Fragt vor
jedem Sprung nach.</p>
<p style="margin-top: 1em"><b>-E</b> <i>Stelle</i></p>
<p style="margin-left:17%; margin-top: 1em">Steigt an der
Stelle aus.</p>
</body></html>
"""


def test_groff_page_lines_headings_tags_and_no_contents(tmp_path: Path) -> None:
    """A page groff rendered: every <br> is an explicit line break (the no-fill block's
    lines stay apart, however long), the run-in heading before a <br> is a heading, a
    table row (groff's layout of a tag that fits beside its text) is one line as in the
    text rendering, a short option alone in a paragraph (mdoc's option lists) joins its
    description as in the text rendering while a heading or a longer tag stays apart,
    and the table of contents is left out."""
    page = tmp_path / "rhein.html"
    page.write_text(GROFF_PAGE, encoding="utf-8")
    expected = [
        ("heading", "RHEIN"), ("heading", "NAME"), ("paragraph", "rhein - schwimmt flussabwärts"),
        ("heading", "BESCHREIBUNG"), ("heading", "Das erste Feld (ufer)."),
        ("paragraph", "Dieses Feld nennt das Ufer, an dem man einsteigt. Es ist ein Pflichtfeld."),
        ("paragraph", "Ufer: links"),
        ("paragraph", "Strecke: vom Tinguely-Museum bis zur Dreirosenbrücke, etwa zwei Kilometer flussabwärts"),
        ("paragraph", "Dauer: zwanzig Minuten"),
        ("paragraph", "-q Schwimmt leise. Niemand merkt es."),
        ("paragraph", "OPTIONEN"), ("paragraph", "Die Optionen sind:"),
        ("paragraph", "-c Fragt vor jedem Sprung nach."),
        ("paragraph", "-E Stelle"), ("paragraph", "Steigt an der Stelle aus."),
    ]
    assert _blocks(page) == expected
    assert _blocks(page, html_keep_all=True) == expected


def test_page_without_main_text_falls_back_to_every_block(tmp_path: Path) -> None:
    """A page of short link entries: article extraction finds (almost) nothing, so every
    block is kept, and the note says why."""
    page = tmp_path / "links.html"
    items = "".join(f'<li><a href="/{n}">Eintrag {n}</a></li>' for n in range(30))
    page.write_text(f"<html><body><nav><ul>{items}</ul></nav></body></html>", encoding="utf-8")
    doc = read_document(str(page), "de")
    assert [doc.text[b.start:b.end] for b in doc.blocks] == [f"Eintrag {n}" for n in range(30)]
    assert len(doc.notes) == 1 and doc.notes[0].startswith("no main text found") and "every block kept" in doc.notes[0]


# --- a real man page, rendered by groff -Thtml ------------------------------------------------

MAN_PAGES = {"de": Path("/usr/share/man/de/man8/apt-get.8.gz"), "en": Path("/usr/share/man/man8/apt-get.8.gz")}


def _groff(page: Path, *args: str) -> bytes:
    if shutil.which("groff") is None or not page.exists():
        if os.environ.get("CI") or IN_CI:
            pytest.fail(f"groff and {page} are needed (.ci/run installs groff and manpages-de)")
        pytest.skip(f"needs groff and {page}")
    done = subprocess.run(["groff", "-k", "-t", "-man", *args], input=gzip.decompress(page.read_bytes()),
                          capture_output=True, check=True, env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    return done.stdout


@pytest.mark.parametrize("lang,fragment,whole", [
    ("de", "APT wird die", "APT wird die verfügbaren Pakete überprüfen"),
    ("en", "APT will examine the", "APT will examine the available packages"),
])
def test_real_man_page_html_gives_whole_sentences(tmp_path: Path, lang: str, fragment: str, whole: str) -> None:
    """apt-get(8) as `groff -Thtml` renders it (no article markup, lines wrapped inside
    every <p>) gives, by default, the sentences of the same page rendered as text one
    paragraph per line: its headings are there and no sentence is cut at a line end."""
    html, wide = tmp_path / f"apt-get.{lang}.html", tmp_path / f"wide.{lang}.txt"
    html.write_bytes(_groff(MAN_PAGES[lang], "-Thtml"))
    wide.write_bytes(_groff(MAN_PAGES[lang], "-Tutf8", "-P-cbou", "-rLL=20000n"))
    doc = read_document(str(html), lang)
    assert doc.notes == ("a manual rendered by groff: every block kept",)
    headings = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "heading"]
    assert ("BESCHREIBUNG" if lang == "de" else "DESCRIPTION") in headings
    got = _sentences(html, lang)
    assert [s for s in got if s.endswith(fragment)] == []
    assert any(s.startswith(whole) for s in got)
    reference = set(_sentences(wide, lang, layout="lines"))
    prose = [s for s in got if len(s.split()) >= 4 and s[-1] in ".:!?"]
    missing = [s for s in prose if s not in reference]
    assert len(prose) > 150
    assert len(missing) <= 0.02 * len(prose), missing[:5]


# --- Markdown -----------------------------------------------------------------------------------

MARKDOWN = """---
title: Der Rhein
tags: [basel, schwimmen]
---
# Der Rhein bei Basel

Der Rhein fließt **mitten** durch die Altstadt
von Basel. Im Sommer schwimmen _viele_ Menschen im Fluss.

- Schwimmen Sie nur bei [gutem Wetter](https://wetter.example).
- Meiden Sie die `Fahrrinne` der Schiffe.

> Wer einmal im Rhein geschwommen ist, kommt immer wieder zur&uuml;ck.

| Monat | Wassertemperatur |
|-------|------------------|
| Juli  | Zweiundzwanzig Grad |

```sh
ls -l /var/log. Zweiter Teil der Zeile.
grep Basel notizen.txt
```

    eingerückter Code. Bleibt eine Zeile.

Am Abend sitzen die Menschen am Ufer.
"""
MARKDOWN_BLOCKS = [
    ("heading", "Der Rhein bei Basel"),
    ("paragraph", "Der Rhein fließt mitten durch die Altstadt von Basel. Im Sommer schwimmen viele Menschen im Fluss."),
    ("item", "Schwimmen Sie nur bei gutem Wetter."),
    ("item", "Meiden Sie die Fahrrinne der Schiffe."),
    ("quote", "Wer einmal im Rhein geschwommen ist, kommt immer wieder zurück."),
    ("cell", "Monat"), ("cell", "Wassertemperatur"), ("cell", "Juli"), ("cell", "Zweiundzwanzig Grad"),
    ("code", "ls -l /var/log. Zweiter Teil der Zeile.\ngrep Basel notizen.txt"),
    ("code", "eingerückter Code. Bleibt eine Zeile."),
    ("paragraph", "Am Abend sitzen die Menschen am Ufer."),
]


def test_markdown_blocks_without_markup_or_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "rhein.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    doc = read_document(str(path), "de")
    assert doc.format == "markdown"
    assert [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks] == MARKDOWN_BLOCKS
    assert doc.notes == ("front matter dropped (4 lines of metadata at the top)",)
    assert not set(doc.text) & set("*_`[]#|>") and "https" not in doc.text and "tags" not in doc.text
    assert _words(doc.text) == _words(" ".join(text for _, text in MARKDOWN_BLOCKS))
    # each block's span in the file is the lines it came from
    for block in doc.blocks:
        assert block.source is not None
    first, second = doc.blocks[0].source, doc.blocks[1].source
    assert MARKDOWN[first[0]:first[1]] == "# Der Rhein bei Basel"
    assert MARKDOWN[second[0]:second[1]].startswith("Der Rhein fließt **mitten**")


def test_markdown_code_lines_are_units(tmp_path: Path) -> None:
    path = tmp_path / "rhein.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    doc = segment(read_document(str(path), "de"))
    code = [(s.kind, s.text) for s in doc.sentences if s.kind != "text"]
    assert code == [("code", "ls -l /var/log. Zweiter Teil der Zeile."), ("code", "grep Basel notizen.txt"),
                    ("code", "eingerückter Code. Bleibt eine Zeile.")]
    assert "Der Rhein fließt mitten durch die Altstadt von Basel." in [s.text for s in doc.sentences]


def test_thematic_break_at_the_top_is_not_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "hr.md"
    path.write_text("---\n\nErster Absatz.\n\nZweiter Absatz.\n", encoding="utf-8")
    doc = read_document(str(path), "de")
    assert [doc.text[b.start:b.end] for b in doc.blocks] == ["Erster Absatz.", "Zweiter Absatz."]
    assert doc.notes == ()


# --- formats found, bad files refused -------------------------------------------------------------


@pytest.mark.parametrize("head,expected", [
    (b"<!DOCTYPE html>\n<html><body><p>Hallo.</p></body></html>", "html"),
    (b"\xef\xbb\xbf<!-- saved -->\n<HTML lang=de><p>Hallo.</p></HTML>", "html"),
    (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "html"),
    (b"Hallo <b>Welt</b>.", "text"),
])
def test_html_is_sniffed_without_an_extension(head: bytes, expected: str) -> None:
    assert detect_format("page", head) == expected
    assert detect_format("page.htm", b"anything") == "html" and detect_format("x.markdown", b"# x") == "markdown"


@pytest.mark.parametrize("name,content,message", [
    ("junk.html", bytes(range(256)) * 8, "looks like a binary file"),
    ("plain.html", b"Nur ein Satz ohne Markup.\n", "has no HTML markup"),
    ("empty.html", b"<html><head><title>Titel</title><script>var a = 1;</script></head><body> </body></html>",
     "no text found in this HTML page"),
    ("meta.md", b"---\ntitle: nur Metadaten\n---\n", "no text found in this Markdown file"),
])
def test_bad_files_are_refused_in_one_line(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    (tmp_path / name).write_bytes(content)
    done = run_align("segment", name, "--lang", "de", cwd=tmp_path)
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"align: error: {name}: "), done.stderr
    assert message in done.stderr


def test_segment_jsonl_shows_the_block_kinds(article: Path) -> None:
    done = run_align("segment", article.name, "--lang", "de", "--jsonl", cwd=article.parent)
    assert done.returncode == 0, done.stderr
    assert "14 boilerplate blocks left out" in done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records[0]["type"] == "document" and records[0]["format"] == "html"
    kinds = [r["kind"] for r in records if r["type"] == "block"]
    assert kinds == [kind for kind, _ in ARTICLE_BODY]
    code = [r["text"] for r in records if r["type"] == "sentence" and r["kind"] == "code"]
    assert code == ["ls -l /var/log", "grep Basel notizen.txt"]


# --- a German/English pair in each format, aligned end to end --------------------------------

PAIR = [
    ("Die Stadtbibliothek", "The City Library"),
    ("Die Stadtbibliothek ist von Montag bis Samstag geöffnet.", "The city library is open from Monday to Saturday."),
    ("Am Sonntag bleibt sie geschlossen.", "It is closed on Sundays."),
    ("Jeder Einwohner kann kostenlos einen Ausweis beantragen.", "Every resident can apply for a library card free of charge."),
    ("Mit dem Ausweis dürfen Sie bis zu zwanzig Bücher gleichzeitig ausleihen.",
     "With the card you may borrow up to twenty books at a time."),
    ("Die Leihfrist beträgt vier Wochen.", "The loan period is four weeks."),
    ("Zeitschriften und Zeitungen können nur im Lesesaal gelesen werden.",
     "Magazines and newspapers can only be read in the reading room."),
    ("Im Erdgeschoss finden Sie außerdem ein kleines Café.", "On the ground floor you will also find a small café."),
]
# blocks: heading, then paragraphs of these sentences
PARAGRAPHS = [[1, 2], [3, 4, 5], [6, 7]]
NAV = {"de": ("Startseite", "Veranstaltungen", "Kontakt", "Impressum und Datenschutz"),
       "en": ("Home", "Events", "Contact", "Legal notice and privacy")}


def _html_side(side: int, lang: str) -> str:
    nav = "".join(f'<li><a href="/{n}">{text}</a></li>' for n, text in enumerate(NAV[lang][:3]))
    paragraphs = "\n".join("<p>" + " ".join(PAIR[i][side] for i in group) + "</p>" for group in PARAGRAPHS)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{PAIR[0][side]}</title></head>'
            f'<body><header><nav><ul>{nav}</ul></nav></header><main><article><h1>{PAIR[0][side]}</h1>\n'
            f'{paragraphs}</article></main><footer><p><a href="/legal">{NAV[lang][3]}</a></p></footer>'
            "</body></html>\n")


def _markdown_side(side: int, lang: str) -> str:
    paragraphs = "\n\n".join(" ".join(f"*{PAIR[i][side]}*" if i == 3 else PAIR[i][side] for i in group)
                             for group in PARAGRAPHS)
    return f"---\nlang: {lang}\n---\n# {PAIR[0][side]}\n\n{paragraphs}\n"


@pytest.mark.parametrize("ext,make", [(".html", _html_side), (".md", _markdown_side)])
def test_pair_end_to_end(tmp_path: Path, ext: str, make) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / f"de{ext}").write_text(make(0, "de"), encoding="utf-8")
    (tmp_path / f"en{ext}").write_text(make(1, "en"), encoding="utf-8")
    done = run_align("pair", f"de{ext}", f"en{ext}", "-s", "de", "-t", "en", "--format", "jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    pairs = [(r["src"], r["tgt"]) for r in map(json.loads, done.stdout.splitlines())]
    assert pairs == PAIR
    joined = " ".join(src + " " + tgt for src, tgt in pairs)
    for word in NAV["de"] + NAV["en"]:
        assert word not in joined
