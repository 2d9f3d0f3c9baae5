"""End to end on the sample pair: the German wire-copy translation against its English source.

What a reader of the two articles sees: nine German sentences translate nine English
ones; the English lead paragraph and the three sentences quoting Yun Sun have no German
counterpart; the German closing sentences (from "China hat die US-Sanktionen ..." on)
have no English counterpart.
"""

from __future__ import annotations

import pytest

from align import align_files, align_texts
from align.types import Alignment
from tests.conftest import SAMPLES

DE = next(SAMPLES.glob("000_*.txt"))
EN = next(SAMPLES.glob("001_*.txt"))

# (start of the German sentence, start of the English sentence it translates)
TRANSLATIONS = [
    ("In einer kurzen Erklärung des Pentagon", "A brief Pentagon statement"),
    ('"Ratner unterstrich', '"Ratner also underscored'),
    ("Die Gespräche dauerten etwa 90 Minuten", "The discussions lasted about 90 minutes"),
    ("Die chinesische Botschaft in Washington", "China's embassy in Washington"),
    ("Da sich die Beziehungen zwischen den USA", "With US-China relations at a low"),
    ("Die US-Finanzministerin Janet Yellen", "US Treasury Secretary Janet Yellen"),
    ("Außenminister Antony Blinken", "Secretary of State Antony Blinken"),
    ("Aber Peking hat die Bemühungen", "But Beijing snubbed"),
    ('"Wir haben regelmäßig versucht', '"We have regularly reached out'),
]
EN_UNMATCHED = ["date 2023-07-13 WASHINGTON", "Yun Sun, director", '"The Chinese ambassador does not', '"It suggests China']
DE_CLOSING = "China hat die US-Sanktionen"


def _find(alignment: Alignment, side: str, prefix: str) -> int:
    doc = alignment.src if side == "src" else alignment.tgt
    ids = [s.id for s in doc.sentences if s.text.startswith(prefix)]
    assert len(ids) == 1, f"expected one {side} sentence starting {prefix!r}, found {len(ids)}"
    return ids[0]


@pytest.fixture(scope="module")
def sample_alignment() -> Alignment:
    return align_files(str(DE), str(EN), "de", "en")


def _bead_of(alignment: Alignment, side: str, sid: int):
    for bead in alignment.beads:
        if sid in (bead.src if side == "src" else bead.tgt):
            return bead
    raise AssertionError(f"{side} sentence {sid} is in no bead")


def test_translated_sentences_are_paired_one_to_one(sample_alignment: Alignment) -> None:
    for de, en in TRANSLATIONS:
        i, j = _find(sample_alignment, "src", de), _find(sample_alignment, "tgt", en)
        bead = _bead_of(sample_alignment, "src", i)
        assert (bead.src, bead.tgt) == ((i,), (j,)), f"{de!r} should pair with {en!r}, got {bead}"
        assert bead.score > 0.5


def test_english_lead_and_yun_sun_quotes_are_unmatched(sample_alignment: Alignment) -> None:
    for en in EN_UNMATCHED:
        j = _find(sample_alignment, "tgt", en)
        assert _bead_of(sample_alignment, "tgt", j).src == (), f"{en!r} should have no German counterpart"


def test_german_closing_sentences_are_unmatched(sample_alignment: Alignment) -> None:
    first = _find(sample_alignment, "src", DE_CLOSING)
    closing = [s.id for s in sample_alignment.src.sentences if s.id >= first]
    assert len(closing) >= 4
    for i in closing:
        assert _bead_of(sample_alignment, "src", i).tgt == (), f"German sentence {i} should be unmatched"


def test_every_sentence_in_exactly_one_bead_in_order(sample_alignment: Alignment) -> None:
    for side, doc in (("src", sample_alignment.src), ("tgt", sample_alignment.tgt)):
        ids = [i for bead in sample_alignment.beads for i in (bead.src if side == "src" else bead.tgt)]
        assert ids == list(range(len(doc.sentences)))


def test_spans_point_into_the_decoded_text(sample_alignment: Alignment) -> None:
    for doc in (sample_alignment.src, sample_alignment.tgt):
        for s in doc.sentences:
            assert doc.text[s.start : s.end] == s.text


def test_align_texts_three_lines_from_python(tmp_path) -> None:
    alignment = align_texts(
        "Der Hund schläft. Die Katze spielt im Garten.",
        "The dog is sleeping. The cat is playing in the garden.",
        "de", "en",
    )
    assert [(b.src, b.tgt) for b in alignment.beads] == [((0,), (0,)), ((1,), (1,))]
    out = tmp_path / "x.tmx"
    alignment.export(str(out))
    assert out.read_text(encoding="utf-8").count("<tu>") + out.read_text(encoding="utf-8").count("<tu ") == 2
