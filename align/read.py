"""Read input documents: bytes in, a :class:`~align.types.Document` out.

The reader's one job is to turn a file (or stdin, or a Python string) into the exact text
that every later stage refers to by character offset. It therefore decodes and nothing
else: the byte-order mark is removed, but line endings (``\\r\\n``), spacing and Unicode
normalisation are left alone, so that ``document.text[s.start:s.end]`` is what the user
sees in their file.

Decoding is strict. UTF-8 (with or without a BOM) and UTF-16/32 with a BOM are read as
such; anything else is decoded with a legacy encoding only when the result is plainly
text in the document's language (cp1252 for German, English, French…), because a
wrong guess silently produces mojibake that then ends up in a translation memory.
When in doubt the reader refuses with a one-line message that says how to convert.

Example::

    >>> doc = read_text("Guten Tag. Wie geht's?", "de")
    >>> doc.lang, doc.encoding
    ('de', 'utf-8')
"""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata
from pathlib import Path
from typing import BinaryIO

from align.errors import InputError
from align.types import Document

__all__ = ["check_lang", "decode_bytes", "read_document", "read_text"]

# A lower-case ISO 639-1/639-3 code, optionally with a BCP 47 region or script subtag
# (``pt-BR``, ``zh-Hans``, ``es-419``): what TMX's xml:lang and the segmenter expect.
_LANG_RE = re.compile(r"[a-z]{2,3}(?:-(?:[A-Z]{2}|[a-z]{2}|\d{3}|[A-Z][a-z]{3}))?")

