"""The notebooks run top to bottom in a fresh kernel (nbclient), offline, and are stored without outputs.

Any cell that raises fails the test. Beyond "no error", each notebook is checked for the
thing it exists to show: the heat-map image and the TMX in 01, the shared-text picture
and the passages in 02, the scores (or the skip message without the data) in 03.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

from conftest import SHARED_DATA

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["01_align_a_pair", "02_wire_copy", "03_evaluate"]


def run(name: str, env: dict[str, str] | None = None):
    """Execute a notebook in its own folder (as Jupyter does); return it with its outputs."""
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:  # the kernel inherits this process's environment (offline flags, test cache folder)
        nbclient.NotebookClient(
            book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return book


def outputs(book) -> tuple[str, list[str]]:
    """All printed text, and the MIME types of every rich output."""
    text, kinds = [], []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stdout":
                text.append(out.text)
            elif "data" in out:
                kinds.extend(out["data"])
    return "".join(text), kinds


@pytest.mark.parametrize("name", NAMES)
def test_stored_without_outputs(name: str) -> None:
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: clear outputs before committing"


def test_01_align_a_pair() -> None:
    text, kinds = outputs(run("01_align_a_pair"))
    assert "14 German and 13 English sentences -> 18 beads" in text
    assert kinds.count("image/png") == 1  # the heat-map
    assert "Weakest matched beads:" in text and "Sentences without a counterpart:" in text
    assert "wrote 9 translation units" in text and "<tu tuid=\"1\">" in text


def test_02_wire_copy() -> None:
    text, kinds = outputs(run("02_wire_copy"))
    assert kinds.count("image/png") == 1  # the document x document picture
    assert "2 shared passages, 1 in-document repeats" in text
    assert "[1] cross-lingual" in text and "[2] cross-lingual" in text
    assert "repeated inside 003" in text


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_DATA / "textberg-dev").is_dir(), reason=f"no dev sets in {SHARED_DATA}")
def test_03_evaluate_with_the_dev_sets() -> None:
    text, _ = outputs(run("03_evaluate", {"ALIGN_SHARED_DATA": str(SHARED_DATA)}))
    assert "SKIPPED" not in text
    for name in ("Text+Berg dev (de-fr)", "Tom Sawyer val (de-en)"):
        assert f"{name}\n            strict     lax\nprecision" in text
        assert f"{name}: rows = gold type" in text
        assert "most confident mistakes" in text


def test_03_evaluate_says_so_without_the_data(tmp_path: Path) -> None:
    text, _ = outputs(run("03_evaluate", {"ALIGN_SHARED_DATA": str(tmp_path / "absent")}))
    assert text.count("SKIPPED") == 2 and "nothing to evaluate: no dev set found" in text
