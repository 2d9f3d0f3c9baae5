"""Data for the real-document benchmark: German man pages and their English originals, rendered.

The pages come from Debian's ``manpages-de`` (German) and the packages that ship the
English originals (``apt``, ``dpkg``, ``coreutils``, ``manpages``, ...), as installed on
this machine. Each page is rendered the way a user would get it, with ``man`` itself
(man-db 2.11, groff 1.22), so that the page's own language settings apply: man-db loads
the German macro package and **German hyphenation patterns** for a page under
``/usr/share/man/de`` (``groff -man`` alone would hyphenate German with English patterns).
Three renderings per page and language:

* ``wrapped.txt``: ``MANWIDTH=80 man -l PAGE > file`` -- what ``man apt-get > apt-get.txt``
  gives at an 80-column terminal (78-character lines, justified, indented, hyphenated at
  line ends, the header line first and the footer line last). Fed to the aligner as is.
* ``reference.txt``: the same with ``MANWIDTH=20000``, so every filled paragraph is one
  line (no line-end hyphenation either: no paragraph comes near 20,000 characters, which
  the builder checks); then each line's leading and trailing white space is stripped, and
  the header and footer lines (which ``man`` pads to the full width) have their runs of
  white space collapsed. Both languages are treated alike. Lines that groff breaks
  explicitly (examples, synopses, tables) stay as they are in the wrapped text.
* ``page.html``: ``man -Thtml -l PAGE`` (groff's HTML output), with the one line that
  differs between runs (the creation date comment) removed.

``long.txt`` keeps the 20,000-column rendering with its indentation: the DOCX, PDF and
Markdown copies (:mod:`bench.real_docs_copies`) read their block structure from it.

Rendered files are cached under ``bench/data/real_docs/`` (git-ignored), one folder per
page, with a ``stamp.json`` naming what produced them (the pages' SHA-256, man-db and groff
versions, the builder's version); a folder whose stamp differs is rebuilt.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data" / "real_docs"
MAN_ROOT = Path("/usr/share/man")
#: Bump when a rendering or a copy changes, so cached folders are rebuilt.
BUILDER_VERSION = 3
WRAP_WIDTH = 80  # MANWIDTH: man-db sets 78-character lines, as at an 80-column terminal
LONG_WIDTH = 20000
LANGS = ("de", "en")

#: The pages, as section folder/file name, in the order ``--docs N`` takes them. Chosen for
#: prose (descriptions and option texts of several sentences, not option lists alone) and
#: variety of source: DocBook-generated apt and systemd pages, pod2man dpkg pages, the
#: help2man gzip page, mdoc OpenSSH, the man-pages project (fstab) and shadow (passwd).
#: Each German page is a full translation of the installed English one (word counts within
#: 0.89-1.08 of the English, without the German page's translator section).
DOCS: tuple[str, ...] = (
    "man8/apt-get.8", "man5/fstab.5", "man8/apt-cache.8", "man5/sources.list.5", "man1/gzip.1",
    "man5/apt_preferences.5", "man1/dpkg.1", "man5/deb-control.5", "man1/passwd.1", "man1/ssh-add.1",
    "man1/hostnamectl.1", "man5/systemd.timer.5",
)
#: The pages also built as DOCX, PDF and Markdown copies.
COPIES: tuple[str, ...] = ("apt-get.8", "fstab.5", "sources.list.5", "gzip.1")
#: Python modules the copies and their readers need (pip name: import name).
PY_MODULES = {"python-docx": "docx", "reportlab": "reportlab", "markdown-it-py": "markdown_it", "pypdf": "pypdf"}
#: Optional: reportlab hyphenates the PDF copies with pyphen's patterns when it is installed
#: (the ``test`` extra has it); without it the PDFs are justified but not hyphenated.
OPTIONAL_MODULES = {"pyphen": "pyphen"}
SETUP_HINT = ("apt-get install -y --no-install-recommends manpages-de manpages man-db groff fonts-dejavu-core"
              " && pip install python-docx reportlab pyphen markdown-it-py pypdf")

_WS = re.compile(r"\s+")


def name_of(doc: str) -> str:
    """``"man8/apt-get.8"`` -> ``"apt-get.8"``."""
    return doc.rsplit("/", 1)[-1]


def page_path(doc: str, lang: str) -> Path:
    """The installed source of ``doc`` in ``lang`` (English: the untranslated original)."""
    root = MAN_ROOT / "de" if lang == "de" else MAN_ROOT
    return root / f"{doc}.gz"


def missing_tools() -> list[str]:
    """The programs the renderings need and this machine lacks."""
    return [tool for tool in ("man", "groff", "preconv") if shutil.which(tool) is None]


def missing_pages(docs: tuple[str, ...] = DOCS) -> list[str]:
    """The installed page files of ``docs`` (German or English) that are not there."""
    return [str(page_path(doc, lang)) for doc in docs for lang in LANGS if not page_path(doc, lang).is_file()]


def missing_modules() -> list[str]:
    """The Python packages (pip names) the DOCX, PDF and Markdown copies need and are not installed."""
    return [pip for pip, module in PY_MODULES.items() if importlib.util.find_spec(module) is None]


def missing_requirements(docs: tuple[str, ...] = DOCS, copies: bool = True) -> list[str]:
    """What the benchmark needs and this machine lacks (empty when all is there)."""
    return missing_tools() + missing_pages(docs) + (missing_modules() if copies else [])


def _man_env(width: int) -> dict[str, str]:
    """A fixed environment for ``man``: UTF-8 output, the width asked for, no user settings
    (``MANOPT``, ``MANROFFOPT``, ``MAN_KEEP_FORMATTING``, ``GROFF_*`` are left out)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "MANWIDTH": str(width)}


