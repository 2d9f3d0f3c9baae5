"""Tests for align.segment: the hard-case table, span invariants, samples, presegmented input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from align.errors import InputError
from align.read import read_document, read_text
from align.segment import NewsSegmenter, get_segmenter, presegmented, segment
from align.segment.base import LINE_BREAK, MAX_SENTENCE_CHARS, Segmenter, cut_long
from tests.segment_cases import CASES, case_input

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def check_spans(text: str, spans: list[tuple[int, int]]) -> None:
    """The Segmenter contract: trimmed, non-empty, ordered, disjoint, within lines, covering."""
    covered = [0] * len(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip(), piece
        assert not any(ch in LINE_BREAK for ch in piece), piece
        for i in range(start, end):
            covered[i] += 1
        previous_end = end
    for i, ch in enumerate(text):
        assert covered[i] == 1 if not ch.isspace() else covered[i] <= 1, (i, ch)


def sentences(lang: str, text: str) -> list[str]:
    return [text[s:e] for s, e in get_segmenter(lang).split(text)]


# ------------------------------------------------------------------------- the hard cases


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_hard_case(case) -> None:
    lang, expected = case[0], case[1]
    text = case_input(case)
    assert sentences(lang, text) == expected
    check_spans(text, get_segmenter(lang).split(text))


def test_hard_case_accuracy_is_complete() -> None:
    """The whole table, as one number (the figure reported in bench/segmenters.md)."""
    right = sum(sentences(c[0], case_input(c)) == c[1] for c in CASES)
    assert right == len(CASES), f"{right}/{len(CASES)}"
    assert sum(c[0] == "de" for c in CASES) >= 30 and sum(c[0] == "en" for c in CASES) >= 40


# ------------------------------------------------------------------------- span invariants

TRICKY = "aAbBzZäÖß01 9 .,;:!?…-\"'“”„»«‘’()\u00a0\t\r\n\u2028"


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(TRICKY), max_size=200), st.sampled_from(["de", "en", "fr", "zh"]))
def test_span_invariants_on_random_text(text: str, lang: str) -> None:
    check_spans(text, get_segmenter(lang).split(text))


def test_span_invariants_on_samples() -> None:
    for path in sorted(SAMPLES.glob("*.txt")):
        doc = read_document(str(path), "de" if path.name.startswith("000") else "en")
        check_spans(doc.text, get_segmenter(doc.lang).split(doc.text))


def test_line_breaks_are_hard_boundaries() -> None:
    text = "Kopfzeile ohne Punkt\r\nErster Satz geht\rweiter. Zweiter.\n\nDritter\u2028Vierter"
    assert sentences("de", text) == ["Kopfzeile ohne Punkt", "Erster Satz geht", "weiter.", "Zweiter.",
                                     "Dritter", "Vierter"]


def test_crlf_spans_exclude_carriage_returns() -> None:
    doc = segment(read_text("First one. Second one.\r\nThird one.\r\n", "en"))
    assert [s.text for s in doc.sentences] == ["First one.", "Second one.", "Third one."]
    assert [(s.start, s.end) for s in doc.sentences] == [(0, 10), (11, 22), (24, 34)]


def test_whitespace_only_text_has_no_sentences() -> None:
    assert get_segmenter("en").split(" \n\t\r\n ") == []


@pytest.mark.parametrize(("text", "count"), [("a\tZ\u00a0. Next one.", 1),
                                            ("Er kam am 10.\u00a0Juli.\u202fDann ging er.", 2),
                                            ("Bad \ud800 surrogate. Next one.", 2)])
def test_inputs_that_trouble_sentencex(text: str, count: int) -> None:
    # No-break spaces made sentencex 1.0.32 panic; lone surrogates cannot enter Rust at all.
    spans = get_segmenter("de").split(text)
    check_spans(text, spans)
    assert len(spans) == count


def test_fallback_if_sentencex_panics(monkeypatch) -> None:
    class PanicException(BaseException):
        pass

    def panic(lang: str, text: str) -> list:
        raise PanicException("boom")

    monkeypatch.setattr("sentencex.get_sentence_boundaries", panic)
    text = "Dr. Chase kam am 10. Juli. „Wir sind bereit.“ Dann ging er… Ende"
    assert sentences("de", text) == ["Dr. Chase kam am 10. Juli.", "„Wir sind bereit.“", "Dann ging er… Ende"]


def test_segmenter_interface() -> None:
    seg = get_segmenter("de")
    assert isinstance(seg, Segmenter) and isinstance(seg, NewsSegmenter)
    assert seg.name == "news" and seg.lang == "de"
    with pytest.raises(TypeError):
        Segmenter()  # type: ignore[abstract]


def test_segmenters_are_cached_per_language() -> None:
    assert get_segmenter("de") is get_segmenter("de")
    assert get_segmenter("pt-BR") is get_segmenter("pt")
    assert get_segmenter("de") is not get_segmenter("en")


def test_invalid_language_is_an_input_error() -> None:
    with pytest.raises(InputError, match="language code"):
        get_segmenter("Deutsch")


# ------------------------------------------------------------------------- segment(doc)


def test_segment_fills_sentences_with_exact_spans() -> None:
    doc = read_text("\ufeff  Dr. Chase kam am 10. Juli.  Er blieb (s. u.).\n\nEnde", "de", path="p.txt")
    out = segment(doc)
    assert out is not doc and doc.sentences == ()
    assert (out.text, out.lang, out.path, out.encoding) == (doc.text, doc.lang, doc.path, doc.encoding)
    assert [s.text for s in out.sentences] == ["Dr. Chase kam am 10. Juli.", "Er blieb (s. u.).", "Ende"]
    assert [s.id for s in out.sentences] == [0, 1, 2]
    for s in out.sentences:
        assert s.text == out.text[s.start : s.end]


# ------------------------------------------------------------------------- samples


def sample_sentences(prefix: str, lang: str) -> list[str]:
    (path,) = SAMPLES.glob(f"{prefix}_*.txt")
    return [s.text for s in segment(read_document(str(path), lang)).sentences]


@pytest.mark.parametrize(("prefix", "lang", "count"), [("000", "de", 14), ("001", "en", 13), ("002", "en", 15),
                                                       ("003", "en", 22), ("004", "en", 19)])
def test_sample_sentence_counts(prefix: str, lang: str, count: int) -> None:
    assert len(sample_sentences(prefix, lang)) == count


def test_german_sample_boundaries() -> None:
    got = sample_sentences("000", "de")
    assert got[2] == "Die Gespräche dauerten etwa 90 Minuten, sagte Meiners."
    assert any(s.endswith("am 10. Juli auf einem Forum in London.") and s.startswith('"Wir haben') for s in got)
    assert got[-2].endswith("eine einfache Antwort ... Verschwinden Sie.")
    assert got[-2].startswith('"Wenn wir diese Gespräche')
    assert got[-1].startswith('Sie sind keine Pazifikmacht", sagte Kahl')
    assert got[6].endswith("nach China seit 2018.")


def test_english_sample_boundaries() -> None:
    s003 = sample_sentences("003", "en")
    assert any(s.startswith("In a statement issued in Washington, Defense Department spokesman Lt. Col. Martin "
                            "Meiners said") for s in s003)
    assert s003[:2] == ["China and the United States concluded two days of military talks"] * 2
    assert s003[-3:] == ["Leave a Reply", "Your email address will not be published.", "Required fields are marked *"]
    s004 = sample_sentences("004", "en")
    assert "The meeting which was held between Jan. 8-9 was the 17th US-China defense policy coordination talks, " \
           "he added." in s004
    assert any("met with China's Maj. Gen. Song Yanchao" in s and "Lt. Col. Martine Meiners said" in s for s in s004)
    assert any(s.startswith("Last month, the top US military officer") and "Gen. Q Brown" in s for s in s004)
    s002 = sample_sentences("002", "en")
    assert "We just want to make sure we’re having the appropriate dialogue.”" in s002
    s001 = sample_sentences("001", "en")
    assert s001[6] == '"The Chinese ambassador does not often meet with US senior defence officials," Sun said.'


# ------------------------------------------------------------------------- presegmented


def pre(text: str) -> list[tuple[int, int, int, str]]:
    return [(s.id, s.start, s.end, s.text) for s in presegmented(read_text(text, "en")).sentences]


def test_presegmented_lines_are_kept_exactly() -> None:
    assert pre("  One. Two.  \nThree\n") == [(0, 0, 13, "  One. Two.  "), (1, 14, 19, "Three")]


def test_presegmented_without_final_newline() -> None:
    assert pre("a\nb") == [(0, 0, 1, "a"), (1, 2, 3, "b")]


def test_presegmented_empty_lines_keep_ids_equal_to_line_numbers() -> None:
    assert pre("a\n\nb\n") == [(0, 0, 1, "a"), (1, 2, 2, ""), (2, 3, 4, "b")]
    assert pre("a\n\n") == [(0, 0, 1, "a"), (1, 2, 2, "")]


def test_presegmented_crlf_and_cr() -> None:
    assert pre("a\r\nb\r\n") == [(0, 0, 1, "a"), (1, 3, 4, "b")]
    assert pre("a\rb\r\n\rc") == [(0, 0, 1, "a"), (1, 2, 3, "b"), (2, 5, 5, ""), (3, 6, 7, "c")]


def test_presegmented_keeps_unicode_separators_inside_a_line() -> None:
    assert [t for *_, t in pre("a\u2028b\x0cc\nd")] == ["a\u2028b\x0cc", "d"]


def test_presegmented_doc_fields() -> None:
    doc = read_text("x\ny\n", "de", path="p")
    out = presegmented(doc)
    assert (out.text, out.lang, out.path) == (doc.text, "de", "p") and doc.sentences == ()
    for s in out.sentences:
        assert s.text == out.text[s.start : s.end]


# ------------------------------------------------------------------------- speed


def test_five_thousand_sentences_with_hard_cases() -> None:
    """Every hard case of a paragraph handled the same way 1,250 times over (no state leaks
    between paragraphs). The segmenter's speed is measured by ``bench/segmenters.py``."""
    paragraph = ('Der Sprecher Lt. Col. Martin Meiners sagte am 10. Juli: „Wir sind bereit.“ '
                 'Die Gespräche dauerten ca. 90 Min., d. h. länger als geplant. "Gut", sagte er. Dann ging er.\n\n')
    text = paragraph * 1250  # 5,000 sentences
    doc = segment(read_text(text, "de"))
    assert len(doc.sentences) == 5000
    assert [s.text for s in doc.sentences[4:8]] == [s.text for s in doc.sentences[:4]]


