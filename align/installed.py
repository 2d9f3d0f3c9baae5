"""The version of an installed distribution, read without importing ``importlib.metadata``.

Why: a model's version is part of what names its cached copies (the embedding cache's
namespace, the inflated langid model, the prepared use-m3 weights), so every aligning
command asks for it. ``importlib.metadata`` imports ``email``, ``zipfile``, ``csv`` and
friends and scans every entry of ``sys.path`` for distributions: tens of milliseconds of a
command whose first useful work is meant to start within 0.2 s. A wheel installs its
metadata beside the package (``site-packages/NAME-VERSION.dist-info/METADATA``), so the
version is one directory listing and a few lines of one file away. When it is not there
(an egg, a zipped or unusual installation) ``importlib.metadata`` still answers.
"""

from __future__ import annotations

import os
import re

__all__ = ["distribution_version"]


def _normalized(name: str) -> str:
    """A distribution name as wheel directory names spell it (PEP 503, ``-`` as ``_``)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def distribution_version(name: str, package_dir: str | os.PathLike[str]) -> str | None:
    """The version of distribution ``name`` whose package lives in ``package_dir``, or ``None``.

    Looks for ``NAME-*.dist-info/METADATA`` beside ``package_dir`` and reads its
    ``Version:`` header (what ``importlib.metadata.version`` returns); falls back to
    ``importlib.metadata`` when there is none.
    """
    folder = os.path.dirname(os.path.abspath(os.fspath(package_dir)))
    want = _normalized(name)
    try:
        entries = os.listdir(folder)
    except OSError:
        entries = []
    for entry in entries:
        if not entry.endswith(".dist-info") or _normalized(entry.split("-", 1)[0]) != want:
            continue
        try:
            with open(os.path.join(folder, entry, "METADATA"), encoding="utf-8") as f:
                for line in f:
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
                    if not line.strip():  # the headers end at the first blank line
                        break
        except (OSError, UnicodeDecodeError):
            continue
    import importlib.metadata

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None
