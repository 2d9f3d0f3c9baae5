"""Checks the command line runs before any work: languages the model knows, index targets.

A mistake the user can fix must cost nothing: these run before a model is used or a
file is read, and say in one line what to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.cli.app import warn
from align.errors import AlignError
from align.settings import DEFAULT_MODEL
from align.settings import DEFAULT_MODEL_LANGUAGES as ENCODER_LANGS

if TYPE_CHECKING:
    from align.batch.manifest import PairSpec


def check_languages(model: str, src_lang: str | None, tgt_lang: str | None) -> None:
    """Refuse a language the bundled model was not trained on; warn when both sides share one.

    use-m3 embeds any text, but outside its languages the vectors are noise and the
    alignment would look plausible while being wrong. A sentence-transformers model's
    languages are not known here, so only the code itself is checked for those. A
    language left out (None) is detected later, from the text, and checked then
    (:func:`align.langcheck.refuse_unknown_language`).
    """
    from align.read import check_lang

    for option, lang in (("--src-lang", src_lang), ("--tgt-lang", tgt_lang)):
        if lang is not None:
            check_lang(lang)
            refuse_unknown_to_model(model, lang, option)
    if src_lang is not None and tgt_lang is not None and same_language(src_lang, tgt_lang):
        warn(f"both sides are in the same language ({src_lang}, {tgt_lang}); "
             "aligning anyway (check --src-lang and --tgt-lang if this is a translation)")


def refuse_unknown_to_model(model: str, lang: str, where: str) -> None:
    """Raise when the bundled model does not know ``lang`` (``where`` names the option or manifest line)."""
    if model.strip().lower() == DEFAULT_MODEL and lang.split("-")[0] not in ENCODER_LANGS:
        raise AlignError(
            f"{where} {lang}: the bundled model {DEFAULT_MODEL} does not know this language (it knows "
            f"{', '.join(ENCODER_LANGS)}); give a model that does, e.g. --model sentence-transformers/LaBSE"
        )


def same_language(src_lang: str, tgt_lang: str) -> bool:
    """Both sides in one language (regions ignored: en-GB and en-US are still the same language)."""
    return src_lang.split("-")[0] == tgt_lang.split("-")[0]


def check_manifest_languages(model: str, manifest: str, pairs: list[PairSpec]) -> None:
    """What ``pair`` checks for its two languages, for every pair of a batch, before any work.

    A language the model does not know stops the batch (like a malformed manifest line:
    it would be wrong for every run of that pair); pairs with the same language on both
    sides are allowed and named in one warning line.
    """
    for spec in pairs:
        for column, lang in (("src_lang", spec.src_lang), ("tgt_lang", spec.tgt_lang)):
            refuse_unknown_to_model(model, lang, f"manifest {manifest} line {spec.line}: {column}")
    same = [spec for spec in pairs if same_language(spec.src_lang, spec.tgt_lang)]
    if same:
        lines = ", ".join(str(spec.line) for spec in same[:5]) + (", …" if len(same) > 5 else "")
        warn(f"{len(same)} pair{'s' if len(same) != 1 else ''} of {manifest} have the same language "
             f"on both sides (line{'s' if len(same) != 1 else ''} {lines}); aligning anyway (check the language "
             "columns if these are translations)")


def check_index_target(index: str | None, redis: str | None, files: list[str]) -> None:
    """A file index that will be written must not be one of the documents being added."""
    if redis:
        return
    from align.files import InputFiles
    from align.index import DEFAULT_INDEX

    InputFiles(files).check(index or DEFAULT_INDEX)  # the store itself checks the folder (--index messages)
