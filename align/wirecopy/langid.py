"""Which language a document is in, when the user did not say (py3langid, offline).

Detection is restricted to the languages the bundled encoder covers, which both makes it
more accurate and guarantees the cross-lingual step can use the result.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from align.embed.usem3.model import LANGUAGES as ENCODER_LANGS


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(ENCODER_LANGS))
    return ident


def detect(text: str) -> tuple[str, float]:
    """The most likely language code of ``text`` and its probability."""
    lang, prob = _identifier().classify(text[:20_000])
    return str(lang), float(prob)