@pytest.mark.parametrize("line", ["wort " * 200_000, "Wort Wort. " * 90_000, "Ab.Cd." * 100_000, "漢字" * 300_000])
def test_a_one_megabyte_line_is_cut_into_bounded_pieces(line: str) -> None:
    """However long a line, no sentence is longer than MAX_SENTENCE_CHARS, and the pieces
    cover it exactly: what keeps the later stages linear (wall-clock figures for 1, 5 and
    50 MB lines: bench/long_line.py)."""
    spans = get_segmenter("en").split(line)
    check_spans(line, spans)
    lengths = [e - s for s, e in spans]
    assert max(lengths) <= MAX_SENTENCE_CHARS
    assert len(spans) >= len(line.strip()) / MAX_SENTENCE_CHARS
    if " " in line and "." not in line:  # cut at spaces in the back half of each piece: few, long pieces
        assert min(lengths[:-1]) >= MAX_SENTENCE_CHARS // 2
        assert all(line[e] == " " for _, e in spans[:-1])


def test_cut_long_prefers_white_space_and_never_splits_a_character_from_its_marks() -> None:
    line = "ab cd\u00a0ef" + "g" * 20
    # the no-break space in the back half of the first window (not the space in its front
    # half, which would leave a short piece), then hard cuts every 10 characters
    assert cut_long(line, 0, len(line), 10) == [(0, 5), (6, 16), (16, 26), (26, 28)]
    accented = "e\u0301" * 20  # each é is two code points: a cut must not leave a mark alone
    pieces = cut_long(accented, 0, len(accented), 9)
    assert all(e - s <= 9 for s, e in pieces) and all(accented[s] == "e" for s, _ in pieces)
    assert "".join(accented[s:e] for s, e in pieces) == accented
    assert cut_long("kurz", 0, 4, 10) == [(0, 4)]
    padded = "  a" + " " * 30 + "b  "
    assert cut_long(padded, 2, len(padded) - 2, 10) == [(2, 3), (33, 34)]  # trimmed, spaces in no piece


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("ab \u00a0.\u0301\u200d"), min_size=1), st.integers(2, 12))
def test_cut_long_pieces_are_trimmed_bounded_and_cover_everything(text: str, limit: int) -> None:
    start, end = 0, len(text)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return
    pieces = cut_long(text, start, end, limit)
    check_spans(text[:end], pieces)  # trimmed, ordered, every non-space character once
    assert all(e - s <= limit for s, e in pieces)


