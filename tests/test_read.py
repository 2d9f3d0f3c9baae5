"""Tests for align.read: decoding, reading files and stdin, language codes, error messages."""

from __future__ import annotations

import codecs
import io
import os
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import warnings

from align.errors import AlignWarning, InputError
from align.read import LEGACY_MAJORITY, UTF8_MAJORITY, check_lang, decode_bytes, read_document, read_text
from tests.privileges import run_python

GERMAN = "Die Gespräche dauerten etwa 90 Minuten, sagte Meiners. „Größe“ – Maß, Übel, 5 €.\n"


def one_line_error(excinfo: pytest.ExceptionInfo[InputError], *needles: str) -> str:
    """Assert the error message is one line containing every needle; return it."""
    message = str(excinfo.value)
    assert "\n" not in message and message.strip() == message
    for needle in needles:
        assert needle in message, message
    return message


# ------------------------------------------------------------------------- UTF-8 and BOMs


def test_utf8_is_kept_exactly_including_crlf() -> None:
    text = "Erste Zeile.\r\nZweite Zeile.\r\n\r\nDritte\tZeile  \n"
    assert decode_bytes(text.encode("utf-8"), "x.txt") == (text, "utf-8")


def test_utf8_bom_is_removed() -> None:
    data = codecs.BOM_UTF8 + GERMAN.encode("utf-8")
    assert decode_bytes(data, "x.txt") == (GERMAN, "utf-8-sig")


@pytest.mark.parametrize(
    ("codec", "name"),
    [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"), ("utf-32-le", "utf-32-le"), ("utf-32-be", "utf-32-be")],
)
def test_utf16_and_utf32_with_bom(codec: str, name: str) -> None:
    data = ("\ufeff" + GERMAN).encode(codec)
    assert decode_bytes(data, "x.txt") == (GERMAN, name)


def test_utf16_without_bom_is_recognised() -> None:
    assert decode_bytes(GERMAN.encode("utf-16-le"), "x.txt") == (GERMAN, "utf-16-le")
    assert decode_bytes(GERMAN.encode("utf-16-be"), "x.txt") == (GERMAN, "utf-16-be")


def test_bad_utf16_after_bom_is_an_error() -> None:
    with pytest.raises(InputError) as excinfo:
        decode_bytes(codecs.BOM_UTF16_LE + b"a\x00\x00\xd8", "x.txt")  # lone surrogate
    one_line_error(excinfo, "x.txt", "UTF-16")


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1).filter(lambda t: t.strip()))
def test_any_utf8_text_round_trips(text: str) -> None:
    has_bom = text.startswith("\ufeff")
    expected = (text[1:], "utf-8-sig") if has_bom else (text, "utf-8")
    if has_bom and not text[1:].strip():
        return  # only a BOM and whitespace: empty, tested below
    assert decode_bytes(text.encode("utf-8"), "x.txt") == expected


# ------------------------------------------------------------------------- mostly UTF-8 (issue 15, item 2)

# German UTF-8 with one stray byte: read as Latin-1 before, "GrÃ¼ÃŸe aus MÃ¼nchen" went into the TMX.
STRAY = "Grüße aus München. Schöne Stadt.".encode("utf-8") + b"\xff Ende.\n"
STRAY_TEXT = "Grüße aus München. Schöne Stadt.\ufffd Ende.\n"


