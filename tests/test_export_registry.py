"""Choosing an exporter: the format registry, the format a path's extension implies, and
the errors when no format is given or an option is unknown. The shared alignment:
``tests/export_support.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from align.errors import AlignError
from align.export import FORMATS, Exporter, export, format_for_path, get_exporter
from align.types import Alignment
from tests.export_support import one_line


def test_formats_and_registry() -> None:
    assert FORMATS.names() == ("tmx", "tsv", "jsonl", "moses", "beads", "html")
    for name in FORMATS.names():
        exporter = get_exporter(name)
        assert isinstance(exporter, Exporter) and exporter.name == name
    assert get_exporter("TMX").name == "tmx"
    with pytest.raises(AlignError, match="valid formats: tmx, tsv, jsonl, moses, beads") as info:
        get_exporter("xliff")
    assert one_line(info.value)


@pytest.mark.parametrize(
    "path, fmt",
    [
        ("a.tmx", "tmx"),
        ("dir/A.TMX", "tmx"),
        ("a.tsv", "tsv"),
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.beads", "beads"),
        ("a.txt", None),
        ("corpus", None),
        ("-", None),
        (None, None),
    ],
)
def test_format_for_path(path: str | None, fmt: str | None) -> None:
    assert format_for_path(path) == fmt


def test_export_needs_a_format(tmp_path: Path, alignment: Alignment) -> None:
    with pytest.raises(AlignError, match="--format") as info:
        export(alignment, tmp_path / "out.txt")
    assert one_line(info.value)
    with pytest.raises(AlignError, match="standard output"):
        export(alignment, None)


def test_unknown_option_is_an_error(tmp_path: Path, alignment: Alignment) -> None:
    with pytest.raises(AlignError, match="unknown option 'umatched'"):
        export(alignment, tmp_path / "o.tmx", umatched="include")

