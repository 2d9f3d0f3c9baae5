"""Issue 6, section 2: hard but valid input through ``align pair`` as a user runs it.

Every sentence of both sides in exactly one bead, in order, and the exports (JSON Lines and
a TMX valid against the DTD) give the text back. The helpers and the other sections:
``tests/hardening_support.py``.

Checklist (issue item -> test):

2. Hard but valid input
   - a side with a single sentence .... test_single_sentence_sides, test_single_sentence_pair_is_matched
   - headlines / no final punctuation . test_headlines_without_final_punctuation
   - a 1 MB line without punctuation .. test_one_megabyte_line_without_punctuation (cut into pieces; seconds per
                                        MB for 1, 5 and 50 MB lines: bench/long_line.py)
   - a 100,000-sentence pair .......... test_100k_sentence_pair_memory_is_linear (figures: bench/big_pair.py)
   - HTML or Markdown markup .......... test_html_and_markdown_markup_is_text
   - control, zero-width, emoji, RTL .. test_control_zero_width_emoji_rtl
   - CRLF and mixed newlines .......... test_crlf_and_mixed_newlines, test_presegmented_mixed_newlines_ids_are_lines
   - identical duplicated sentences ... test_identical_duplicated_sentences
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from lxml import etree

from align.read import read_document
from align.segment import presegmented, segment
from tests.hardening_support import SRC, pair_and_check


def test_single_sentence_sides(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    """One sentence on a side: kept, exported, and matched to its translation among others."""
    records, units, _ = pair_and_check(tmp_path, "Der Hund bellt.", "The dog barks.", dtd=tmx_dtd)
    assert sorted(i for r in records for i in r["src_ids"]) == [0]  # nothing lost (pair_and_check: all of it)
    records, _, _ = pair_and_check(
        tmp_path, "Der Hund bellt.", "The cat sleeps. The dog barks. The bird sings.", dtd=tmx_dtd
    )
    assert ([0], [1]) in [(r["src_ids"], r["tgt_ids"]) for r in records]
    records, _, _ = pair_and_check(
        tmp_path, "Die Katze schläft. Der Hund bellt. Der Vogel singt.", "The dog barks.", dtd=tmx_dtd
    )
    assert ([1], [0]) in [(r["src_ids"], r["tgt_ids"]) for r in records]


def test_single_sentence_pair_is_matched(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    records, units, _ = pair_and_check(tmp_path, "Der Hund bellt.", "The dog barks.", dtd=tmx_dtd)
    assert [(r["src_ids"], r["tgt_ids"]) for r in records] == [([0], [0])]
    assert units[0]["tuvs"] == [{"lang": "de", "text": "Der Hund bellt."}, {"lang": "en", "text": "The dog barks."}]


def test_headlines_without_final_punctuation(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = "Bundestag beschließt neuen Haushalt\nKanzler reist nach Paris\n\nWetter am Wochenende: Sonne und Regen\n"
    tgt = "Bundestag passes new budget\nChancellor travels to Paris\n\nWeekend weather: sun and rain\n"
    records, units, _ = pair_and_check(tmp_path, src, tgt, dtd=tmx_dtd)
    assert [r["src"] for r in records if r["src_ids"]] == [line for line in src.splitlines() if line]
    assert [(r["src_ids"], r["tgt_ids"]) for r in records] == [([0], [0]), ([1], [1]), ([2], [2])]


@pytest.mark.slow
def test_one_megabyte_line_without_punctuation(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    words = ["wort", "zeitung", "regierung", "haus", "stadt", "kommission", "bericht"]
    line = " ".join(words[i % len(words)] for i in range(150_000))
    assert len(line) > 1_000_000
    records, units, _ = pair_and_check(tmp_path, f"Kurzer Satz.\n{line}\nLetzter Satz.", "A short sentence.\nLast sentence.",
                                       dtd=tmx_dtd)
    # The line has no sentence end: it is cut at spaces into pieces of at most
    # MAX_SENTENCE_CHARS (so the later stages stay linear), which give it back in order.
    from align.segment.base import MAX_SENTENCE_CHARS

    src_doc = segment(read_document(str(tmp_path / "src.txt"), "de"))
    pieces = [sent.text for sent in src_doc.sentences[1:-1]]
    assert " ".join(pieces) == line and max(map(len, pieces)) <= MAX_SENTENCE_CHARS
    assert len(pieces) <= 2 * len(line) / MAX_SENTENCE_CHARS + 1
    in_beads = [doc_id for r in records for doc_id in r["src_ids"]]
    assert in_beads == list(range(len(src_doc.sentences)))  # every piece in exactly one bead, in order


def _parallel_pair(n: int, seed: int = 0) -> tuple[str, str]:
    """A source of N sentences and a target that translates it (shuffled words), with some
    sentences dropped and inserted: the shape of a real pair, cheap to embed."""
    import random

    rng = random.Random(seed)
    vocab = [w for w in SRC.read_text(encoding="utf-8").split() if w.isalpha()]
    src, tgt = [], []
    for k in range(n):
        words = [str(k), *rng.choices(vocab, k=rng.randint(3, 12))]
        src.append(" ".join(words) + ".")
        if rng.random() < 0.03:
            continue
        rng.shuffle(words)
        tgt.append(" ".join(words))
        if rng.random() < 0.03:
            tgt.append(" ".join(rng.choices(vocab, k=6)))
    return "\n".join(src), "\n".join(tgt)


@pytest.mark.slow
def test_100k_sentence_pair_memory_is_linear() -> None:
    """100,000 sentences a side through the pipeline (cheap encoder): every sentence kept, memory linear.

    Peak traced memory is compared at 5k and 25k sentences (tracemalloc slows the run); the
    100k run checks that nothing is lost. Time and memory with the real model at 10k, 50k
    and 100k: ``bench/big_pair.py`` (figures in bench/RESULTS.md).
    """
    from align.api import align_documents
    from align.read import read_text
    from tests.hash_encoder import HashEncoder
    from tests.invariants import check_partition

    def run(n: int):
        s, t = _parallel_pair(n)
        return align_documents(
            presegmented(read_text(s, "de")), presegmented(read_text(t, "en")),
            model=HashEncoder(256), cache=False, paragraphs=False,
        )

    peaks = {}
    for n in (5_000, 25_000):
        tracemalloc.start()
        alignment = run(n)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        check_partition(alignment)
    assert peaks[25_000] < 1.3 * 5 * peaks[5_000], peaks  # linear, not quadratic (25x)
    alignment = run(100_000)
    check_partition(alignment)
    assert len(alignment.src.sentences) == 100_000
    assert sum(b.is_match for b in alignment.beads) > 0.9 * len(alignment.tgt.sentences)


def test_html_and_markdown_markup_is_text(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = (
        "<p>Der <b>Hund</b> bellt &amp; beißt.</p>\n# Überschrift <script>alert('x')</script>\n"
        "**Fett** und [ein Link](http://example.org/?a=1&b=2) ]]> <![CDATA[ x ]]>\n"
    )
    tgt = (
        "<p>The <b>dog</b> barks &amp; bites.</p>\n# Heading <script>alert('x')</script>\n"
        "**Bold** and [a link](http://example.org/?a=1&b=2) ]]> <![CDATA[ x ]]>\n"
    )
    records, units, _ = pair_and_check(tmp_path, src, tgt, dtd=tmx_dtd)
    raw = (tmp_path / "out.tmx").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw and "&amp;amp;" in raw
    tree = etree.parse(str(tmp_path / "out.tmx"))
    assert all(len(seg) == 0 for seg in tree.iter("seg"))  # markup stays text, never elements
    got = [t["text"] for u in units for t in u["tuvs"] if t["lang"] == "de"]
    assert "<p>Der <b>Hund</b> bellt &amp; beißt.</p>" in got


def test_control_zero_width_emoji_rtl(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = "Der Hund\u200b bellt 🐕‍🦺 laut.\x07 Er heißt \u202eאבי\u202c.\nشكرا لك يا صديقي. 👍🏽\n"
    tgt = "The dog\u200d barks 🐕‍🦺 loudly. His name is \u202eאבי\u202c.\nThank you, my friend. 👍🏽\n"
    records, units, run = pair_and_check(tmp_path, src, tgt, dtd=tmx_dtd)
    assert "note: removed 1 characters" in run.stderr  # the BEL, which XML cannot hold
    tmx_src = " ".join(t["text"] for u in units for t in u["tuvs"] if t["lang"] == "de")
    for piece in ("Hund\u200b bellt 🐕‍🦺", "\u202eאבי\u202c", "شكرا لك", "👍🏽"):
        assert piece in tmx_src
    assert "\x07" not in tmx_src and "\x07" in " ".join(r["src"] for r in records)


def test_crlf_and_mixed_newlines(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = "Erster Satz.\r\nZweiter Satz.\rDritter Satz.\nVierter Satz.\r\n\r\nFünfter Satz."
    tgt = "First sentence.\nSecond sentence.\r\nThird sentence.\rFourth sentence.\n\nFifth sentence.\r\n"
    records, units, _ = pair_and_check(tmp_path, src, tgt, dtd=tmx_dtd)
    assert all("\r" not in r["src"] and "\n" not in r["src"] for r in records)
    assert [(r["src_ids"], r["tgt_ids"]) for r in records] == [([i], [i]) for i in range(5)]


def test_presegmented_mixed_newlines_ids_are_lines(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = "Erste Zeile\r\nZweite Zeile\rDritte Zeile\n\nFünfte Zeile"
    tgt = "First line\nSecond line\r\nThird line\r\rFifth line\n"
    records, _, _ = pair_and_check(tmp_path, src, tgt, presegmented_input=True, dtd=tmx_dtd)
    assert sum(len(r["src_ids"]) for r in records) == 5 and sum(len(r["tgt_ids"]) for r in records) == 5
    assert [r["src"] for r in records if r["src_ids"] == [4]] == ["Fünfte Zeile"]


def test_identical_duplicated_sentences(tmp_path: Path, tmx_dtd: etree.DTD) -> None:
    src = "Ja.\nJa.\nJa.\nDer Präsident sagte nein.\nJa.\nJa.\n"
    tgt = "Yes.\nYes.\nYes.\nThe president said no.\nYes.\nYes.\n"
    records, units, _ = pair_and_check(tmp_path, src, tgt, dtd=tmx_dtd)
    assert [(r["src_ids"], r["tgt_ids"]) for r in records] == [([i], [i]) for i in range(6)]