def decode_warned(data: bytes, source: str = "x.txt", lang: str | None = "de") -> tuple[tuple[str, str], list[str]]:
    """decode_bytes and the AlignWarning messages it issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = decode_bytes(data, source, lang=lang)
    assert all(issubclass(w.category, AlignWarning) for w in caught), [str(w.message) for w in caught]
    return result, [str(w.message) for w in caught]


@pytest.mark.parametrize("lang", ["de", None])
def test_utf8_with_one_bad_byte_is_utf8_with_a_replacement_and_a_warning(lang: str | None) -> None:
    (text, encoding), messages = decode_warned(STRAY, "gruss.txt", lang)
    assert (text, encoding) == (STRAY_TEXT, "utf-8")
    offset = STRAY.index(b"\xff")
    assert len(messages) == 1
    message = messages[0]
    assert "\n" not in message
    for needle in ("gruss.txt", "1 byte that is not UTF-8", "U+FFFD", f"first at byte offset {offset}", "save it as UTF-8"):
        assert needle in message, message


def test_the_document_records_how_many_bytes_were_replaced(tmp_path) -> None:
    path = tmp_path / "gruss.txt"
    path.write_bytes(GERMAN.encode("utf-8") + STRAY.replace(b"\xff", b"\xff\xfe"))
    with pytest.warns(AlignWarning, match="2 bytes that are not UTF-8"):
        doc = read_document(str(path), "de")
    assert doc.replaced_bytes == 2 and doc.encoding == "utf-8"
    assert doc.text == GERMAN + STRAY_TEXT.replace("\ufffd", "\ufffd\ufffd")
    clean = tmp_path / "clean.txt"
    clean.write_bytes(GERMAN.encode("utf-8"))
    assert read_document(str(clean), "de").replaced_bytes == 0


def test_a_truncated_last_character_and_a_bom_file_with_a_bad_byte() -> None:
    cut = "Grüße aus München. Das kostet 5 €".encode("utf-8")[:-1]  # the euro sign's last byte is missing
    (text, encoding), messages = decode_warned(cut)
    assert (text, encoding) == ("Grüße aus München. Das kostet 5 \ufffd", "utf-8")
    assert "2 bytes" in messages[0] and f"offset {len(cut) - 2}" in messages[0]
    (text, encoding), messages = decode_warned(codecs.BOM_UTF8 + STRAY)
    assert (text, encoding) == (STRAY_TEXT, "utf-8-sig")
    assert f"offset {3 + STRAY.index(bytes([0xFF]))}" in messages[0]  # offsets count the BOM: they are file offsets


@settings(max_examples=150, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1).filter(lambda t: t.strip()),
    st.text(st.characters(min_codepoint=0x80, blacklist_categories=("Cc", "Cs")), min_size=UTF8_MAJORITY),
    st.data(),
)
def test_one_stray_byte_in_any_utf8_text_costs_exactly_one_character(text: str, extra: str, data) -> None:
    text = text.lstrip("\ufeff") + extra  # enough UTF-8 characters to be mostly UTF-8
    k = data.draw(st.integers(0, len(text)))
    raw = text[:k].encode("utf-8") + b"\xff" + text[k:].encode("utf-8")
    (decoded, encoding), messages = decode_warned(raw)
    assert (decoded, encoding) == (text[:k] + "\ufffd" + text[k:], "utf-8")
    assert f"first at byte offset {len(text[:k].encode())}" in messages[0]


def test_mixed_encodings_are_refused_with_the_offset_of_the_first_bad_byte() -> None:
    utf8_part = "Grüße aus München. Über Größe und Maß.\n".encode("utf-8")
    legacy_part = "Schöne Stadt, schöne Brücke, Öl und Tür. Fuß.\n".encode("cp1252")
    with pytest.raises(InputError) as excinfo:
        decode_bytes(utf8_part + legacy_part, "mixed.txt", lang="de")
    one_line_error(excinfo, "mixed.txt", "mixes UTF-8 with another encoding", f"byte offset {len(utf8_part) + 3}",
                   "convert")
    with pytest.raises(InputError, match=f"byte offset {3 + len(utf8_part) + 3}"):  # a BOM counts: file offsets
        decode_bytes(codecs.BOM_UTF8 + utf8_part + legacy_part, "mixed.txt", lang="de")


def test_a_legacy_file_with_byte_pairs_that_are_utf8_by_chance_stays_legacy() -> None:
    # cp1252 "ß“" is DF 93, a valid two-byte UTF-8 sequence (U+07D3), but one of many
    # legacy characters is no evidence of UTF-8; one against one is not enough either way.
    text = "„Gruß“, sagte er. Größe, Übel, schön, Straße, Fuß, Mädchen, König, Bär, Öl, Tür, Brücke.\n"
    data = text.encode("cp1252")
    assert b"\xdf\x93" in data and data.count(b"\xdf\x93") * LEGACY_MAJORITY <= sum(b >= 0x80 for b in data)
    assert decode_warned(data) == ((text, "cp1252"), [])
    with pytest.raises(InputError, match="mixes UTF-8"):
        decode_bytes("Müller".encode("utf-8") + b"\xff\n", "x.txt", lang="de")  # not "MÃ¼llerÿ"


# ------------------------------------------------------------------------- legacy encodings


@pytest.mark.parametrize("lang", ["de", None])
def test_cp1252_german_is_decoded(lang: str | None) -> None:
    text, encoding = decode_bytes(GERMAN.encode("cp1252"), "x.txt", lang=lang)
    assert text == GERMAN
    assert encoding == "cp1252"


@pytest.mark.parametrize("lang", ["de", "fr", None])
def test_latin1_is_decoded(lang: str | None) -> None:
    original = "L'été dernier, Müller a déclaré qu'il était prêt. Ça va très bien.\n"
    text, encoding = decode_bytes(original.encode("latin-1"), "x.txt", lang=lang)
    assert text == original
    assert encoding in {"cp1252", "latin_1"}  # identical for these bytes


def test_short_cp1252_text() -> None:
    assert decode_bytes("Grüße aus München.".encode("cp1252"), "x.txt") == ("Grüße aus München.", "cp1252")


@pytest.mark.parametrize(
    ("lang", "text", "codec"),
    [
        ("pl", "Zażółć gęślą jaźń. Minister powiedział, że rozmowy będą kontynuowane.", "cp1250"),
        ("ru", "Министр обороны заявил, что переговоры продолжатся на следующей неделе.", "cp1251"),
        ("tr", "Bakan, görüşmelerin gelecek hafta devam edeceğini söyledi. Şişli'de.", "cp1254"),
        ("ja", "今日は晴れです。明日は雨です。会議は東京で開かれました。", "cp932"),
    ],
)
def test_legacy_encoding_of_the_documents_language(lang: str, text: str, codec: str) -> None:
    assert decode_bytes(text.encode(codec), "x.txt", lang=lang) == (text, codec)


def test_no_mojibake_when_the_language_is_wrong() -> None:
    # Russian in cp1251 read as "de": cp1252 would give "Ìèíèñòð"; it must come out as Russian.
    original = "Министр обороны заявил, что переговоры продолжатся на следующей неделе."
    text, _ = decode_bytes(original.encode("cp1251"), "x.txt", lang="de")
    assert text == original


def test_undetectable_encoding_is_an_error_saying_how_to_convert() -> None:
    data = b"Text " + bytes(range(0x80, 0x100)) * 3
    with pytest.raises(InputError) as excinfo:
        decode_bytes(data, "in.txt", lang="de")
    one_line_error(excinfo, "in.txt", "not UTF-8", "iconv", "UTF-8")


# ------------------------------------------------------------------------- binary and empty


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4,
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00",
        b"Some text\x00with a NUL in it.",
    ],
)
def test_binary_data_is_an_error(data: bytes) -> None:
    with pytest.raises(InputError) as excinfo:
        decode_bytes(data, "photo.bin")
    one_line_error(excinfo, "photo.bin", "binary")


def test_control_characters_without_nul_are_binary() -> None:
    with pytest.raises(InputError) as excinfo:
        decode_bytes(bytes(range(1, 9)) * 100 + b"text", "blob")
    one_line_error(excinfo, "blob", "binary")


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t  ", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n\n"])
def test_empty_or_whitespace_only_is_an_error(data: bytes) -> None:
    with pytest.raises(InputError) as excinfo:
        decode_bytes(data, "empty.txt")
    one_line_error(excinfo, "empty.txt")


# ------------------------------------------------------------------------- files and stdin


def test_read_document(tmp_path) -> None:
    path = tmp_path / "de.txt"
    path.write_bytes(codecs.BOM_UTF8 + b"Titel\r\n\r\nErster Satz.\r\n")
    doc = read_document(str(path), "de")
    assert doc.text == "Titel\r\n\r\nErster Satz.\r\n"
    assert (doc.lang, doc.path, doc.encoding, doc.sentences) == ("de", str(path), "utf-8-sig", ())


def test_read_document_cp1252_file(tmp_path) -> None:
    path = tmp_path / "alt.txt"
    path.write_bytes(GERMAN.encode("cp1252"))
    doc = read_document(str(path), "de")
    assert doc.text == GERMAN and doc.encoding == "cp1252"


def test_read_document_from_stdin() -> None:
    doc = read_document("-", "en", stdin=io.BytesIO(b"Hello there.\n"))
    assert (doc.text, doc.path) == ("Hello there.\n", "-")


def test_read_document_from_real_stdin(monkeypatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO("Grüße.\n".encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    assert read_document("-", "de").text == "Grüße.\n"


def test_empty_stdin_names_stdin() -> None:
    with pytest.raises(InputError) as excinfo:
        read_document("-", "en", stdin=io.BytesIO(b""))
    one_line_error(excinfo, "<stdin>")


def test_missing_file(tmp_path) -> None:
    path = str(tmp_path / "nope.txt")
    with pytest.raises(InputError) as excinfo:
        read_document(path, "de")
    one_line_error(excinfo, path, "no such file")


def test_directory(tmp_path) -> None:
    with pytest.raises(InputError) as excinfo:
        read_document(str(tmp_path), "de")
    one_line_error(excinfo, str(tmp_path), "directory")


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX permissions")
def test_permission_denied(tmp_path) -> None:
    """A real unreadable file, in a child that obeys permission bits even when tests run as root."""
    path = tmp_path / "secret.txt"
    path.write_text("Geheim.")
    path.chmod(0)
    code = (
        "import sys\nfrom align.errors import InputError\nfrom align.read import read_document\n"
        "try:\n    read_document(sys.argv[1], 'de')\nexcept InputError as err:\n    print(err)\n    sys.exit(7)\n"
    )
    try:
        done = run_python(code, str(path))
        assert done.returncode == 7, (done.stdout, done.stderr)
        assert str(path) in done.stdout and "permission denied" in done.stdout and done.stdout.count("\n") == 1
    finally:
        path.chmod(0o644)


def test_permission_denied_message(tmp_path, monkeypatch) -> None:
    # The same path as above, for runs as root (CI containers), where chmod 0 does not stop reading.
    path = tmp_path / "secret.txt"
    path.write_text("Geheim.")

    def refuse(path: str, regular_only: bool) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr("align.read._open", refuse)
    with pytest.raises(InputError) as excinfo:
        read_document(str(path), "de")
    one_line_error(excinfo, str(path), "permission denied")


def test_read_document_checks_lang_first(tmp_path) -> None:
    with pytest.raises(InputError, match="language code"):
        read_document(str(tmp_path / "nope.txt"), "German")


# ------------------------------------------------------------------------- read_text and lang


def test_read_text() -> None:
    doc = read_text("\ufeffEin Satz.\r\n", "de", path="mem")
    assert (doc.text, doc.lang, doc.path, doc.encoding) == ("Ein Satz.\r\n", "de", "mem", "utf-8")
    assert read_text("x", "en").path is None


@pytest.mark.parametrize("text", ["", "  \n ", "\ufeff"])
def test_read_text_empty(text: str) -> None:
    with pytest.raises(InputError):
        read_text(text, "en")


def test_read_text_rejects_bytes() -> None:
    with pytest.raises(InputError, match="decode_bytes"):
        read_text(b"bytes", "en")  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["de", "en", "fr", "ast", "pt-BR", "zh-Hans", "es-419", "en-gb"])
def test_valid_language_codes(lang: str) -> None:
    assert check_lang(lang) == lang


@pytest.mark.parametrize(
    ("lang", "hint"),
    [("DE", "did you mean de?"), ("pt_BR", "did you mean pt-BR?"), ("German", None), ("", None),
     ("d", None), ("deutsch", None), ("de-", None), ("en us", None)],
)
def test_invalid_language_codes(lang: str, hint: str | None) -> None:
    with pytest.raises(InputError) as excinfo:
        check_lang(lang)
    message = one_line_error(excinfo, repr(lang), "ISO 639-1")
    if hint:
        assert hint in message
