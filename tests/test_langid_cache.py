"""The language identifier's inflated copy in the cache folder: made once, read back with
the same answers as py3langid's own file, and never trusted when damaged."""

from __future__ import annotations

from pathlib import Path

import pytest

from align import langid

TEXTS = ["Die Gespräche dauerten etwa 90 Minuten, sagte Meiners.",
         "The discussions lasted about 90 minutes, Meiners said.",
         "Les discussions ont duré environ 90 minutes, a déclaré Meiners."]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ALIGN_LANGID_CACHE", raising=False)
    return tmp_path / "langid"


def _ranks(ident) -> list[list[tuple[str, float]]]:
    return [[(str(lang), float(p)) for lang, p in ident.rank(text)[:3]] for text in TEXTS]


def test_inflated_copy_is_made_once_and_gives_the_same_answers(cache: Path) -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    first = langid._inflated_model()
    assert first is not None and first.parent == cache and len(list(cache.iterdir())) == 1
    assert langid._inflated_model() == first and first.stat().st_mtime_ns == langid._inflated_model().stat().st_mtime_ns
    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    loaded = langid._load()
    for mine, theirs in zip(_ranks(loaded), _ranks(reference)):
        assert [lang for lang, _ in mine] == [lang for lang, _ in theirs]
        assert [p for _, p in mine] == pytest.approx([p for _, p in theirs], abs=1e-9)


def test_truncated_copy_is_never_read(cache: Path) -> None:
    good = langid._inflated_model()
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])  # a crash while copying, a full disk
    again = langid._inflated_model()
    assert again == good and again.stat().st_size == len(data)
    assert _ranks(langid._load())[0][0][0] == "de"


def test_unwritable_cache_falls_back_to_the_packaged_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(blocker))
    assert langid._inflated_model() is None
    assert _ranks(langid._load())[1][0][0] == "en"
