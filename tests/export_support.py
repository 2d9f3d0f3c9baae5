"""Shared set-up of the exporter tests (``tests/test_export_*.py``): a small alignment that is hard to export.

Its sentences hold markup, ``]]>``, control characters, tabs and line breaks, RTL text,
emoji, noncharacters and a lone surrogate; its beads are 1-1, 1-2, 2-1, a deletion and an
insertion. The ``alignment`` fixture (registered in ``tests/conftest.py``) gives a fresh one
to each test.
"""

from __future__ import annotations

import pytest

from align.types import Alignment, Bead, Document, Sentence


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



def one_line(err: BaseException) -> bool:
    return "\n" not in str(err) and len(str(err)) > 0
