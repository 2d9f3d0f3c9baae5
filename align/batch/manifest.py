"""The batch manifest: which pairs to align, in a TSV or JSON Lines file.

TSV (no header): ``SRC<TAB>TGT<TAB>SRC_LANG<TAB>TGT_LANG[<TAB>ID]``, one pair a line.
JSON Lines: ``{"src": ..., "tgt": ..., "src_lang": ..., "tgt_lang": ..., "id": ...}``.
Blank lines and lines starting with ``#`` are skipped. Relative paths are relative to the
manifest's folder, so a manifest can move together with its texts.

Every pair's id names its output files, so ids are made safe as file names (no folder
separators, no leading dot: an id can never write outside the output folder) and must be
distinct after that; a bad line stops the batch before any work, with the line number::

    pairs = read_manifest("pairs.tsv")
    pairs[0].id, pairs[0].src, pairs[0].src_lang
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from align.errors import AlignError, InputError
from align.read import check_lang, read_stream

#: Longest id kept (file systems allow 255 bytes per name; leave room for suffixes).
MAX_ID = 120
_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)
_KEYS = ("src", "tgt", "src_lang", "tgt_lang", "id")


@dataclass(frozen=True)
class PairSpec:
    """One pair of the manifest: paths (resolved), languages, its safe id and its line."""

    id: str
    src: str
    tgt: str
    src_lang: str
    tgt_lang: str
    line: int


def safe_id(raw: str) -> str:
    """``raw`` as a file name that stays inside the output folder ("" if nothing is left).

    Characters other than letters, digits, ``_``, ``.`` and ``-`` become ``_``; leading
    dots and separators go (no ``..``, no hidden files).
    """
    s = _UNSAFE.sub("_", raw.strip()).lstrip("._-")
    return s[:MAX_ID].rstrip(".")


def _default_id(src: str, tgt: str) -> str:
    return f"{Path(src).stem}-{Path(tgt).stem}"


def _resolve(path: str, base: str) -> str:
    return path if os.path.isabs(path) or not base else os.path.join(base, path)


def _fields_tsv(line: str) -> dict[str, str]:
    cols = line.split("\t")
    if len(cols) not in (4, 5):
        raise AlignError(
            f"expected 4 or 5 tab-separated columns (src, tgt, src_lang, tgt_lang[, id]), found {len(cols)}"
        )
    return dict(zip(_KEYS, (c.strip() for c in cols)))


def _fields_json(line: str) -> dict[str, str]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        raise AlignError(f"not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(obj, dict):
        raise AlignError("expected a JSON object with keys src, tgt, src_lang, tgt_lang and optionally id")
    unknown = sorted(set(obj) - set(_KEYS))
    if unknown:
        raise AlignError(f"unknown key {unknown[0]!r}; valid keys: {', '.join(_KEYS)}")
    out = {}
    for key, value in obj.items():
        if key == "id" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise AlignError(f"{key!r} must be a string, got {type(value).__name__}")
        out[key] = value.strip()
    return out


def _is_jsonl(path: str, lines: list[str]) -> bool:
    if path.lower().endswith((".jsonl", ".json", ".ndjson")):
        return True
    for line in lines:
        s = line.strip()
        if s and not s.startswith("#"):
            return s.startswith("{")
    return False


def parse_manifest(text: str, name: str, base: str = "") -> list[PairSpec]:
    """The pairs of a manifest given as text; ``name`` is used in messages, ``base`` resolves
    relative paths. Raises :class:`InputError` naming the first bad line."""
    lines = text.splitlines()
    jsonl = _is_jsonl(name, lines)
    pairs: list[PairSpec] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            f = _fields_json(line) if jsonl else _fields_tsv(line.rstrip("\r\n"))
            for key in _KEYS[:4]:
                if not f.get(key):
                    raise AlignError(f"{key} is missing or empty")
            for key in ("src", "tgt"):
                if f[key] == "-":
                    raise AlignError(f"{key} '-' (standard input) cannot be used in a manifest; give a file path")
            check_lang(f["src_lang"])
            check_lang(f["tgt_lang"])
            raw = f.get("id") or _default_id(f["src"], f["tgt"])
            pid = safe_id(raw)
            if not pid:
                raise AlignError(f"id {raw!r} has no letters or digits to name files with; give another id")
            first = seen.get(pid.casefold())
            if first is not None:
                shown = repr(raw) if pid == raw else f"{raw!r} (as a file name: {pid!r})"
                hint = "give each pair a distinct id" if f.get("id") else "add an id column to tell them apart"
                raise AlignError(f"id {shown} is already used on line {first}; {hint}")
            seen[pid.casefold()] = n
        except AlignError as err:
            raise InputError(f"manifest {name} line {n}: {err}") from None
        pairs.append(PairSpec(pid, _resolve(f["src"], base), _resolve(f["tgt"], base),
                              f["src_lang"], f["tgt_lang"], n))
    if not pairs:
        raise InputError(f"manifest {name} lists no pairs; write one pair a line: src, tgt, src_lang, tgt_lang[, id]")
    return pairs


def read_manifest(path: str, *, max_bytes: int | None = None) -> list[PairSpec]:
    """Read and check a manifest file (``"-"``: standard input).

    The manifest is read once, here, so it may be a pipe (``<(...)``); it is bounded like
    every input (``max_bytes``, default :func:`align.read.max_input_bytes`). The files it
    lists are read by workers and more than once, so they must be regular files: that is
    checked per pair when the pair runs (``BatchOptions``/``read_document(regular_only=True)``),
    so a FIFO fails its pair at once instead of blocking the batch.
    """
    if path == "-":
        if sys.stdin is None or getattr(sys.stdin, "buffer", None) is None:
            raise InputError("manifest <stdin>: standard input is closed; give a file instead of -, or pipe the manifest in")
        data = read_stream(sys.stdin.buffer, "manifest <stdin>", max_bytes)
        return parse_manifest(_manifest_text(data, "<stdin>"), "<stdin>")
    try:
        with open(path, "rb", buffering=0) as fh:
            data = read_stream(fh, f"manifest {path}", max_bytes)
    except FileNotFoundError:
        raise InputError(f"manifest {path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"manifest {path}: is a directory; give a TSV or JSONL file") from None
    except PermissionError:
        raise InputError(f"manifest {path}: cannot be read (permission denied); check the file's permissions") from None
    except OSError as err:
        raise InputError(f"manifest {path}: cannot be read ({err.strerror or err}); check the path") from None
    return parse_manifest(_manifest_text(data, path), path, os.path.dirname(path))


def _manifest_text(data: bytes, path: str) -> str:
    """The manifest's bytes as text: UTF-8 (a BOM is dropped), else a one-line error."""
    if b"\x00" in data:
        # UTF-16 or a binary file: NUL decodes as UTF-8, so without this the message
        # would be about columns and mislead.
        raise InputError(f"manifest {path} contains NUL bytes (binary, or UTF-16); save the manifest as UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(f"manifest {path} line {line}: not UTF-8; save the manifest as UTF-8") from None
