"""File names that are not UTF-8 are indexed and reported without loss (by ``index add`` and
``index query``, in text and JSON). The helpers: ``tests/index_hostile_support.py``.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from tests.conftest import SAMPLES
from tests.index_hostile_support import _cli, _reprint


def test_file_names_that_are_not_utf8_are_indexed_and_shown_losslessly(tmp_path: Path) -> None:
    raw_dir = os.fsencode(tmp_path)
    name = raw_dir + b"/caf\xe9.txt"
    with open(name, "wb") as f:
        f.write((SAMPLES / "001_aab225ae7d9de552.txt").read_bytes())
    index = raw_dir + b"/ind\xe9x.index"
    added = _cli("add", name, "--index", index, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert b"ind\\xe9x.index: 1 documents" in added.stdout, added.stdout
    with zipfile.ZipFile(os.fsdecode(index)) as zf:  # still UTF-8 JSON (an escaped surrogate), readable as before
        meta = json.loads(zf.read("meta.json").decode("utf-8"))
    (rec,) = meta["docs"].values()
    assert os.fsencode(rec["path"]) == name

    reprint = str(_reprint(tmp_path))
    text = _cli("query", reprint, "--index", index, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert b"indexed: " + raw_dir + b"/caf\\xe9.txt [en]" in text.stdout, text.stdout
    text.stdout.decode("utf-8")  # what is printed is UTF-8
    as_json = _cli("query", reprint, "--index", index, "--json", cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout.decode("utf-8"))
    assert os.fsencode(report["documents"][0]["matches"][0]["indexed"]["doc"]) == name
    assert report["index"]["location"].endswith("/ind\\xe9x.index")  # the location is a label, shown escaped
    # the file itself queried: its own name, shown escaped, in the text report
    itself = _cli("query", name, "--index", index, cwd=tmp_path)
    assert itself.returncode == 0, itself.stderr
    assert raw_dir + b"/caf\\xe9.txt (en, " in itself.stdout, itself.stdout
    itself_json = json.loads(_cli("query", name, "--index", index, "--json", cwd=tmp_path).stdout.decode("utf-8"))
    assert os.fsencode(itself_json["documents"][0]["doc"]) == name