def test_a_presegmented_line_longer_than_a_sentence_may_be_is_refused() -> None:
    text = "Kurz.\n" + "wort " * MAX_SENTENCE_CHARS + "\nKurz.\n"
    with pytest.raises(InputError) as excinfo:
        presegmented(read_text(text, "de", path="lang.txt"))
    message = str(excinfo.value)
    assert "\n" not in message
    for needle in ("lang.txt", "line 2", f"{MAX_SENTENCE_CHARS:,}", "leave out --presegmented"):
        assert needle in message, message
    ok = "x" * MAX_SENTENCE_CHARS
    assert [s.text for s in presegmented(read_text(ok + "\n", "de")).sentences] == [ok]


def _clause_prefix_chars(text: str) -> int:
    """Characters the clause refinement tokenises for ``text`` segmented, as ``align_documents`` runs it.

    The refinement finds where each clause starts in tokens by tokenising the text before it
    (``usem3.plan.part_bounds``), which costs a sentence's length times its clauses: a counting
    stand-in for the tokenizer measures that work without the model or a clock.
    """
    from align.embed.usem3.plan import part_bounds
    from align.segment.clauses import clause_spans

    class Counting:
        chars = 0

        def tokenize(self, texts):
            texts = list(texts)
            Counting.chars += sum(map(len, texts))
            return [[0] * (len(t) // 4 + 2) for t in texts]

    texts = [s.text for s in segment(read_text(text, "de")).sentences]
    parts = [clause_spans(t) for t in texts]
    split = [i for i, p in enumerate(parts) if len(p) > 1]
    part_bounds(Counting(), [texts[i] for i in split], [parts[i] for i in split],
                 [len(t) // 4 + 2 for t in (texts[i] for i in split)])
    return Counting.chars


def test_the_clause_refinement_stays_linear_on_a_long_line_full_of_commas() -> None:
    """A line with a comma every few words and no full stop: before the cut it was one
    sentence of thousands of clauses, and the refinement's work grew with the square of
    the line (a 0.2 MB line took 63 s, a 0.4 MB one exhausted 23 GB)."""
    from align.segment.clauses import CLAUSE_MIN_CHARS

    unit = "die regierung, die kommission und der bericht, "
    small, large = ((unit * (n // len(unit))).strip() for n in (16_000, 64_000))
    work_small, work_large = _clause_prefix_chars(small), _clause_prefix_chars(large)
    assert work_large <= (MAX_SENTENCE_CHARS / CLAUSE_MIN_CHARS) * len(large)  # a constant times the text
    assert work_large / work_small < 6  # 4x the text, about 4x the work (16x before the cut)
