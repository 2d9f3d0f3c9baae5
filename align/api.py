"""The public Python API: the whole pipeline in one call.

    >>> from align import align_files
    >>> alignment = align_files("de.txt", "en.txt", "de", "en")
    >>> alignment.export("out.tmx")

The declared languages are checked against the texts before any embedding (a clear
mismatch raises :class:`~align.langcheck.LanguageMismatch`; ``lang_check=False`` skips
the check), and a language left out (``None``) is detected (:mod:`align.langcheck`).

Each stage stays usable on its own (``align.read``, ``align.segment``, ``align.embed``,
``align.search``, ``align.export``); these functions only chain them and record the
settings that produced the result.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable

from align import __version__
from align.errors import InputError
from align.langcheck import UNDETERMINED, refuse_unknown_language, settle_language
from align.progress import reports_progress
from align.read import read_document, read_text
from align.segment import presegmented as split_lines
from align.segment.clauses import clause_spans
from align.segment import segment
from align.types import Alignment, Document
from align.settings import DEFAULT_MODEL, ReadSettings, SearchConfig

# numpy, the encoder and the search are imported where they are used: reading and splitting
# a pair needs none of them, so a command reaches its input before they load (beside it, in
# a thread; bench/SPEED.md, "Start-up"). tests/test_startup.py checks that this stays so.
if TYPE_CHECKING:
    import numpy as np

    from align.embed import Encoder

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


def prepare(doc: Document, presegmented: bool = False) -> Document:
    """Split a read document into sentences (or take its lines as they are)."""
    if doc.sentences:
        return doc
    return split_lines(doc) if presegmented else segment(doc)


def reading_for(reading: ReadSettings | None, presegmented: bool) -> ReadSettings:
    """The read settings a run uses: ``--presegmented`` means plain text, one sentence per
    line, so it takes the ``lines`` layout and refuses any other format or layout."""
    reading = reading or ReadSettings()
    if not presegmented:
        return reading
    if reading.layout not in ("auto", "lines"):
        raise InputError(f"--presegmented reads one sentence per line; it cannot be combined with --layout "
                         f"{reading.layout} (leave one of them out)")
    if reading.input_format not in ("auto", "text"):
        raise InputError(f"--presegmented reads plain text with one sentence per line, not {reading.input_format}; "
                         "leave out --presegmented to read the document's structure")
    return dataclasses.replace(reading, layout="lines", input_format="text")


def read_pair(src_path: str, tgt_path: str, src_lang: str | None = None, tgt_lang: str | None = None, *,
              presegmented: bool = False, max_bytes: int | None = None, regular_only: bool = False,
              reading: ReadSettings | None = None, lang_check: bool = True) -> tuple[Document, Document]:
    """Read and split the two documents of a pair, as :func:`align_files` does.

    Each document's language is settled before it is split (:func:`~align.langcheck.settle_language`):
    a declared one is checked against the text unless ``lang_check`` is false, and one
    left out (``None``) is detected.
    """
    if src_path == "-" and tgt_path == "-":
        raise InputError("only one of SRC and TGT can be '-' (stdin); give the other as a file")
    reading = reading_for(reading, presegmented)
    docs = []
    for side, path, lang in (("source", src_path, src_lang), ("target", tgt_path, tgt_lang)):
        doc = read_document(path, lang or UNDETERMINED, max_bytes=max_bytes, regular_only=regular_only,
                            reading=reading)
        if presegmented and doc.format != "text":
            raise InputError(f"{path}: is {doc.format}, but --presegmented reads plain text with one sentence per "
                             "line; leave out --presegmented to read the document's structure")
        docs.append(prepare(settle_language(doc, lang, side, check=lang_check), presegmented))
    return docs[0], docs[1]


def has_words(texts: list[str]) -> np.ndarray:
    """True for each text with at least one letter or digit (in any script).

    A line of punctuation only ("!!!", "* * *", "+----+") says nothing a translation could
    match: the search never pairs it with a sentence that has words.
    """
    import numpy as np

    return np.array([any(ch.isalnum() for ch in t) for t in texts], dtype=bool)


def _find_moved(beads: list, encoder: Encoder, src_texts: list[str], tgt_texts: list[str], src_len: np.ndarray,
                tgt_len: np.ndarray, config: SearchConfig, progress: Progress) -> list:
    """Moved passages among the sentences the monotone search left unmatched
    (:mod:`align.search.moved`). Only those sentences' windows are embedded again (few
    sentences, and the embedding cache has them): the documents' windows were freed after
    the search, and keeping them would raise a long document's peak memory."""
    from align.embed.base import windows_in_chunks
    from align.search.moved import find_moved, unmatched_ids

    src_ids, tgt_ids = unmatched_ids(beads)
    if len(src_ids) < 2 or len(tgt_ids) < 2:
        return beads
    progress(f"looking for moved passages among {len(src_ids)} + {len(tgt_ids)} unmatched sentences")
    k = config.max_window
    src_windows, _ = windows_in_chunks(encoder, [src_texts[i] for i in src_ids], None, k)
    tgt_windows, _ = windows_in_chunks(encoder, [tgt_texts[j] for j in tgt_ids], None, k)
    return find_moved(beads, src_windows, tgt_windows, src_len, tgt_len, config)


