"""Decode a document's bytes into the exact text every later stage refers to.

Decoding is strict. UTF-8 (with or without a BOM) and UTF-16/32 with a BOM are read as
such; anything else is decoded with a legacy encoding only when the result is plainly
text in the document's language (cp1252 for German, English, French…), because a
wrong guess silently produces mojibake that then ends up in a translation memory.
When in doubt the reader refuses with a one-line message that says how to convert.

Bytes that are not UTF-8 are weighed on evidence, not on the first error. Counted are
the *valid multi-byte UTF-8 sequences* (``ü`` is ``C3 BC``: a legacy file almost never
contains such pairs by chance) and the *invalid sequences* (maximal runs of bytes that
cannot be UTF-8, one per stray Latin-1 letter or truncated character):

* no valid multi-byte sequence: a legacy file; decoded as described above;
* at least :data:`UTF8_MAJORITY` valid sequences per invalid one: UTF-8 with a few bad
  bytes (a stray byte, a truncated character); each invalid sequence becomes U+FFFD,
  an :class:`~align.errors.AlignWarning` says how many bytes and where the first one is,
  and ``Document.replaced_bytes`` records the count;
* at least :data:`LEGACY_MAJORITY` invalid sequences per valid one: a legacy file in
  which a few byte pairs happen to form UTF-8 (``ß“`` in cp1252 is ``DF 93``); decoded
  as a legacy file;
* anything in between mixes encodings in comparable amounts: refused, naming the byte
  offset of the first bad byte, because either reading would garble part of the text —
  unless a legacy encoding with two-byte characters (Shift-JIS, GB18030, Big5, EUC-KR…)
  reads the whole file plausibly: their byte pairs are often valid UTF-8 by chance.

Example::

    >>> decode_bytes("Grüße".encode("cp1252"), "old.txt", lang="de")
    ('Grüße', 'cp1252')
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import warnings

from align.errors import AlignWarning, InputError

__all__ = ["LEGACY_MAJORITY", "UTF8_MAJORITY", "decode_bytes", "decode_counted"]

#: Valid multi-byte UTF-8 sequences needed per invalid sequence to read a file as UTF-8
#: with replacement characters (see the module docstring).
UTF8_MAJORITY = 3
#: Invalid sequences needed per valid multi-byte sequence to read a file as a legacy
#: encoding although some of its byte pairs are valid UTF-8 by chance.
LEGACY_MAJORITY = 10

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
# Legacy encodings with two-byte characters: their byte pairs are often valid UTF-8 by
# chance (EUC's C2-DF A1-BF, Shift-JIS's E0-EF 80-BF 80-BF), so UTF-8 sequences in a file
# that one of them reads whole are no evidence of mixed encodings.
_MULTI_BYTE = frozenset({"cp932", "shift_jis", "euc_jp", "gb18030", "gbk", "gb2312", "big5", "cp949", "euc_kr"})
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


def _utf8_evidence(data: bytes) -> tuple[str, int, int, int]:
    """Decode ``data`` as UTF-8 with replacement; return the text and the evidence.

    Returns ``(text, valid, invalid, bad_bytes)``: ``text`` has one U+FFFD per invalid
    sequence (the maximal runs of bytes that cannot start or continue a character, as
    the Unicode standard recommends and browsers do), ``valid`` counts the valid
    multi-byte sequences, ``invalid`` the invalid sequences and ``bad_bytes`` the bytes
    in them. Everything is counted by the C codecs (the input may be hundreds of MB).
    """
    escaped = data.decode("utf-8", "surrogateescape")  # one lone surrogate per bad byte
    bad_bytes = len(data) - len(escaped.encode("utf-8", "ignore"))  # valid text re-encodes byte for byte
    ascii_bytes = len(data) - len(data.translate(None, bytes(range(128))))
    valid = len(escaped) - ascii_bytes - bad_bytes
    text = data.decode("utf-8", "replace")
    invalid = text.count("\ufffd") - escaped.count("\ufffd")  # U+FFFD written in the file is text
    return text, valid, invalid, bad_bytes


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _first_bad_byte(data: bytes, codec: str = "utf-8") -> int:
    try:
        data.decode(codec)
    except UnicodeDecodeError as err:
        return err.start
    return -1


def decode_counted(data: bytes, source: str, lang: str | None) -> tuple[str, str, int]:
    """:func:`decode_bytes`, plus the number of bytes replaced by U+FFFD (warned about here)."""
    if not data:
        raise InputError(f"{source}: the input is empty; give a file that contains text")
    text: str | None = None
    encoding = ""
    replaced = first = 0
    for bom, codec, name, label in _BOMS:
        if data.startswith(bom):
            text = _strict(data, codec)
            if text is None and codec == "utf-8-sig":
                text, replaced, first, mixed = _mostly_utf8(data[len(bom):], source, offset=len(bom))
                if mixed is not None:
                    raise mixed
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
            mixed = None
            if text is None:
                text, replaced, first, mixed = _mostly_utf8(data, source)
            if text is None:
                found = _decode_legacy(data, lang)
                if mixed is not None and (found is None or found[1] not in _MULTI_BYTE):
                    raise mixed
                if found is None:
                    raise InputError(
                        f"{source}: not UTF-8 (first bad byte at offset {_first_bad_byte(data)}) and the "
                        "encoding could not be detected; convert it to UTF-8, e.g. "
                        f"iconv -f WINDOWS-1252 -t UTF-8 {source} > converted.txt"
                    )
                text, encoding = found
    if _too_many_controls(text):
        raise InputError(
            f"{source}: looks like a binary file (many control characters); give a plain-text file"
        )
    if not text.strip():
        raise InputError(f"{source}: contains only whitespace; give a file that contains text")
    if replaced:
        warnings.warn(
            f"{source}: {_count(replaced, 'byte')} that {'are' if replaced != 1 else 'is'} "
            f"not UTF-8 replaced by U+FFFD (first at byte offset {first}); the rest was read as UTF-8. "
            "If characters are missing there, fix the file and save it as UTF-8 again",
            AlignWarning,
            stacklevel=2,
        )
    return text, encoding, replaced


def _mostly_utf8(data: bytes, source: str, offset: int = 0) -> tuple[str | None, int, int, InputError | None]:
    """Weigh the evidence for UTF-8 in ``data`` (which is not valid UTF-8); the rule is in the
    module docstring.

    Returns ``(text, replaced bytes, offset of the first, None)`` for mostly UTF-8,
    ``(None, 0, 0, None)`` for a legacy file, and ``(None, 0, 0, error)`` for UTF-8 mixed
    with another encoding in comparable amounts: the caller raises ``error`` unless a
    multi-byte legacy encoding reads the whole file. ``offset`` is added to byte offsets
    in messages (the length of a BOM cut off before).
    """
    text, valid, invalid, bad_bytes = _utf8_evidence(data)
    if valid == 0 or invalid >= LEGACY_MAJORITY * valid:
        # no UTF-8 at all, or a few byte pairs of a legacy file that happen to be UTF-8
        return None, 0, 0, None
    first = _first_bad_byte(data) + offset
    if valid >= UTF8_MAJORITY * invalid:
        return text, bad_bytes, first, None
    return None, 0, 0, InputError(
        f"{source}: mixes UTF-8 with another encoding ({_count(valid, 'UTF-8 character')}, "
        f"{_count(bad_bytes, 'byte')} that cannot be UTF-8, the first at byte offset {first}); convert "
        "the parts that are not UTF-8 so the whole file is UTF-8"
    )


def decode_bytes(data: bytes, source: str, *, lang: str | None = None) -> tuple[str, str]:
    """Decode a document's bytes; return ``(text, encoding name)``.

    ``source`` names the input in error messages (a path or ``<stdin>``). ``lang``, when
    given, picks the legacy encoding to try first for bytes that are not UTF-8. The BOM is
    removed; nothing else is changed. Raises :class:`InputError` for empty, whitespace-only,
    binary or undecodable data, or UTF-8 mixed with another encoding; UTF-8 with a few bad
    bytes is decoded with U+FFFD for them and an :class:`~align.errors.AlignWarning`
    (the rules are in the module docstring).
    """
    text, encoding, _ = decode_counted(data, source, lang)
    return text, encoding
