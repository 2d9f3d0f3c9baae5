"""Which language a text is in (py3langid, offline): the identifier every stage shares.

Why here and not in :mod:`align.wirecopy`: the wire-copy finder, the language check of
the aligning commands (:mod:`align.langcheck`) and the detection of an omitted
``--src-lang`` all use it, and importing :mod:`align.wirecopy` pulls in datasketch and
scipy.

:func:`detect` (the wire-copy finder's) is restricted to the languages the bundled
encoder covers (:data:`ENCODER_LANGS`), which makes it more accurate (140 languages
confuse more than 15) and guarantees that the cross-lingual step can use the result. A
check of a *declared* language outside that set adds that one language (:func:`rank`
with ``extra``), so that Swedish declared ``sv`` for a sentence-transformers model is
compared with Swedish rather than with its nearest neighbour among the fifteen; naming
the language of a text nobody declared uses every language py3langid knows
(:func:`rank_all`), so that Swedish is called Swedish.

py3langid's probabilities are a softmax of naive-Bayes scores divided by the square root
of the text's length in bytes, so they are calibrated across lengths: a short text gets a
modest probability rather than a spurious 1.0.

Loading the model costs 0.4-0.7 s of LZMA inflation, so the first load keeps an inflated
copy in the cache folder (68 MB, memory-mapped by later loads: about 0.02 s;
``ALIGN_LANGID_CACHE=0`` turns it off), and the command line starts the load in a background thread (:func:`prefetch`)
beside its other start-up work, as it does for the encoder.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from align.settings import DEFAULT_MODEL_LANGUAGES as ENCODER_LANGS

__all__ = ["ENCODER_LANGS", "MAX_CHARS", "base_language", "detect", "known", "prefetch", "rank", "rank_all"]

#: Characters of a text that are classified; more adds time, not accuracy.
MAX_CHARS = 20_000

#: Codes users write for a language that py3langid labels otherwise (``nb`` is Norwegian
#: Bokmål, which py3langid calls ``no``; ``iw``, ``in``, ``ji`` are ISO 639's old codes).
_ALIASES = {"nb": "no", "iw": "he", "in": "id", "ji": "yi", "fil": "tl"}

_load_lock = threading.Lock()
_model: list[Any] = []  # the loaded identifier, once


def base_language(code: str) -> str:
    """The base language of a code as py3langid labels it: ``en-GB`` -> ``en``,
    ``pt_BR`` -> ``pt``, ``ZH-Hant`` -> ``zh``, ``nb`` -> ``no``."""
    base = code.replace("_", "-").split("-")[0].strip().lower()
    return _ALIASES.get(base, base)


#: Bump when what the cached copy holds changes: older copies are then ignored.
_LAYOUT = 2  # 2: one memory-mapped file (align.mapped); 1 was an uncompressed npz


def _location() -> tuple[Path, str] | None:
    """Where the cached copy of py3langid's model lives and the key it must carry: the
    name holds py3langid's version and the packed model's size, so a new release gets a
    new file. ``None`` when there is no cache folder to speak of."""
    import py3langid
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    from align.embed.cache import default_cache_dir
    from align.installed import distribution_version

    try:
        version = distribution_version("py3langid", os.path.dirname(py3langid.__file__)) or "unknown"
        size = (MODEL_DIR / MODEL_FILE).stat().st_size
        return default_cache_dir() / "langid" / f"py3langid-{version}-{size}.arrays", f"{version}-{size}-{_LAYOUT}"
    except (OSError, RuntimeError):
        return None


def _inflate() -> dict[str, Any]:
    """py3langid's model inflated from its LZMA file, as py3langid does it (through a
    temporary file, so the inflated archive is never held in memory whole)."""
    import lzma
    import shutil
    import tempfile

    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    with tempfile.TemporaryFile(suffix=".npz") as tmp:
        with lzma.open(MODEL_DIR / MODEL_FILE) as packed:
            shutil.copyfileobj(packed, tmp, length=1 << 20)
        tmp.seek(0)
        with np.load(tmp, allow_pickle=False) as data:
            return {name: data[name] for name in ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")}


def _inflated_model() -> Path | None:
    """The inflated copy of py3langid's model in the cache folder, made if it is missing
    or unsound (:mod:`align.mapped`: a truncated or damaged copy is never read), or
    ``None`` when the folder cannot be written (read-only home, full disk)."""
    from align import mapped

    where = _location()
    if where is None:
        return None
    path, key = where
    if mapped.load(path, key) is not None or mapped.store(path, key, _inflate()):
        return path
    return None


def _ints(array: Any) -> memoryview:
    """A read-only list of the array's unsigned integers for py3langid's tokenizer, which
    indexes it item by item from Python: a memoryview of the (mapped) array, where
    py3langid copies it into an ``array.array`` (40 ms for its 39 MB)."""
    codes = {2: "H", 4: "I", 8: "Q"}
    return memoryview(array).cast("B").cast(codes[array.dtype.itemsize])


def _load() -> Any:
    """The identifier from the cached copy, memory-mapped, when there is a sound one (about
    0.02 s), else from py3langid's own file (inflated, 0.4-0.7 s; the copy is then made
    for the next run unless ``ALIGN_LANGID_CACHE=0``)."""
    from py3langid.langid import LanguageIdentifier

    from align import mapped

    where = _location() if os.environ.get("ALIGN_LANGID_CACHE", "1") != "0" else None
    arrays = mapped.load(*where) if where is not None else None
    if arrays is None:
        arrays = _inflate()
        if where is not None:
            mapped.store(*where, arrays)
    return LanguageIdentifier(arrays["ptc"], arrays["pc"], arrays["classes"].tolist(), _ints(arrays["nextmove"]),
                              arrays["out_feat"].tolist(), norm_probs=True, tk_row=_ints(arrays["nextmove_row"]))


def _full() -> Any:
    """py3langid's model over all its languages, loaded once, by whichever thread asks
    first (a :func:`prefetch` thread or the foreground: one lock)."""
    if _model:
        return _model[0]
    with _load_lock:
        if not _model:
            _model.append(_load())
    return _model[0]


def prefetch() -> None:
    """Start loading the model in a background thread and return at once (see the module's
    docstring). A failure is left for the foreground load to raise."""
    if _model:
        return

    def load() -> None:
        try:
            _full()
        except Exception:  # the foreground load reports it
            pass

    threading.Thread(target=load, name="align-langid-prefetch", daemon=True).start()


@lru_cache(maxsize=16)
def _identifier(langs: tuple[str, ...]) -> Any:
    """An identifier restricted to ``langs``, sharing the loaded model's tables."""
    from py3langid.langid import LanguageIdentifier

    full = _full()
    ident = LanguageIdentifier(full.nb_ptc, full.nb_pc, full.nb_classes, full.tk_nextmove, full.tk_output,
                               norm_probs=True, tk_row=full.tk_row)
    ident.set_languages(list(langs))
    return ident


