"""The comparison keys of the real-document benchmark (bench/real_docs_score.py): what the
F1 its targets are judged on forgives, and what it does not."""

from __future__ import annotations


def test_comparison_key_folds_only_what_groff_devices_render_differently() -> None:
    """The F1 key makes alike the quotation marks and address brackets that groff's HTML
    and text devices write differently for one source, and nothing else: a broken word or
    another word still differs; the raw key keeps every glyph."""
    from bench.real_docs_score import exact_key, raw_key

    html = "Report bugs to bug-gzip@gnu.org, see <https://gnu.org/x> or the file’s ’deflation’ „Modus“."
    text = "Report bugs to ⟨bug-gzip@gnu.org⟩, see <https://gnu.org/x> or the file's 'deflation' \"Modus\"."
    assert exact_key(html) == exact_key(text)
    assert raw_key(html) != raw_key(text)
    assert exact_key("Paketab- hängigkeiten") != exact_key("Paketabhängigkeiten")
    assert exact_key("a <b> c") == "a <b> c"  # brackets around a word that is no address stay
