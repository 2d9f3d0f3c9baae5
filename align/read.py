"""Read input documents: bytes in, a :class:`~align.types.Document` out.

The reader's one job is to turn a file (or stdin, or a Python string) into the exact text
that every later stage refers to by character offset. It therefore decodes and nothing
else: the byte-order mark is removed, but line endings (``\\r\\n``), spacing and Unicode
normalisation are left alone, so that ``document.text[s.start:s.end]`` is what the user
sees in their file.

Decoding (:mod:`align.decode`) is strict and never produces mojibake: UTF-8, UTF-16/32
with a BOM, legacy encodings only when plainly right, and mostly-valid UTF-8 with its
few bad bytes replaced and warned about; the rules are in that module's docstring.

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

import math
import os
import re
import stat
import sys
from typing import BinaryIO

from align.decode import LEGACY_MAJORITY, UTF8_MAJORITY, decode_bytes, decode_counted
from align.errors import AlignError, InputError
from align.settings import ReadSettings
from align.types import Document

__all__ = [
    "DEFAULT_MAX_INPUT_MB", "DEFAULT_MAX_PARAGRAPH_MB", "LEGACY_MAJORITY", "MAX_INPUT_ENV", "MAX_PARAGRAPH_ENV",
    "UTF8_MAJORITY", "check_lang", "decode_bytes",
    "max_input_bytes", "max_paragraph_chars", "read_document", "read_stream", "read_text",
]

#: Default input limit, in MB (1 MB = 2**20 bytes). Far above any real document (a long
#: novel is 1-2 MB, and ``bench/big_pair.py``'s 100,000-sentence side is about 13 MB and
#: already needs some 4 GB to align: 20 KB per sentence), so it never stops real input; and
#: low enough that the reader itself (the bytes, then the decoded text at up to 4 bytes a
#: character) stays at a gigabyte or so, which a laptop survives, while /dev/zero or an
#: endless pipe stops within a second or two instead of growing until the kernel kills it.
DEFAULT_MAX_INPUT_MB = 256
#: The longest paragraph (a line, or a block a reader found) a document may have, in MB
#: of text: a longer one has no structure to align by (a run-on line, a table or a book
#: flattened into one line) and would take minutes (about 8 s per MB) to cut into
#: pieces and embed, so it is refused at once, saying how to split it.
DEFAULT_MAX_PARAGRAPH_MB = 2
MAX_PARAGRAPH_ENV = "ALIGN_MAX_PARAGRAPH_MB"
#: The environment variable that sets the limit (in MB) when no option or argument does.
MAX_INPUT_ENV = "ALIGN_MAX_INPUT_MB"
_MB = 1 << 20
# Bytes per read: small enough that Ctrl-C is handled between reads at once (a single
# read of /dev/zero into one growing buffer never returns to Python), large enough that
# the loop costs nothing.
_CHUNK = 1 << 20

# A lower-case ISO 639-1/639-3 code, optionally with a BCP 47 region or script subtag
# (``pt-BR``, ``zh-Hans``, ``es-419``): what TMX's xml:lang and the segmenter expect.
_LANG_RE = re.compile(r"[a-z]{2,3}(?:-(?:[A-Z]{2}|[a-z]{2}|\d{3}|[A-Z][a-z]{3}))?")

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


def max_paragraph_chars() -> int:
    """The longest paragraph allowed, in characters: ``$ALIGN_MAX_PARAGRAPH_MB`` MB if set,
    else :data:`DEFAULT_MAX_PARAGRAPH_MB` (1 MB is 2**20 characters here). Raises
    :class:`AlignError` for a value that is not a positive number."""
    raw = os.environ.get(MAX_PARAGRAPH_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_PARAGRAPH_MB * _MB
    try:
        mb = float(raw)
    except ValueError:
        mb = math.nan
    if not (math.isfinite(mb) and mb > 0):
        raise AlignError(f"{MAX_PARAGRAPH_ENV}={raw!r} is not a positive number of megabytes; set it to e.g. 10, "
                         f"or unset it for the default of {DEFAULT_MAX_PARAGRAPH_MB}")
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
    reading: ReadSettings | None = None,
) -> Document:
    """Read the document at ``path`` (``"-"``: standard input) into text.

    ``stdin`` is the binary stream to read for ``"-"`` (default ``sys.stdin.buffer``); tests
    and callers embedding the tool pass their own. The Document's text is the decoded text
    exactly (BOM removed, line endings kept), so that character offsets refer to it.
    ``max_bytes`` limits the input (default :func:`max_input_bytes`: ``$ALIGN_MAX_INPUT_MB``
    or :data:`DEFAULT_MAX_INPUT_MB`); ``regular_only`` refuses FIFOs, devices and sockets
    without blocking, for callers that read the path again or in a worker. ``reading``
    says how bytes become text (input format, layout of plain text; see
    :mod:`align.extract`): by default the format comes from the extension or the
    content, and a plain text's layout is chosen per document.
    """
    check_lang(lang)
    limit = max_input_bytes() if max_bytes is None else max_bytes
    if path == "-":
        data, source = _read_stdin(stdin, limit), "<stdin>"
    else:
        data, source = _read_path(path, limit, regular_only), path
    from align.extract import extract_document

    return extract_document(data, source, lang, reading, path=path)


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