@reports_progress
def align_documents(
    src: Document,
    tgt: Document,
    *,
    model: str | Encoder = DEFAULT_MODEL,
    config: SearchConfig | None = None,
    cache: bool = True,
    paragraphs: bool = True,
    progress: Progress | None = None,
) -> Alignment:
    """Align two segmented documents.

    ``model`` is ``"use-m3"`` (bundled, offline), a sentence-transformers model name or
    path, or an :class:`~align.embed.Encoder` instance. ``paragraphs``: whether line
    breaks between sentences mark paragraphs (false for one-sentence-per-line input).
    """
    import numpy as np

    from align.embed import load_encoder
    from align.embed.base import windows_in_chunks
    from align.embed.staged import embed_staged
    from align.hints import clause_ends, paragraph_breaks
    from align.memory import release_freed_memory
    from align.search import align_windows, refine_alignment
    from align.search.moved import find_moved_in_beads
    from align.search.moved_blocks import extend_blocks, keep_blocks_whole, place_blocks, refine_blocks
    from align.search.moved_chain import find_blocks
    from align.search.windows import all_rows, as_source

    progress = progress or _noop
    config = config or SearchConfig()
    if not src.sentences and not tgt.sentences:
        raise InputError("both documents have no sentences; give texts with at least one sentence")
    encoder = load_encoder(model, cache=cache) if isinstance(model, str) else model
    k = config.max_window
    progress(f"embedding {len(src)} + {len(tgt)} sentences with {encoder.name}")
    src_texts = [s.text for s in src.sentences]
    tgt_texts = [s.text for s in tgt.sentences]
    # a long document is embedded a few thousand sentences at a time, into arrays of its
    # size: one call over all of it held about twice the window vectors in working data
    if config.refine:
        # clause vectors come from the same pass as the sentence vectors (use-m3), but are
        # assembled after the sentence search, from small per-clause rows kept until then
        # (align.embed.staged): with the clause windows beside it, the search was the peak
        src_parts = [clause_spans(t, config.clause_min_chars) for t in src_texts]
        tgt_parts = [clause_spans(t, config.clause_min_chars) for t in tgt_texts]
        src_windows, build_src_clauses = embed_staged(encoder, src_texts, src_parts, k)
        tgt_windows, build_tgt_clauses = embed_staged(encoder, tgt_texts, tgt_parts, k)
    else:
        src_windows, _ = windows_in_chunks(encoder, src_texts, None, k)
        tgt_windows, _ = windows_in_chunks(encoder, tgt_texts, None, k)
    release_freed_memory()  # the embedding's working rows, freed in its threads' heaps
    progress("aligning")
    src_len = np.array([len(t) for t in src_texts], dtype=np.float64)
    tgt_len = np.array([len(t) for t in tgt_texts], dtype=np.float64)
    breaks = (paragraph_breaks(src), paragraph_breaks(tgt)) if paragraphs else (None, None)
    # moved blocks are found first, from the order of confident anchors, and kept out of
    # the monotone search (align.search.moved_chain); --monotone skips this
    blocks = None
    if config.moved and src_texts and tgt_texts:
        blocks = find_blocks(src_windows, tgt_windows, src_len, tgt_len, config)
    beads = align_windows(
        src_windows, tgt_windows, src_len, tgt_len, config, *breaks,
        src_clauses=clause_ends(src), tgt_clauses=clause_ends(tgt),
        src_content=has_words(src_texts), tgt_content=has_words(tgt_texts),
        band=blocks.band if blocks is not None else None,
        src_exclude=blocks.src_exclude if blocks is not None else None,
        tgt_exclude=blocks.tgt_exclude if blocks is not None else None,
    )
    if blocks is not None:
        blocks = extend_blocks(beads, blocks, src_windows, tgt_windows, src_len, tgt_len, config)
    # sentence vectors, for moved passages
    src1, tgt1 = all_rows(as_source(src_windows), 1), all_rows(as_source(tgt_windows), 1)
    if config.refine and beads:
        # the clause windows are built a page at a time where the clause search reads them
        # (from the sentence windows and the rows embed_staged kept), not for the whole
        # document: a long document's clause windows were its peak (14 KB a sentence a side)
        clause_windows = (build_src_clauses(src_windows), build_tgt_clauses(tgt_windows))
        del src_windows, tgt_windows, build_src_clauses, build_tgt_clauses
        release_freed_memory()
        progress("refining at clause level")
        refined = refine_alignment(beads, (src_parts, tgt_parts), clause_windows, config, *breaks)
        beads = keep_blocks_whole(refined, beads, blocks) if blocks is not None else refined
        if blocks is not None:
            blocks = refine_blocks(blocks, (src_parts, tgt_parts), clause_windows, config, *breaks)
        del clause_windows
        release_freed_memory()
    else:
        del src_windows, tgt_windows  # a long document's windows are hundreds of MB: not needed below
    if blocks is not None:
        beads = place_blocks(beads, blocks)
    if config.moved and beads:
        texts = (src_texts, tgt_texts)

        def windows(side: int, ids: list[int]) -> list[np.ndarray]:
            return windows_in_chunks(encoder, [texts[side][i] for i in ids], None, k)[0]

        beads = _find_moved(beads, encoder, src_texts, tgt_texts, src_len, tgt_len, config, progress)
        beads = find_moved_in_beads(beads, src1, tgt1, src_len, tgt_len, windows, config)
    settings = {
        "tool": f"align {__version__}",
        "model": encoder.name,
        "search": config.to_dict(),
    }
    return Alignment(src, tgt, tuple(beads), settings)