# (BOM, codec that decodes and drops it, name reported in Document.encoding, name for
# messages). UTF-32-LE's BOM starts with UTF-16-LE's, so the 4-byte marks come first.
_BOMS: tuple[tuple[bytes, str, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be", "UTF-16"),
)

# The legacy encoding a file in a given language most likely uses when it is not UTF-8.
# Tried first because the user told us the language; charset-normalizer alone confuses
# e.g. cp1254 (Turkish) with cp1250 on short texts, which would produce mojibake.
_LEGACY_BY_LANG: dict[str, str] = {
    **dict.fromkeys(
        ["de", "en", "fr", "es", "it", "pt", "nl", "da", "sv", "no", "nb", "nn", "fi", "is",
         "ca", "gl", "eu", "ga", "lb", "af", "sq", "id", "ms", "sw"],
        "cp1252",
    ),
    **dict.fromkeys(["pl", "cs", "sk", "hu", "sl", "hr", "bs", "ro"], "cp1250"),
    **dict.fromkeys(["ru", "uk", "bg", "be", "sr", "mk"], "cp1251"),
    "el": "cp1253",
    "tr": "cp1254",
    "he": "cp1255",
    "ar": "cp1256",
    "fa": "cp1256",
    **dict.fromkeys(["et", "lv", "lt"], "cp1257"),
    "vi": "cp1258",
    "th": "cp874",
    "ja": "cp932",
    "zh": "gb18030",
    "ko": "cp949",
}

# Legacy encodings charset-normalizer may propose that we are willing to trust.
_TRUSTED_LEGACY = frozenset(
    {"cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
     "cp1258", "cp874", "latin_1", "iso8859_15", "iso8859_2", "iso8859_5", "iso8859_7",
     "iso8859_9", "koi8_r", "koi8_u", "cp932", "shift_jis", "euc_jp", "gb18030", "gbk",
     "gb2312", "big5", "cp949", "euc_kr"}
)
# Script families of the legacy encodings: when the user names the document's language, a
# detector's guess from another family (Big5 for Portuguese, cp1251 for German) is mojibake.
_FAMILY: dict[str, str] = {
    **dict.fromkeys(["cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "latin_1", "iso8859_15",
                     "iso8859_2", "iso8859_9"], "latin"),
    **dict.fromkeys(["cp1251", "iso8859_5", "koi8_r", "koi8_u"], "cyrillic"),
    **dict.fromkeys(["cp1253", "iso8859_7"], "greek"),
    "cp1255": "hebrew",
    "cp1256": "arabic",
    "cp874": "thai",
    **dict.fromkeys(["cp932", "shift_jis", "euc_jp"], "japanese"),
    **dict.fromkeys(["gb18030", "gbk", "gb2312", "big5"], "chinese"),
    **dict.fromkeys(["cp949", "euc_kr"], "korean"),
}
# Bytes needed before NULs in every other byte are taken as BOM-less UTF-16.
_MIN_BOMLESS_UTF16 = 8
# Non-ASCII characters a detector's guess needs before it may overrule the script of the
# language the user named ("õÛqkÄR" in cp1252 reads as Big5 "爚qk麗").
_MIN_FOREIGN_EVIDENCE = 16
# Single-byte Latin encodings: if cp1252 gives the same text, report cp1252, the name
# users recognise (charset-normalizer says "cp1250" for plain German).
_LATIN_SINGLE_BYTE = frozenset(
    {"cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "latin_1", "iso8859_15", "iso8859_2", "iso8859_9"}
)
# Non-letter characters that real text in a legacy Latin encoding contains; other symbols
# (³, ¹, ¤, ¦…) are what a wrong code page turns letters into.
_LATIN_SYMBOLS = frozenset("€£¥¢§©®™°±·•×÷½¼¾µ¶«»‹›„“”‚‘’–—…¡¿ ")
# Share of control characters (other than whitespace) above which valid UTF-8 is still
# treated as binary data.
_MAX_CONTROL_SHARE = 0.05
# Control characters (Unicode category Cc) that are not whitespace to str.isspace().
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def check_lang(lang: str) -> str:
    """Return ``lang`` unchanged if it is a usable language code, else raise :class:`InputError`.

    Accepted: a lower-case ISO 639 code of 2–3 letters, optionally with a BCP 47 region or
    script (``de``, ``en``, ``pt-BR``, ``zh-Hans``). The code is written into TMX files
    and picks the segmenter's rules, so a typo must fail here, not produce a wrong file.
    """
    if isinstance(lang, str) and _LANG_RE.fullmatch(lang):
        return lang
    hint = ""
    if isinstance(lang, str):
        fixed = lang.replace("_", "-")
        base, _, region = fixed.partition("-")
        suggestion = base.lower() + (f"-{region.upper()}" if region else "")
        if suggestion != lang and _LANG_RE.fullmatch(suggestion):
            hint = f" (did you mean {suggestion}?)"
    raise InputError(
        f"{lang!r} is not a language code{hint}; use a lower-case ISO 639-1 code such as "
        "de, en or fr, optionally with a region: pt-BR"
    )


def _too_many_controls(text: str) -> bool:
    """True when control characters make up more than a few percent of the text."""
    sample = text[:65536]
    return len(_CONTROL.findall(sample)) > _MAX_CONTROL_SHARE * len(sample)


def _plausible_legacy(text: str, encoding: str) -> bool:
    """Whether ``text``, decoded with a legacy ``encoding``, reads as text and not mojibake.

    No control characters (C1 controls are what cp1252 bytes become in latin-1), no
    private-use or replacement characters; for single-byte Latin code pages, every
    non-ASCII character is a letter or common typographic symbol and accented letters stay
    a minority of letters (Cyrillic or Greek bytes read as cp1252 become mostly accented
    Latin letters: ``Ïðèâåò``).
    """
    non_ascii_letters = letters = 0
    for ch in text:
        if ch.isascii():
            if ch.isalpha():
                letters += 1
            elif _CONTROL.match(ch):
                return False
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Co", "Cs", "Cn") or ch == "\ufffd":
            return False
        if encoding in _LATIN_SINGLE_BYTE:
            if cat.startswith("L"):
                letters += 1
                non_ascii_letters += 1
            elif ch not in _LATIN_SYMBOLS and not ch.isspace():
                return False
    if encoding in _LATIN_SINGLE_BYTE and letters:
        return non_ascii_letters <= 0.35 * letters
    return True


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_legacy(data: bytes, lang: str | None) -> tuple[str, str] | None:
    """Decode non-UTF-8 bytes with a legacy encoding we are confident in, or return None.

    First the usual legacy encoding of the document's language (cp1252 when the language
    is unknown: Western European text is by far the most common case, and charset-normalizer
    alone reads short French as cp1250, "pręt"), then charset-normalizer's best guess, which
    must write the same script as the language's own encoding when the language is known
    (Big5 is not right for Portuguese), unless it has plenty of text to go on (the
    language tag may be wrong). A result is taken only if it passes
    :func:`_plausible_legacy`.
    """
    known = _LEGACY_BY_LANG.get(lang.split("-")[0]) if lang else None
    first = known or "cp1252"
    text = _strict(data, first)
    if text is not None and _plausible_legacy(text, first):
        return text, first

    from charset_normalizer import from_bytes  # imported lazily: only needed for legacy files

    best = from_bytes(data).best()
    if best is None or best.encoding not in _TRUSTED_LEGACY or best.chaos > 0.2:
        return None
    encoding = best.encoding
    text = _strict(data, encoding)
    if text is None or not _plausible_legacy(text, encoding):
        return None
    if known is not None and encoding != known and _FAMILY.get(encoding) == _FAMILY.get(known):
        # Another code page of the language's own script (cp1257 for English): where it
        # differs from the language's code page it turns symbols into letters ("³" -> "ł").
        if _strict(data, known) != text:
            return None
    if known is not None and _FAMILY.get(encoding) != _FAMILY.get(known):
        # Another script than the language's: right when the language tag is wrong (Russian
        # labelled de), mojibake when a few odd bytes fooled the detector. Ask for evidence.
        if sum(1 for ch in text if not ch.isascii()) < _MIN_FOREIGN_EVIDENCE:
            return None
    if encoding in _LATIN_SINGLE_BYTE and encoding != "cp1252" and _strict(data, "cp1252") == text:
        encoding = "cp1252"
    return text, encoding


def _decode_bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """Recognise UTF-16 without a byte-order mark (NUL in every other byte of ASCII text).

    A few bytes are no evidence (``b"\\xdf\\x00"`` is Latin-1 "ß" and a NUL as much as
    UTF-16 "ß"), so inputs shorter than :data:`_MIN_BOMLESS_UTF16` bytes are not guessed.
    """
    if len(data) % 2 or len(data) < _MIN_BOMLESS_UTF16:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    for encoding, nuls, other in (("utf-16-le", odd_nuls, even_nuls), ("utf-16-be", even_nuls, odd_nuls)):
        if nuls >= 0.3 * half and other <= 0.02 * half:
            text = _strict(data, encoding)
            if text is not None and not _CONTROL.search(text, 0, 65536):
                return text, encoding
    return None


def decode_bytes(data: bytes, source: str, *, lang: str | None = None) -> tuple[str, str]:
    """Decode a document's bytes; return ``(text, encoding name)``.

    ``source`` names the input in error messages (a path or ``<stdin>``). ``lang``, when
    given, picks the legacy encoding to try first for bytes that are not UTF-8. The BOM is
    removed; nothing else is changed. Raises :class:`InputError` for empty, whitespace-only,
    binary or undecodable data.
    """
    if not data:
        raise InputError(f"{source}: the input is empty; give a file that contains text")
    text: str | None = None
    encoding = ""
    for bom, codec, name, label in _BOMS:
        if data.startswith(bom):
            text = _strict(data, codec)
            if text is None:
                raise InputError(
                    f"{source}: starts with a {label} byte-order mark but is not valid {label}; "
                    "re-save it as UTF-8"
                )
            encoding = name
            break
    if text is None:
        if b"\x00" in data:
            found = _decode_bomless_utf16(data)
            if found is None:
                raise InputError(
                    f"{source}: looks like a binary file (it contains NUL bytes); give a plain-text "
                    "file (extract the text from PDF/Word files first)"
                )
            text, encoding = found
        else:
            text = _strict(data, "utf-8")
            encoding = "utf-8"
            if text is None:
                found = _decode_legacy(data, lang)
                if found is None:
                    raise InputError(
                        f"{source}: not UTF-8 and the encoding could not be detected; convert it to "
                        f"UTF-8, e.g. iconv -f WINDOWS-1252 -t UTF-8 {source} > converted.txt"
                    )
                text, encoding = found
    if _too_many_controls(text):
        raise InputError(
            f"{source}: looks like a binary file (many control characters); give a plain-text file"
        )
    if not text.strip():
        raise InputError(f"{source}: contains only whitespace; give a file that contains text")
    return text, encoding


def _read_bytes(path: str, stdin: BinaryIO | None) -> bytes:
    """Read the raw bytes of ``path`` (``-``: stdin), turning OS errors into one-liners."""
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return stream.read()
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path (use - to read stdin)") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; give the path of a text file") from None
    except PermissionError:
        raise InputError(
            f"{path}: permission denied; make the file readable (chmod +r) or copy it somewhere readable"
        ) from None
    except OSError as err:
        if p.is_dir():  # some platforms report reading a directory as a generic OSError
            raise InputError(f"{path}: is a directory; give the path of a text file") from None
        raise InputError(f"{path}: cannot be read ({err.strerror or err}); check the file") from None


def read_document(path: str, lang: str, *, stdin: BinaryIO | None = None) -> Document:
    """Read and decode the document at ``path`` (``"-"``: standard input).

    ``stdin`` is the binary stream to read for ``"-"`` (default ``sys.stdin.buffer``); tests
    and callers embedding the tool pass their own. The Document's text is the decoded text
    exactly (BOM removed, line endings kept), so that character offsets refer to it.
    """
    check_lang(lang)
    source = "<stdin>" if path == "-" else path
    text, encoding = decode_bytes(_read_bytes(path, stdin), source, lang=lang)
    return Document(text=text, lang=lang, path=path, encoding=encoding)


def read_text(text: str, lang: str, path: str | None = None) -> Document:
    """Make a Document from text given in Python.

    A leading BOM character is dropped, as for files; the rest is kept exactly. Raises
    :class:`InputError` for a bad language code or text that is empty or only whitespace.
    """
    check_lang(lang)
    if not isinstance(text, str):
        raise InputError(f"expected text (str), got {type(text).__name__}; decode bytes with decode_bytes()")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        name = path if path is not None else f"<{lang} text>"
        raise InputError(f"{name}: the text is empty or only whitespace; give some text to align")
    return Document(text=text, lang=lang, path=path, encoding="utf-8")
