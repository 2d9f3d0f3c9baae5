"""Segmentation of technical text (issue 17, item 2): manuals, man pages, READMEs.

Tokens with periods inside them — ``SYSTEMD.EXEC(5)``, ``CONFIG.SYS``, file names, URLs,
versions, e-mail addresses, options — are never split, abbreviations of technical prose
never end a sentence, and a sentence that ends with a URL, file name or version before a
space and a capital still ends there. The samples' segmentation must not move: it is
compared byte for byte with ``tests/expected_segmentation/`` (the output of
``align segment`` on main before these rules).

Each case is ``(lang, expected_sentences)``; the input is the sentences joined by one
space, as in ``tests/segment_cases.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from align import cli
from align.segment import get_segmenter
from tests.test_segment import check_spans

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT / "tests" / "expected_segmentation"

# ------------------------------------------------------------------ never split inside
INSIDE: list[tuple[str, list[str]]] = [
    # man-page titles and DOS file names in capitals
    ("de", ["Siehe SYSTEMD.EXEC(5) für alle Optionen.", "Dann lesen Sie weiter."]),
    ("en", ["See SYSTEMD.EXEC(5) for all options.", "Then read on."]),
    ("de", ["SYSTEMD.EXEC(5)"]),
    ("de", ["Die Datei CONFIG.SYS wird beim Start gelesen.", "Danach startet DOS."]),
    ("en", ["The file CONFIG.SYS is read at boot.", "Then DOS starts."]),
    # abbreviations of technical prose, before a capital and before a lower-case word
    ("en", ["Some tools, e.g. Apt, and the low-level one, i.e. Dpkg, do it.", "Then stop."]),
    ("en", ["Use a front-end, e.g. the one from Debian, i.e. apt.", "Then stop."]),
    ("de", ["Manche Werkzeuge, e.g. Apt, und das untere, i.e. Dpkg, tun es.", "Dann Schluss."]),
    ("de", ["Man nutzt z. B. Apt, d. h. Debian, u. a. für Updates.", "Dann ist Schluss."]),
    ("de", ["Man nutzt z. B. die Werkzeuge, d. h. apt und u. a. dpkg.", "Dann ist Schluss."]),
    ("de", ["Man nutzt z.B. Apt, d.h. Debian, u.a. Dpkg.", "Dann ist Schluss."]),
    ("en", ["German manuals write z. B. Apt or d. h. Debian or u. a. Dpkg.", "Then they stop."]),
    ("de", ["Er nutzt Apt bzw. Dpkg, ggf. Aptitude, vgl. Abschnitt 3 und Nr. 5 der Liste.", "Dann Schluss."]),
    ("de", ["Wählen Sie apt bzw. dpkg, ggf. aptitude, vgl. unten.", "Dann Schluss."]),
    ("en", ["Items are numbered, cf. Section 3 and Nr. 5 of the list.", "Then stop."]),
    # versions
    ("de", ["Version 2.0.1 ist neu und v1.2.3 ist alt.", "Dann Schluss."]),
    ("en", ["Version 2.0.1 is new and v1.2.3 is old.", "Then stop."]),
    ("de", ["Seit v1.2. unterstützt Apt HTTPS."]),
    ("en", ["Since v1.2. apt supports HTTPS."]),
    # file names and paths
    ("de", ["Bearbeiten Sie /etc/apt/sources.list, foo.conf und README.md heute.", "Fertig."]),
    ("en", ["Edit /etc/apt/sources.list, foo.conf and README.md today.", "Done."]),
    # URLs
    ("de", ["Die Seite https://example.org/a.b?c=d.e zeigt es.", "Dann weiter."]),
    ("en", ["The page https://example.org/a.b?c=d.e shows it.", "Then go on."]),
    # e-mail addresses
    ("de", ["Schreiben Sie an user@example.org oder an debian-l10n-german@lists.debian.org.", "Dann warten."]),
    ("en", ["Write to user@example.org or to debian-l10n-german@lists.debian.org.", "Then wait."]),
    # man-page references and option names
    ("de", ["Lesen Sie apt-get(8) und nutzen Sie --no-install-recommends mit -o=APT::Get.Assume-Yes.",
            "Fertig."]),
    ("en", ["Read apt-get(8) and use --no-install-recommends with -o=APT::Get.Assume-Yes.", "Done."]),
]

# ------------------------------------------------------------------ a sentence ends with a token
ENDS: list[tuple[str, list[str]]] = [
    ("en", ["See https://debian.org.", "Then run it."]),
    ("de", ["Siehe https://debian.org.", "Dann führen Sie es aus."]),
    ("en", ["See https://example.org/a.b?c=d.", "Then run it."]),
    ("de", ["Siehe https://example.org/a.b?c=d.", "Dann weiter."]),
    ("en", ["The file is /etc/apt/sources.list.", "Then edit it."]),
    ("de", ["Die Datei ist /etc/apt/sources.list.", "Dann bearbeiten Sie sie."]),
    ("en", ["See README.md.", "It has everything."]),
    ("de", ["Siehe README.md.", "Dort steht alles."]),
    ("de", ["Die Vorgaben stehen in config.h.", "Dort ändern Sie sie."]),
    ("en", ["The defaults are in config.h.", "Change them there."]),
    ("de", ["Die Datei heißt foo.conf.", "Danach editieren Sie sie."]),
    ("en", ["Installed is version 2.0.1.", "Then upgrade."]),
    ("de", ["Installiert ist Version 2.0.1.", "Danach aktualisieren Sie."]),
    ("en", ["Installed is v1.2.", "Then upgrade."]),
    ("de", ["Installiert ist v1.2.", "Danach aktualisieren Sie."]),
    ("en", ["Write to user@example.org.", "Then wait."]),
    ("de", ["Schreiben Sie an user@example.org.", "Dann warten Sie."]),
    ("en", ["Read apt-get(8).", "Then use --no-install-recommends.", "Done."]),
    ("de", ["Lesen Sie apt-get(8).", "Dann nutzen Sie --no-install-recommends.", "Fertig."]),
    ("en", ["Options are set with -o=APT::Get.Assume-Yes.", "Then it runs."]),
    ("de", ["Optionen setzt man mit -o=APT::Get.Assume-Yes.", "Dann läuft es."]),
    ("de", ["Siehe SYSTEMD.EXEC(5).", "Dann weiter."]),
    ("de", ["Die Datei heißt CONFIG.SYS.", "Dann weiter."]),
]

# ------------------------------------------------------------------ real ends still split
REAL_ENDS: list[tuple[str, list[str]]] = [
    ("de", ["Er kam um 10 Uhr.", "Dann ging er."]),
    ("en", ["He came at 10 o'clock.", "Then he left."]),
    # a list-closing abbreviation at a real end, before a capitalised sentence start …
    ("de", ["Wir kauften Äpfel, Birnen usw.", "Dann gingen wir."]),
    ("en", ["We bought apples, pears, etc.", "Then we went home."]),
    # … but not before a lower-case word
    ("de", ["Äpfel, Birnen usw. werden gekauft."]),
    ("en", ["Apples, pears, etc. are bought."]),
    # manuals start sentences with a lower-case command or value (from apt-get(8), apt.conf(5))
    ("de", ["Dies wird von der traditionellen Debian-Oberfläche dselect(1) benutzt.",
            "dselect-upgrade folgt den durch dselect(1) gemachten Änderungen."]),
    ("en", ["It is used by the traditional Debian packaging front-end, dselect(1).",
            "dselect-upgrade follows the changes made by dselect(1)."]),
    ("en", ["Answer yes to any prompt, --trivial-only will answer no.", "Configuration Item: APT::Get::Trivial-Only."]),
]


def _run(lang: str, text: str) -> list[str]:
    spans = get_segmenter(lang).split(text)
    check_spans(text, spans)
    return [text[s:e] for s, e in spans]


@pytest.mark.parametrize(("lang", "expected"), INSIDE, ids=[" ".join(c[1])[:50] for c in INSIDE])
def test_technical_tokens_are_not_split(lang: str, expected: list[str]) -> None:
    assert _run(lang, " ".join(expected)) == expected


@pytest.mark.parametrize(("lang", "expected"), ENDS, ids=[" ".join(c[1])[:50] for c in ENDS])
def test_a_sentence_ending_with_a_technical_token_ends_there(lang: str, expected: list[str]) -> None:
    assert _run(lang, " ".join(expected)) == expected


@pytest.mark.parametrize(("lang", "expected"), REAL_ENDS, ids=[" ".join(c[1])[:50] for c in REAL_ENDS])
def test_real_sentence_ends_still_split(lang: str, expected: list[str]) -> None:
    assert _run(lang, " ".join(expected)) == expected


def test_missing_space_between_words_is_a_sentence_end() -> None:
    """A typo in systemd.exec(5) (German): ``entkommen.Beachten`` — two words, not one token."""
    text = "Sie könnten daher gesetzten Beschränkungen entkommen.Beachten Sie auch das."
    assert _run("de", text) == ["Sie könnten daher gesetzten Beschränkungen entkommen.", "Beachten Sie auch das."]


def test_bulleted_paragraph_is_split() -> None:
    """sentencex does not split a text that starts with a bullet; the bullet is hidden from it."""
    text = "• Ähnlich erhalten Units automatisch Abhängigkeiten. Sie werden auch After= erhalten."
    assert _run("de", text) == ["• Ähnlich erhalten Units automatisch Abhängigkeiten.", "Sie werden auch After= erhalten."]


# ------------------------------------------------------------------ samples unchanged


SAMPLE_CASES = sorted(EXPECTED.glob("*.txt"))


@pytest.mark.parametrize("expected", SAMPLE_CASES, ids=[p.name for p in SAMPLE_CASES])
def test_sample_segmentation_is_unchanged(expected: Path) -> None:
    """``align segment`` on each sample gives, byte for byte, what main gave before these rules."""
    stem, lang, _ = expected.name.rsplit(".", 2)
    result = CliRunner().invoke(cli.app, ["segment", str(ROOT / "samples" / f"{stem}.txt"), "--lang", lang])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == expected.read_bytes()