def _refuse_unknown_languages(src: Document, tgt: Document, src_lang: str | None, tgt_lang: str | None,
                              model: object) -> None:
    """A language that was detected, not declared, must be one the model knows
    (:func:`~align.langcheck.refuse_unknown_language`); declared ones are the user's call."""
    for side, doc, declared in (("source", src, src_lang), ("target", tgt, tgt_lang)):
        if declared is None:
            refuse_unknown_language(doc, model, side)


def align_texts(
    src_text: str,
    tgt_text: str,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    *,
    presegmented: bool = False,
    lang_check: bool = True,
    **options,
) -> Alignment:
    """Align two texts given as strings; ``options`` as for :func:`align_documents`.

    ``lang_check`` and languages left out (``None``) as for :func:`align_files`.
    """
    src, tgt = (
        prepare(settle_language(read_text(text, lang or UNDETERMINED), lang, side, check=lang_check), presegmented)
        for side, text, lang in (("source", src_text, src_lang), ("target", tgt_text, tgt_lang))
    )
    _refuse_unknown_languages(src, tgt, src_lang, tgt_lang, options.get("model", DEFAULT_MODEL))
    alignment = align_documents(src, tgt, paragraphs=not presegmented, **options)
    return dataclasses.replace(alignment, settings={**alignment.settings, "lang_check": lang_check})


def align_files(
    src_path: str,
    tgt_path: str,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    *,
    presegmented: bool = False,
    max_bytes: int | None = None,
    regular_only: bool = False,
    reading: ReadSettings | None = None,
    lang_check: bool = True,
    **options,
) -> Alignment:
    """Align two files (``"-"`` reads stdin); ``options`` as for :func:`align_documents`.

    ``max_bytes`` and ``regular_only`` are passed to :func:`~align.read.read_document`:
    the input size limit (default ``$ALIGN_MAX_INPUT_MB`` or 256 MB) and whether FIFOs
    and devices are refused (a batch does, since it reads each file again for its hash).
    ``reading`` says how files become text (format, plain-text layout; by default from
    the extension or content, and the layout found per document).

    ``lang_check`` (on by default): a document clearly in another language than the one
    declared for it raises :class:`~align.langcheck.LanguageMismatch` before any
    embedding (mixed and short texts never do; see :mod:`align.langcheck`). A language
    left out (``None``) is detected, and the document's ``notes`` say so; with the bundled
    model, a detected language it does not know raises :class:`InputError`.
    """
    src, tgt = read_pair(src_path, tgt_path, src_lang, tgt_lang, presegmented=presegmented, max_bytes=max_bytes,
                         regular_only=regular_only, reading=reading, lang_check=lang_check)
    _refuse_unknown_languages(src, tgt, src_lang, tgt_lang, options.get("model", DEFAULT_MODEL))
    alignment = align_documents(src, tgt, paragraphs=not presegmented, **options)
    return dataclasses.replace(alignment, settings={**alignment.settings,
                                                    "read": reading_for(reading, presegmented).to_dict(),
                                                    "lang_check": lang_check})
