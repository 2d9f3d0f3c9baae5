"""Sentence embeddings: the encoder interface, its backends, and an on-disk cache.

- :class:`Encoder` (``base``): ``encode(texts)`` and ``encode_windows(texts, K)``, unit-length
  float32 rows;
- :class:`USEM3Encoder` (``usem3``): the bundled default ``use-m3``, numpy only, offline,
  with near-free windows;
- :class:`SentenceTransformerEncoder` (``st``): any sentence-transformers model by local
  path or name, offline (optional extra ``align[st]``);
- :class:`EmbeddingCache` / :class:`CachedEncoder` (``cache``): SQLite on disk.

Use :func:`load_encoder`; it is what ``align pair --model NAME`` calls::

    >>> from align.embed import load_encoder
    >>> enc = load_encoder("use-m3")                            # doctest: +SKIP
    >>> vecs = enc.encode(["Der Hund bellt.", "The dog barks."])  # doctest: +SKIP
    >>> float(vecs[0] @ vecs[1])                                 # doctest: +SKIP
    0.86...
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from align.embed.base import AdditiveEncoder, Encoder, l2_normalize, window_texts
from align.embed.cache import EmbeddingCache, default_cache_dir
from align.embed.cached import CachedEncoder
from align.embed.st import SentenceTransformerEncoder
from align.embed.usem3 import USEM3Encoder
from align.plugins import ENCODERS
from align.settings import DEFAULT_MODEL

__all__ = [
    "Encoder",
    "AdditiveEncoder",
    "USEM3Encoder",
    "SentenceTransformerEncoder",
    "EmbeddingCache",
    "CachedEncoder",
    "default_cache_dir",
    "load_encoder",
    "l2_normalize",
    "window_texts",
    "DEFAULT_MODEL",
    "ENCODERS",
]


_lock = threading.Lock()
_encoders: dict[str, Encoder] = {}
_caches: dict[Path, EmbeddingCache] = {}
_prefetched: set[str] = set()


def load_encoder(
    name: str = DEFAULT_MODEL,
    *,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Encoder:
    """The encoder for ``name``, loaded and ready (raises ModelError with a one-line message).

    A name in :data:`ENCODERS` (``"use-m3"``, the bundled model) loads that encoder;
    anything else is a sentence-transformers model name or local path (see :mod:`align.embed.st`). Loaded models are kept for the life of the
    process, so asking again is free. With ``cache=True`` (default) vectors are stored on
    disk in ``cache_dir`` (default :func:`default_cache_dir`) and reused on later runs;
    an unusable cache directory only turns the cache off.
    """
    key = name.strip()
    with _lock:
        encoder = _encoders.get(key)
        if encoder is None:
            if key in ENCODERS:
                encoder = ENCODERS.get(key)().load()
            else:  # any other name is a sentence-transformers model name or path
                encoder = SentenceTransformerEncoder(key).load()
            _encoders[key] = encoder
        if not cache:
            return encoder
        directory = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        store = _caches.get(directory)
        if store is None:
            store = _caches[directory] = EmbeddingCache(directory)
    return CachedEncoder(encoder, store)


def prefetch(name: str = DEFAULT_MODEL) -> None:
    """Start loading the bundled model in a background thread, and return at once.

    Why: before its first vector a run imports modules, reads and segments its inputs
    and checks its output path; the model load (mostly zlib inflation, which releases
    the GIL, and the tokenizer's parsing) can run beside that on the second core. The
    foreground load then waits for it (one lock), so the model is still loaded once.
    Only the bundled model: a sentence-transformers model imports torch and may fail,
    and that must happen in the foreground. Errors are left for the foreground load to
    raise with its one-line message.
    """
    if name.strip().lower() != DEFAULT_MODEL:
        return
    with _lock:
        if DEFAULT_MODEL in _prefetched:
            return
        _prefetched.add(DEFAULT_MODEL)

    def load() -> None:
        try:
            USEM3Encoder().load()
        except Exception:  # the foreground load reports it
            pass

    threading.Thread(target=load, name="align-prefetch", daemon=True).start()
