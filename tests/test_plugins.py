"""Plug-ins are found by name in one registry per kind, imported only when used."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, BinaryIO

import pytest

from align import align_texts
from align.errors import AlignError
from align.export import Exporter, ExportResult, export, format_for_path
from align.plugins import ENCODERS, ENGINES, FORMATS, STORES
from align.registry import Registry
from align.types import Alignment


def test_listing_the_plugins_imports_none_of_them() -> None:
    """Help texts list formats, encoders and engines without loading lxml, the model or Ray."""
    code = (
        "import sys\nfrom align.plugins import ENCODERS, ENGINES, FORMATS, STORES\n"
        "print(FORMATS.names(), ENCODERS.names(), ENGINES.names(), STORES.names())\n"
        "heavy = [m for m in ('lxml', 'numpy', 'ray', 'torch', 'align.report', 'align.embed.usem3') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names, heavy = done.stdout.splitlines()
    assert "'html'" in names and "'use-m3'" in names and "'ray'" in names and "'redis'" in names
    assert heavy == "[]"


def test_every_registered_plugin_loads() -> None:
    for registry in (FORMATS, ENCODERS, STORES):
        for name, plugin in registry.items():
            assert callable(plugin), name
    assert ENGINES.get("local").__name__ == "run_local"


def test_html_is_a_format_in_library_use() -> None:
    """The review page is a format like the others, without importing align.report first."""
    assert format_for_path("review.html") == "html" and format_for_path("x.htm") == "html"
    assert "html" in FORMATS.names()


def test_an_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(AlignError, match=r"unknown engine 'spark' \(given to --engine\); use one of: local, ray"):
        ENGINES.get("spark")
    registry: Registry[Any] = Registry("thing")
    registry.add("a", "json:dumps")
    with pytest.raises(ValueError, match="registered already"):
        registry.add("A", "json:loads")
    assert registry.get("A") is __import__("json").dumps
    assert registry.help() == "a"


def test_a_new_format_is_one_class_and_one_registration(tmp_path) -> None:
    class UpperExporter(Exporter):
        name = "upper"
        extensions = (".upper",)

        def write(self, alignment: Alignment, out: BinaryIO, **options: Any) -> ExportResult:
            for bead in alignment.beads:
                out.write((" ".join(alignment.src.sentences[i].text for i in bead.src).upper() + "\n").encode())
            return ExportResult(self.name, units=len(alignment.beads))

    FORMATS.add("upper", UpperExporter)
    try:
        alignment = align_texts("Der Hund bellt.", "The dog barks.", "de", "en")
        result = export(alignment, tmp_path / "out.upper")
        assert result.format == "upper" and (tmp_path / "out.upper").read_text() == "DER HUND BELLT.\n"
    finally:
        FORMATS.remove("upper")
