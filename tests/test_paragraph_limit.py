"""A paragraph too long to align (a run-on line, a book flattened into one line) is refused
before any work, in one line that says how to split it (issue 20, item 4: a 50 MB line
ran past ten minutes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from align.errors import AlignError, InputError
from align.read import MAX_PARAGRAPH_ENV, max_paragraph_chars, read_document

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "Die Regierung legte am Montag einen Bericht vor, der viel Kritik auslöste. "


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    """A 4 KB paragraph limit, so that the tests need no megabytes of text."""
    monkeypatch.setenv(MAX_PARAGRAPH_ENV, str(4096 / 2**20))
    return 4096


def test_long_line_refused_naming_line_and_limit(tmp_path: Path, small_limit: int) -> None:
    path = tmp_path / "de.txt"
    path.write_text("Ein Satz.\n" + SENTENCE * 80 + "\nNoch ein Satz.\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_document(str(path), "de")
    message = str(err.value)
    assert "\n" not in message and f"{path}: line 2 is" in message and MAX_PARAGRAPH_ENV in message
    assert "one per line" in message


def test_lines_under_the_limit_are_read(tmp_path: Path, small_limit: int) -> None:
    path = tmp_path / "de.txt"
    path.write_text("\n".join([SENTENCE.strip()] * 200) + "\n", encoding="utf-8")
    assert len(read_document(str(path), "de").text) > small_limit  # the document may be long, its lines not


def test_wrapped_paragraph_over_the_limit_is_refused(tmp_path: Path, small_limit: int) -> None:
    """Short lines that the wrapped-text reader joins into one paragraph longer than the
    limit: the block is refused as the line would be."""
    words = (SENTENCE * 80).split()
    lines, line = [], ""
    for word in words:
        if len(line) + len(word) + 1 > 72:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    path = tmp_path / "wrapped.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"block 1 is .* MB of text without a line break"):
        read_document(str(path), "de")


def test_one_line_html_page_is_judged_by_its_blocks(tmp_path: Path, small_limit: int) -> None:
    """A minified page is one long line of markup; its paragraphs are what counts."""
    paragraphs = "".join(f"<p>{SENTENCE.strip()} ({n})</p>" for n in range(100))
    path = tmp_path / "page.html"
    path.write_text(f"<html><body>{paragraphs}</body></html>", encoding="utf-8")
    assert path.stat().st_size > small_limit
    doc = read_document(str(path), "de", reading=None)
    assert len(doc.blocks) == 100


@pytest.mark.parametrize("value", ["zwei", "0", "-1", "nan"])
def test_bad_limit_value_is_one_line_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(MAX_PARAGRAPH_ENV, value)
    with pytest.raises(AlignError, match=f"{MAX_PARAGRAPH_ENV}=.* is not a positive number"):
        max_paragraph_chars()


def test_cli_refuses_before_loading_anything(tmp_path: Path) -> None:
    """`align pair` with a line over the limit exits 1 with the one-line error and writes
    no output file."""
    src, tgt, out = tmp_path / "de.txt", tmp_path / "en.txt", tmp_path / "out.tsv"
    src.write_text("Ein Satz.\n" + SENTENCE * 80 + "\n", encoding="utf-8")
    tgt.write_text("A sentence.\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", MAX_PARAGRAPH_ENV: str(4096 / 2**20), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "align", "pair", str(src), str(tgt), "-s", "de", "-t", "en",
                           "-o", str(out)], capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "line 2 is" in done.stderr and MAX_PARAGRAPH_ENV in done.stderr
    assert not out.exists()