def run_man(path: Path, width: int, html: bool = False) -> str:
    """``man`` rendering of the page file ``path`` (plain text to a pipe, or groff HTML)."""
    cmd = ["man", "-E", "UTF-8", *(["-Thtml"] if html else []), "-l", str(path.resolve())]
    # groff's HTML driver writes the images it makes (grohtml-PID-N.png) into the working
    # directory: run it in a temporary one so they never land in the checkout.
    with tempfile.TemporaryDirectory(prefix="real_docs_") as scratch:
        proc = subprocess.run(cmd, capture_output=True, env=_man_env(width), cwd=scratch, check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.decode(errors='replace').strip()}")
    text = proc.stdout.decode("utf-8")
    if html:
        text = re.sub(r"<!-- CreationDate: [^\n]*-->\n", "", text)
    return text


def furniture_at(lines: list[str]) -> list[int]:
    """Indices of the header and footer of a 20,000-column rendering: the first and the last
    non-blank line when ``man`` padded it to the full line length (19,500 columns; no
    paragraph comes near that, :func:`_render` checks it). A footer may start with spaces
    (gzip.1 has no left part); a German mdoc page, ssh-add.1, has neither line."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    ends = sorted({filled[0], filled[-1]}) if filled else []
    return [i for i in ends if len(lines[i]) >= LONG_WIDTH * 0.9]


def furniture_lines(long_text: str) -> list[str]:
    """The header and footer lines of a rendered page, white space collapsed."""
    lines = long_text.splitlines()
    return [_WS.sub(" ", lines[i]).strip() for i in furniture_at(lines)]


def reference_text(long_text: str) -> str:
    """The paragraph-per-line reference from the 20,000-column rendering (module docstring)."""
    raw = long_text.splitlines()
    lines = [line.strip() for line in raw]
    for i in furniture_at(raw):
        lines[i] = _WS.sub(" ", lines[i])
    return "\n".join(lines).strip("\n") + "\n"


def versions() -> dict[str, str]:
    """What produced the renderings: man-db and groff versions."""
    out = {}
    for tool in ("man", "groff"):
        proc = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
        out[tool] = proc.stdout.splitlines()[0].strip() if proc.stdout else "?"
    return out


@dataclass(frozen=True)
class Rendered:
    """One page's folder of rendered files, with its header and footer (page furniture)."""

    name: str
    folder: Path
    furniture: frozenset[str]
    cached: bool

    def path(self, lang: str, form: str) -> Path:
        """The file of ``form`` (``wrapped``, ``reference``, ``html``, ``long``, ``docx``,
        ``pdf``, ``md``) in ``lang``."""
        ext = {"wrapped": "wrapped.txt", "reference": "reference.txt", "html": "html", "long": "long.txt"}
        return self.folder / f"{lang}.{ext.get(form, form)}"


def _stamp(doc: str, tool_versions: dict[str, str], copies: bool) -> dict:
    stamp = {"builder": BUILDER_VERSION, "tools": tool_versions, "wrap_width": WRAP_WIDTH,
             "long_width": LONG_WIDTH, "copies": copies}
    for lang in LANGS:
        stamp[f"{lang}_sha256"] = hashlib.sha256(page_path(doc, lang).read_bytes()).hexdigest()
    if copies:
        from importlib.metadata import version

        stamp["py"] = {pip: version(pip) if importlib.util.find_spec(module) else None
                       for pip, module in {**PY_MODULES, **OPTIONAL_MODULES}.items()}
    return stamp


def build(doc: str, data_dir: Path = DATA_DIR, tool_versions: dict[str, str] | None = None,
          rebuild: bool = False, copies: bool = True) -> Rendered:
    """Render ``doc`` in both languages into ``data_dir/NAME/`` (or reuse a matching cache),
    with DOCX, PDF and Markdown copies when ``copies`` and the page is one of :data:`COPIES`."""
    name = name_of(doc)
    folder = data_dir / name
    with_copies = copies and name in COPIES
    stamp = _stamp(doc, tool_versions or versions(), with_copies)
    stamp_path = folder / "stamp.json"
    cached = not rebuild and stamp_path.is_file() and json.loads(stamp_path.read_text()) == stamp
    if not cached:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for lang in LANGS:
            _render(page_path(doc, lang), folder, lang)
        if with_copies:
            from bench.real_docs_copies import write_copies

            for lang in LANGS:
                write_copies(folder / f"{lang}.long.txt", folder, lang)
        stamp_path.write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n")
    furniture: set[str] = set()
    for lang in LANGS:
        furniture.update(furniture_lines((folder / f"{lang}.long.txt").read_text(encoding="utf-8")))
    return Rendered(name, folder, frozenset(furniture), cached)


def _render(page: Path, folder: Path, lang: str) -> None:
    with gzip.open(page) as fh:  # fail early on a broken page rather than inside man
        fh.read(1)
    long_text = run_man(page, LONG_WIDTH)
    lines = long_text.splitlines()
    furniture = set(furniture_at(lines))
    too_long = [line[:60] for i, line in enumerate(lines) if i not in furniture and len(line) >= LONG_WIDTH * 0.9]
    if too_long:
        raise RuntimeError(f"{page}: a paragraph fills {LONG_WIDTH} columns and may have wrapped: {too_long[0]!r}")
    files = {
        "long.txt": long_text,
        "reference.txt": reference_text(long_text),
        "wrapped.txt": run_man(page, WRAP_WIDTH),
        "html": run_man(page, WRAP_WIDTH, html=True),
    }
    for suffix, text in files.items():
        (folder / f"{lang}.{suffix}").write_text(text, encoding="utf-8")
