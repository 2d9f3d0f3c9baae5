"""Exports say what a bead holds: code, table rows and untranslated lines are marked.

A translation memory fed with ``sudo apt-get install foo`` = ``sudo apt-get install foo``
learns nothing and gets in a translator's way; the exports mark such units
(``kind`` in JSON Lines, ``x-align-kind`` in TMX) so they can be left out, while
ordinary text stays unmarked (the samples' TMX is unchanged).
"""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree

from tests.conftest import SAMPLES
from tests.test_cli import run_align

DE = """Mit dem folgenden Befehl installieren Sie das Paket auf Ihrem Rechner. Danach
steht das Programm allen Benutzern des Systems zur Verfügung, ohne dass ein
Neustart nötig ist.

    {p}sudo apt-get install --no-install-recommends foo
    {p}foo --version

Die Konfiguration liegt in einer Datei im Verzeichnis etc, die Sie mit jedem
Texteditor bearbeiten können.
"""
EN = """The following command installs the package on your computer. After that the
program is available to all users of the system, without the need for a
restart.

    {p}sudo apt-get install --no-install-recommends foo
    {p}foo --version

The configuration lives in a file in the etc directory, which you can edit
with any text editor.
"""


def _pair(tmp_path: Path, prompt: str, fmt: str) -> str:
    (tmp_path / "de.txt").write_text(DE.format(p=prompt), encoding="utf-8")
    (tmp_path / "en.txt").write_text(EN.format(p=prompt), encoding="utf-8")
    done = run_align("pair", "de.txt", "en.txt", "-s", "de", "-t", "en", "--format", fmt, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_jsonl_marks_untranslated_commands_identical(tmp_path: Path) -> None:
    records = [json.loads(line) for line in _pair(tmp_path, "", "jsonl").splitlines()]
    kinds = [(r["kind"], r["src"].split()[0]) for r in records]
    assert kinds == [("text", "Mit"), ("text", "Danach"), ("identical", "sudo"), ("identical", "foo"),
                     ("text", "Die")]


def test_jsonl_marks_commands_at_a_prompt_code(tmp_path: Path) -> None:
    records = [json.loads(line) for line in _pair(tmp_path, "$ ", "jsonl").splitlines()]
    assert [r["kind"] for r in records] == ["text", "text", "code", "code", "text"]
    assert records[2]["src"] == "$ sudo apt-get install --no-install-recommends foo"


def test_tmx_props_only_on_marked_units(tmp_path: Path) -> None:
    root = etree.fromstring(_pair(tmp_path, "$ ", "tmx").encode("utf-8"))
    units = root.findall("body/tu")
    kinds = [[p.text for p in tu.findall("prop") if p.get("type") == "x-align-kind"] for tu in units]
    assert kinds == [[], [], ["code"], ["code"], []]


def test_sample_tmx_has_no_kind_props(tmp_path: Path) -> None:
    src, tgt = sorted(SAMPLES.glob("00[01]*"))[:2]
    done = run_align("pair", str(src), str(tgt), "-s", "de", "-t", "en", "--format", "tmx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "<tu " in done.stdout and "x-align-kind" not in done.stdout
