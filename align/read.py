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

Reading is bounded: every input is read in chunks, up to :data:`DEFAULT_MAX_INPUT_MB` MB
by default (``max_bytes=``, ``$ALIGN_MAX_INPUT_MB`` or ``--max-input-mb`` change it), so
``/dev/zero`` or a runaway pipe stops with one line instead of filling the memory, and
Ctrl-C works while reading. ``regular_only=True`` refuses FIFOs and devices without
opening them in a blocking way, for callers that read a path more than once or in a
worker (``align batch``); ``align pair <(cat x) ...`` and ``-`` keep working.

Example::

    >>> doc = read_text("Guten Tag. Wie geht's?", "de")
    >>> doc.lang, doc.encoding
    ('de', 'utf-8')
"""

from __future__ import annotations

import codecs
import math
import os
import re
import stat
import sys
import unicodedata
import warnings
from typing import BinaryIO

from align.errors import AlignError, AlignWarning, InputError
from align.types import Document

__all__ = [
    "DEFAULT_MAX_INPUT_MB", "MAX_INPUT_ENV", "check_lang", "decode_bytes", "max_input_bytes",
    "read_document", "read_stream", "read_text",
]

#: Default input limit, in MB (1 MB = 2**20 bytes). Far above any real document (a long
#: novel is 1-2 MB, and ``bench/big_pair.py``'s 100,000-sentence side is about 13 MB and
#: already needs some 4 GB to align: 20 KB per sentence), so it never stops real input; and
#: low enough that the reader itself (the bytes, then the decoded text at up to 4 bytes a
#: character) stays at a gigabyte or so, which a laptop survives, while /dev/zero or an
#: endless pipe stops within a second or two instead of growing until the kernel kills it.
DEFAULT_MAX_INPUT_MB = 256
#: The environment variable that sets the limit (in MB) when no option or argument does.
MAX_INPUT_ENV = "ALIGN_MAX_INPUT_MB"
_MB = 1 << 20
# Bytes per read: small enough that Ctrl-C is handled between reads at once (a single
# read of /dev/zero into one growing buffer never returns to Python), large enough that
# the loop costs nothing.
_CHUNK = 1 << 20

#: Valid multi-byte UTF-8 sequences needed per invalid sequence to read a file as UTF-8
#: with replacement characters (see the module docstring).
UTF8_MAJORITY = 3
#: Invalid sequences needed per valid multi-byte sequence to read a file as a legacy
#: encoding although some of its byte pairs are valid UTF-8 by chance.
LEGACY_MAJORITY = 10

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


def _decode(data: bytes, source: str, lang: str | None) -> tuple[str, str, int]:
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
    (the rule is in the module docstring).
    """
    text, encoding, _ = _decode(data, source, lang)
    return text, encoding


def max_input_bytes(mb: float | None = None) -> int:
    """The input size limit in bytes: ``mb`` MB if given, else ``$ALIGN_MAX_INPUT_MB``, else the default.

    1 MB is 2**20 bytes; fractions are allowed (``0.5``). Raises :class:`AlignError` for a
    value that is not a positive number, naming where it came from.
    """
    where = "--max-input-mb"
    if mb is None:
        raw = os.environ.get(MAX_INPUT_ENV, "").strip()
        if not raw:
            return DEFAULT_MAX_INPUT_MB * _MB
        where = MAX_INPUT_ENV
        try:
            mb = float(raw)
        except ValueError:
            raise AlignError(
                f"{MAX_INPUT_ENV}={raw!r} is not a number of megabytes; set it to e.g. 1024, or unset it "
                f"for the default of {DEFAULT_MAX_INPUT_MB}"
            ) from None
    if not (math.isfinite(mb) and mb > 0):
        raise AlignError(f"{where} must be a positive number of megabytes, got {mb:g}")
    return max(1, round(mb * _MB))


def _megabytes(n_bytes: int) -> str:
    """``n_bytes`` in MB as the user wrote it: 256, 1.5, 0.002 (not 0.00199986)."""
    value = n_bytes / _MB
    return f"{value:.6g}" if value >= 1 else f"{value:.3g}"


def _too_large(source: str, limit: int) -> InputError:
    return InputError(
        f"{source}: larger than the input limit of {_megabytes(limit)} MB; if it really is one document, "
        f"raise the limit with --max-input-mb N or {MAX_INPUT_ENV}=N (N in MB)"
    )


