"""bench/real_docs.py end to end on one real man page (fstab(5), German and English).

The page is rendered from the installed ``manpages-de`` and ``manpages`` into a temporary
folder (wrapped text, HTML, paragraph per line, and DOCX/PDF/Markdown copies), every form
is aligned, and the JSON record is checked: its shape, every form scored, and the wrapped
text reproducing the paragraph-per-line alignment (F1 >= 0.95; the bench's own target is
0.98 over twelve pages). Outside CI it is skipped when groff, man or the pages are missing;
in CI (which installs them) it runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.real_docs_data import missing_requirements
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent
PAGE = "man5/fstab.5"
FORM_KEYS = {"status", "pages", "beads", "f1", "precision", "recall", "f1_loose", "f1_raw", "fragment_share",
             "extra_share",
             "seconds", "target", "f1_met", "fragments_met", "met"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not IN_CI and bool(missing_requirements((PAGE,))),
                       reason=f"needs {', '.join(missing_requirements((PAGE,)))} (CI installs them)"),
]


def test_real_docs_record_on_one_page(tmp_path: Path) -> None:
    saved = tmp_path / "record.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.real_docs", "--pages", "fstab.5", "--json", "--examples", "3",
         "--data-dir", str(tmp_path / "data"), "--save", str(saved)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rec = json.loads(proc.stdout)
    assert json.loads(saved.read_text(encoding="utf-8")) == rec
    assert rec["bench"] == "real_docs" and rec["pages"] == ["fstab.5"]
    assert rec["targets"] == {"wrapped": 0.98, "html": 0.98, "docx": 0.97, "pdf": 0.97, "markdown": 0.97,
                              "fragment_share_below": 0.01}
    assert set(rec["forms"]) == {"reference", "wrapped", "html", "docx", "pdf", "markdown"}
    for name, row in rec["forms"].items():
        assert row["status"] == "ok", (name, row)
        assert set(row) == FORM_KEYS, name
        assert row["pages"] == 1 and row["beads"] > 50 and row["seconds"] > 0
        assert 0.0 <= row["fragment_share"] <= 1.0 and 0.0 <= row["f1"] <= row["f1_loose"] + 1e-9 <= 1.0 + 1e-9
    # the reference scored against itself: every pair found, no fragment
    assert rec["forms"]["reference"]["f1"] == pytest.approx(1.0)
    assert rec["forms"]["reference"]["fragment_share"] == 0.0
    wrapped = rec["forms"]["wrapped"]
    assert wrapped["f1"] >= 0.95, rec["per_page"]["fstab.5"]["wrapped"]
    assert wrapped["f1_met"] is (wrapped["f1"] >= 0.98)
    page = rec["per_page"]["fstab.5"]["wrapped"]
    assert page["src_layout"] == "wrapped" and page["tgt_layout"] == "wrapped"  # auto found the hard wrapping
    assert rec["per_page"]["fstab.5"]["reference"]["src_layout"] == "lines"
    # the copies and the HTML are built in the data folder; groff's images never land in the checkout
    folder = tmp_path / "data" / "fstab.5"
    assert {p.name for p in folder.iterdir()} >= {f"{lang}.{ext}" for lang in ("de", "en")
                                                  for ext in ("wrapped.txt", "reference.txt", "html", "docx", "pdf", "md")}
    assert not list(ROOT.glob("grohtml-*"))

