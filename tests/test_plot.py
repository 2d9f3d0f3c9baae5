"""Plots: the similarity heat-map with the alignment path, and the wire-copy document map."""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("matplotlib")

from matplotlib.collections import LineCollection
from matplotlib.image import imread

from align import cli
from align.api import align_files
from align.embed import load_encoder
from align.errors import AlignError, OutputError
from align.plot import (
    _heat,
    _reduce_matrix,
    plot_alignment,
    plot_wire_copy,
    sentence_similarities,
    shared_text,
)
from align.read import read_text
from align.segment import segment
from align.types import Alignment
from align.wirecopy import Cluster, Member, WireCopyReport

ROOT = Path(__file__).resolve().parents[1]
SRC = next((ROOT / "samples").glob("000_*.txt"))
TGT = next((ROOT / "samples").glob("001_*.txt"))


@pytest.fixture(scope="module")
def sample() -> Alignment:
    return align_files(str(SRC), str(TGT), "de", "en")


def test_png_is_written_and_is_a_png(sample: Alignment, tmp_path: Path) -> None:
    out = tmp_path / "pair.png"
    plot_alignment(sample, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = imread(out).shape[:2]
    assert height > 300 and width > 300
    assert os.listdir(tmp_path) == ["pair.png"]


def test_svg_is_written_and_is_svg(sample: Alignment, tmp_path: Path) -> None:
    out = tmp_path / "pair.svg"
    plot_alignment(sample, out)
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_path_follows_the_beads(sample: Alignment) -> None:
    """One diagonal segment per matched bead, one straight step per unmatched bead, ending at (m, n)."""
    fig = plot_alignment(sample)
    ax = fig.axes[0]
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    matched = [seg for seg in lines[0].get_segments()]
    gaps = [seg for seg in lines[1].get_segments()]
    assert len(matched) == sum(b.is_match for b in sample.beads)
    assert len(gaps) == sum(not b.is_match for b in sample.beads)
    for seg, bead in zip(matched, [b for b in sample.beads if b.is_match]):
        (x0, y0), (x1, y1) = seg
        assert (x0, y0, x1, y1) == (bead.tgt[0], bead.src[0], bead.tgt[-1] + 1, bead.src[-1] + 1)
    for (x0, y0), (x1, y1) in gaps:
        assert x0 == x1 or y0 == y1  # a step along one side only
    ends = np.vstack(matched + gaps)
    assert ends[:, 0].max() == len(sample.tgt) and ends[:, 1].max() == len(sample.src)


def test_heat_map_shows_the_cosines(sample: Alignment) -> None:
    sims = sentence_similarities(sample)
    enc = load_encoder("use-m3")
    a = enc.encode([sample.src.sentences[0].text])[0]
    b = enc.encode([sample.tgt.sentences[1].text])[0]
    assert sims.shape == (len(sample.src), len(sample.tgt))
    assert sims[0, 1] == pytest.approx(float(a @ b), abs=1e-5)
    # the aligned pairs are brighter than the row around them
    for bead in sample.beads:
        if bead.is_match:
            i, j = bead.src[0], bead.tgt[0]
            assert sims[i, j] == sims[i].max()
    image = plot_alignment(sample, similarities=sims).axes[0].images[0].get_array()
    assert np.allclose(image, sims)


def test_long_documents_are_block_averaged_exactly() -> None:
    """Averaging unit vectors first gives exactly the block means of the cosine matrix."""
    rng = np.random.default_rng(0)
    src = rng.normal(size=(53, 16))
    tgt = rng.normal(size=(41, 16))
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    for factor in (1, 2, 5, 60):
        assert np.allclose(_heat(src, tgt, factor), _reduce_matrix(src @ tgt.T, factor), atol=1e-6)
    assert _heat(src, tgt, 5).shape == (11, 9)


def test_bad_paths_fail_before_work_with_one_line(sample: Alignment, tmp_path: Path) -> None:
    cases = {
        tmp_path / "missing" / "p.png": "does not exist",
        tmp_path / "p.jpg": "give a file name ending in .png, .svg, .pdf",
        tmp_path / "noext": "give a file name ending in",
        tmp_path: "is a directory",
    }
    for path, message in cases.items():
        with pytest.raises(OutputError, match=message) as info:
            plot_alignment(sample, path)
        assert "\n" not in str(info.value)
    assert os.listdir(tmp_path) == []


def test_interrupted_save_leaves_no_file(sample: Alignment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "pair.png"
    out.write_bytes(b"old")
    from matplotlib.figure import Figure

    def half(self, fh, **_kw):
        fh.write(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", half)
    with pytest.raises(KeyboardInterrupt):
        plot_alignment(sample, out)
    assert out.read_bytes() == b"old" and os.listdir(tmp_path) == ["pair.png"]


def test_missing_matplotlib_says_how_to_install(sample: Alignment, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # import now raises ImportError
    with pytest.raises(AlignError, match=r"pip install 'align\[plot\]'") as info:
        plot_alignment(sample)
    assert "\n" not in str(info.value)
    result = CliRunner().invoke(cli.app, ["plot", str(SRC), str(TGT), "-s", "de", "-t", "en", "-o", str(tmp_path / "p.png")])
    assert result.exit_code == 1 and "align[plot]" in str(result.exception)
    assert os.listdir(tmp_path) == []


def test_cli_plot_and_pair_plot(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli.app, ["plot", str(SRC), str(TGT), "-s", "de", "-t", "en", "-o", str(tmp_path / "p.svg")])
    assert result.exit_code == 0, (result.output, result.exception)
    assert ET.parse(tmp_path / "p.svg").getroot().tag.endswith("svg")
    result = runner.invoke(cli.app, ["pair", str(SRC), str(TGT), "-s", "de", "-t", "en",
                                     "-o", str(tmp_path / "a.tmx"), "--plot", str(tmp_path / "a.png")])
    assert result.exit_code == 0, (result.output, result.exception)
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "a.tmx").stat().st_size > 0
    # a bad plot path fails before anything is written
    result = runner.invoke(cli.app, ["pair", str(SRC), str(TGT), "-s", "de", "-t", "en",
                                     "-o", str(tmp_path / "b.tmx"), "--plot", str(tmp_path / "b.gif")])
    assert result.exit_code == 1 and isinstance(result.exception, OutputError)
    assert not (tmp_path / "b.tmx").exists()


def _doc(name: str, lang: str, text: str):
    doc = segment(read_text(text, lang, path=name))
    return doc


def test_shared_text_fractions_by_kind(tmp_path: Path) -> None:
    a = _doc("a.txt", "en", "One two three four. Five six seven eight.")
    b = _doc("b.txt", "en", "Five six seven eight. Nine ten.")
    c = _doc("c.txt", "de", "Eins zwei drei vier. Fünf sechs.")

    def member(doc, first, last):
        s, e = doc.sentences[first].start, doc.sentences[last].end
        return Member(doc.name, doc.lang, first, last, s, e, doc.text[s:e])

    report = WireCopyReport(
        (a, b, c),
        (Cluster("monolingual", 1.0, (member(a, 1, 1), member(b, 0, 0))),
         Cluster("cross-lingual", 0.8, (member(a, 0, 0), member(c, 0, 0)))),
        (Cluster("in-document", 1.0, (member(b, 1, 1),)),),
    )
    shares = shared_text(report)
    mono, cross = shares["monolingual"], shares["cross-lingual"]
    assert mono[0, 1] == pytest.approx(len("Five six seven eight.") / len(a.text))
    assert mono[1, 0] == pytest.approx(len("Five six seven eight.") / len(b.text))
    assert mono[1, 1] == pytest.approx(len("Nine ten.") / len(b.text))  # repeat on the diagonal
    assert cross[0, 2] == pytest.approx(len("One two three four.") / len(a.text))
    assert mono[0, 2] == 0 and cross[0, 1] == 0
    fig = plot_wire_copy(report, tmp_path / "w.png")
    assert len(fig.axes[0].images) == 1 and (tmp_path / "w.png").read_bytes()[:4] == b"\x89PNG"