def read_stream(stream: BinaryIO, source: str, max_bytes: int | None = None) -> bytes:
    """Read ``stream`` to its end in chunks, refusing more than ``max_bytes`` bytes.

    ``max_bytes`` defaults to :func:`max_input_bytes`. Reading chunk by chunk in Python
    lets Ctrl-C interrupt an endless source (``/dev/zero``) and stops it at the limit with
    one line (:class:`InputError` naming ``source``, the limit and how to raise it).
    """
    limit = max_input_bytes() if max_bytes is None else max_bytes
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise _too_large(source, limit)


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _refuse_special(path: str, mode: int) -> None:
    """Raise :class:`InputError` unless ``mode`` is a regular file's."""
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a directory; give the path of a text file")
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise InputError(
        f"{path}: is {kind}, not a regular file; this command reads every input more than once, "
        "so save the text to a file and give that"
    )


def _open(path: str, regular_only: bool) -> BinaryIO:
    """Open ``path`` unbuffered for reading; with ``regular_only`` refuse anything but a regular file.

    The check looks at the path before opening it (``os.stat``), so a FIFO without a
    writer is refused at once instead of blocking in ``open``; the file is then opened
    non-blocking and checked again, in case it was replaced in between.
    """
    if not regular_only:
        return open(path, "rb", buffering=0)  # noqa: SIM115 (closed by the caller)
    _refuse_special(path, os.stat(path).st_mode)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        _refuse_special(path, os.fstat(fd).st_mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # no effect on a regular file's reads; restores the usual mode
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


def _read_path(path: str, limit: int, regular_only: bool) -> bytes:
    """Read the file at ``path`` (at most ``limit`` bytes), turning OS errors into one-liners."""
    try:
        with _open(path, regular_only) as fh:
            info = os.fstat(fh.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                raise _too_large(path, limit)  # known before reading a byte
            return read_stream(fh, path, limit)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path (use - to read stdin)") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; give the path of a text file") from None
    except PermissionError:
        raise InputError(
            f"{path}: permission denied; make the file readable (chmod +r) or copy it somewhere readable"
        ) from None
    except OSError as err:
        if os.path.isdir(path):  # some platforms report reading a directory as a generic OSError
            raise InputError(f"{path}: is a directory; give the path of a text file") from None
        raise InputError(f"{path}: cannot be read ({err.strerror or err}); check the file") from None


def _read_stdin(stdin: BinaryIO | None, limit: int) -> bytes:
    """Read standard input (``stdin``, else ``sys.stdin``'s bytes), refusing a closed one."""
    if stdin is None:
        if sys.stdin is None or getattr(sys.stdin, "buffer", None) is None:
            # Python sets sys.stdin to None when file descriptor 0 is closed (``<&-``).
            raise InputError(
                "<stdin>: standard input is closed; give a file instead of -, or pipe the text in "
                "(cat FILE | align ...)"
            )
        stdin = sys.stdin.buffer
    try:
        return read_stream(stdin, "<stdin>", limit)
    except OSError as err:
        raise InputError(f"<stdin>: cannot be read ({err.strerror or err}); give a file instead of -") from None


def read_document(
    path: str,
    lang: str,
    *,
    stdin: BinaryIO | None = None,
    max_bytes: int | None = None,
    regular_only: bool = False,
) -> Document:
    """Read and decode the document at ``path`` (``"-"``: standard input).

    ``stdin`` is the binary stream to read for ``"-"`` (default ``sys.stdin.buffer``); tests
    and callers embedding the tool pass their own. The Document's text is the decoded text
    exactly (BOM removed, line endings kept), so that character offsets refer to it.
    ``max_bytes`` limits the input (default :func:`max_input_bytes`: ``$ALIGN_MAX_INPUT_MB``
    or :data:`DEFAULT_MAX_INPUT_MB`); ``regular_only`` refuses FIFOs, devices and sockets
    without blocking, for callers that read the path again or in a worker.
    """
    check_lang(lang)
    limit = max_input_bytes() if max_bytes is None else max_bytes
    if path == "-":
        data, source = _read_stdin(stdin, limit), "<stdin>"
    else:
        data, source = _read_path(path, limit, regular_only), path
    text, encoding, replaced = _decode(data, source, lang)
    return Document(text=text, lang=lang, path=path, encoding=encoding, replaced_bytes=replaced)


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