def known(lang: str) -> bool:
    """Whether py3langid can recognise ``lang``'s base language at all."""
    return base_language(lang) in set(_full().nb_classes)


def _langs(extra: str | None) -> tuple[str, ...]:
    langs = set(ENCODER_LANGS)
    if extra is not None and known(extra):
        langs.add(base_language(extra))
    return tuple(sorted(langs))


def rank(text: str, extra: str | None = None) -> list[tuple[str, float]]:
    """Every candidate language of ``text`` with its probability, most likely first.

    The candidates are :data:`ENCODER_LANGS`, plus ``extra``'s base language when py3langid
    knows it (the language a user declared). Only the first :data:`MAX_CHARS` characters
    are read.
    """
    return [(str(lang), float(p)) for lang, p in _identifier(_langs(extra)).rank(text[:MAX_CHARS])]


def rank_all(text: str) -> list[tuple[str, float]]:
    """Every language py3langid knows with its probability for ``text``, most likely first
    (``zxx``, "no linguistic content", left out: it names no language a text can be in)."""
    return [(str(lang), float(p)) for lang, p in _full().rank(text[:MAX_CHARS]) if lang != "zxx"]


def detect(text: str) -> tuple[str, float]:
    """The most likely language code of ``text`` (one of :data:`ENCODER_LANGS`) and its probability."""
    lang, prob = _identifier(_langs(None)).classify(text[:MAX_CHARS])
    return str(lang), float(prob)
