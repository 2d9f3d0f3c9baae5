"""Pictures of what the aligner and the wire-copy finder found (needs the ``plot`` extra).

People judge an alignment by looking at it. The classic view is the sentence-similarity
heat-map with the chosen path drawn over it: translated passages show as a bright
diagonal that the path follows, and sentences without a counterpart show as vertical
(source only) or horizontal (target only) steps of the path through dark rows or columns.

    >>> from align import align_files
    >>> from align.plot import plot_alignment
    >>> alignment = align_files("de.txt", "en.txt", "de", "en")       # doctest: +SKIP
    >>> fig = plot_alignment(alignment, "de-en.png")                   # doctest: +SKIP

matplotlib is an optional dependency (``pip install 'align[plot]'``); without it every
function here raises a one-line :class:`~align.errors.AlignError` saying so. Figures are
built with :class:`matplotlib.figure.Figure` directly, never through ``pyplot``: no global
state, no GUI backend, safe in servers and threads, and still shown inline by Jupyter.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from align.errors import AlignError, OutputError
from align.export.base import input_paths
from align.settings import DEFAULT_MODEL
from align.types import Alignment

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from align.embed import Encoder
    from align.wirecopy import WireCopyReport

__all__ = [
    "PLOT_FORMATS",
    "check_plot_target",
    "plot_alignment",
    "plot_wire_copy",
    "save_figure",
    "sentence_similarities",
    "shared_text",
]

#: File formats a plot can be written in, by extension.
PLOT_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

#: Largest heat-map side in cells; longer documents are shown as block averages.
MAX_SIDE = 800

INSTALL_HINT = "pip install 'align[plot]'"


def _matplotlib() -> Any:
    """Import matplotlib or fail with one line that says how to get it."""
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401  (fails early on a broken install)
    except ImportError:
        raise AlignError(f"plotting needs matplotlib, which is not installed; install it with: {INSTALL_HINT}") from None
    return matplotlib


def plot_format(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The format to write ``path`` in: ``fmt`` if given, else the file's extension."""
    name = (fmt or Path(os.fspath(path)).suffix.lstrip(".")).lower()
    if name not in PLOT_FORMATS:
        given = f"format {fmt!r}" if fmt else f"the plot format from {os.fspath(path)!r}"
        raise OutputError(
            f"cannot use {given}; give a file name ending in " + ", ".join(f".{f}" for f in PLOT_FORMATS)
        )
    return name


def check_plot_target(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """Fail before any work if a plot cannot be written to ``path``; return its format.

    Checks matplotlib first (nothing else matters without it), then the path, then the
    extension.
    """
    from align.files import check_target

    _matplotlib()
    check_target(os.fspath(path))
    return plot_format(path, fmt)


def save_figure(fig: Figure, path: str | os.PathLike[str], fmt: str | None = None, *,
                inputs: Sequence[str | None] = ()) -> str:
    """Write ``fig`` to ``path`` atomically (a failed or interrupted save leaves no file).

    ``inputs``: the files the picture was made from, which it must not overwrite.
    """
    from align.files import atomic_output

    name = check_plot_target(path, fmt)
    with atomic_output(path, inputs=inputs) as out:
        fig.savefig(out, format=name, dpi=150, bbox_inches="tight")
    return os.fspath(path)


# --- the similarity heat-map -------------------------------------------------------------


def _embeddings(alignment: Alignment, model: str | Encoder, cache: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence embedded on its own: the map shows sentence pairs, not the windows the aligner also scores."""
    from align.embed import load_encoder

    encoder = load_encoder(model, cache=cache) if isinstance(model, str) else model
    src = encoder.encode([s.text for s in alignment.src.sentences])
    tgt = encoder.encode([s.text for s in alignment.tgt.sentences])
    return src, tgt


def sentence_similarities(alignment: Alignment, model: str | Encoder = DEFAULT_MODEL, *, cache: bool = True) -> np.ndarray:
    """Cosine similarity of every source sentence with every target sentence, ``(n_src, n_tgt)``.

    Embeds each sentence on its own with ``model`` (use the model the alignment was made
    with: ``alignment.settings["model"]``). The aligner itself never builds this full
    matrix for long documents; this is for looking, and costs ``n_src * n_tgt`` floats.
    """
    src, tgt = _embeddings(alignment, model, cache)
    return (src @ tgt.T).astype(np.float32)


def _block_means(vectors: np.ndarray, factor: int) -> np.ndarray:
    """Mean of each run of ``factor`` rows (the last run may be shorter)."""
    if factor == 1 or len(vectors) == 0:
        return vectors
    starts = np.arange(0, len(vectors), factor)
    sums = np.add.reduceat(vectors, starts, axis=0)
    counts = np.diff(np.append(starts, len(vectors)))
    return sums / counts[:, None]


def _heat(src: np.ndarray, tgt: np.ndarray, factor: int) -> np.ndarray:
    """The (block-averaged) cosine matrix.

    Cosine is bilinear in unit vectors, so the mean cosine over a block of cells equals the
    dot product of the blocks' mean vectors: averaging the embeddings first gives the exact
    block means without ever building the full matrix.
    """
    return (_block_means(src, factor) @ _block_means(tgt, factor).T).astype(np.float32)


def _reduce_matrix(matrix: np.ndarray, factor: int) -> np.ndarray:
    """Block means of a given similarity matrix, ``factor`` cells per block on each axis."""
    if factor == 1:
        return matrix
    rows = _block_means(matrix, factor)
    return _block_means(rows.T, factor).T


def _path(alignment: Alignment) -> tuple[list[tuple[tuple[float, float], tuple[float, float]]], list[str]]:
    """Segments of the alignment path in sentence units (x: target, y: source), each with
    its kind: ``"match"`` (a bead's diagonal), ``"gap"`` (sentences without counterpart:
    straight down for source ones, straight right for target ones) or ``"jump"`` (where
    the path passes over the sentences of a moved passage).

    Beads are placed at their own positions, so that moved beads (drawn apart, see
    :meth:`align.types.Alignment.moved`) leave the path where they were taken from.
    """
    moved = alignment.moved()
    x = y = 0.0
    segments: list[tuple[tuple[float, float], tuple[float, float]]] = []
    kinds: list[str] = []
    for k, bead in enumerate(alignment.beads):
        if k in moved:
            continue
        x0 = float(bead.tgt[0]) if bead.tgt else x
        y0 = float(bead.src[0]) if bead.src else y
        if (x0, y0) != (x, y):
            segments.append(((x, y), (x0, y0)))
            kinds.append("jump")
        x, y = x0 + len(bead.tgt), y0 + len(bead.src)
        segments.append(((x0, y0), (x, y)))
        kinds.append("match" if bead.is_match else "gap")
    return segments, kinds


def plot_alignment(
    alignment: Alignment,
    path: str | os.PathLike[str] | None = None,
    *,
    similarities: np.ndarray | None = None,
    model: str | Encoder | None = None,
    cache: bool = True,
    title: str | None = None,
    fmt: str | None = None,
) -> Figure:
    """The similarity heat-map of ``alignment`` with its path drawn over it.

    Rows are source sentences (top to bottom), columns target sentences. Matched beads are
    outlined boxes joined by the path; unmatched sentences are the dashed red steps, and
    their rows or columns are hatched. ``similarities`` (from
    :func:`sentence_similarities`) skips the embedding; otherwise ``model`` (default: the
    one recorded in ``alignment.settings``) embeds the sentences. Documents longer than
    ``MAX_SIDE`` sentences are drawn as block averages. With ``path`` the figure is also
    written there (PNG, SVG or PDF by extension, atomically). Returns the figure.
    """
    _matplotlib()
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    if path is not None:
        check_plot_target(path, fmt)
    n, m = len(alignment.src), len(alignment.tgt)
    if n == 0 or m == 0:
        raise AlignError("nothing to plot: one side of the alignment has no sentences")
    factor = max(1, math.ceil(max(n, m) / MAX_SIDE))
    if similarities is not None:
        if similarities.shape != (n, m):
            raise AlignError(
                f"similarities have shape {similarities.shape} but the alignment has {n} x {m} sentences; "
                "compute them with sentence_similarities(alignment)"
            )
        heat = _reduce_matrix(np.asarray(similarities, dtype=np.float32), factor)
    else:
        chosen = model if model is not None else str(alignment.settings.get("model", DEFAULT_MODEL))
        heat = _heat(*_embeddings(alignment, chosen, cache), factor)

    side = 4.5 + 4.5 * min(1.0, max(n, m) / 40)
    aspect = n / m
    fig = Figure(figsize=(side, max(3.5, min(side * aspect, 2 * side))), layout="constrained")
    ax = fig.add_subplot()
    top = max(0.5, float(np.nanquantile(heat, 0.999)))  # one identical pair must not wash out the rest
    image = ax.imshow(heat, cmap="Blues", vmin=0.0, vmax=top,
                      extent=(0, m, n, 0), interpolation="nearest", aspect="auto")
    fig.colorbar(image, ax=ax, shrink=0.8, label="cosine similarity")

    segments, kinds = _path(alignment)
    width = 1.8 if max(n, m) <= 100 else 0.9  # thin on long documents, not to hide the diagonal
    ax.add_collection(LineCollection([s for s, kind in zip(segments, kinds) if kind == "match"], colors="#e66100",
                                     linewidths=width, label="aligned beads"))
    gaps = [s for s, kind in zip(segments, kinds) if kind == "gap"]
    if gaps:
        ax.add_collection(LineCollection(gaps, colors="#c01c28", linewidths=width, linestyles="dashed",
                                         label="path step without counterpart"))
    jumps = [s for s, kind in zip(segments, kinds) if kind == "jump"]
    if jumps:
        ax.add_collection(LineCollection(jumps, colors="#5e5c64", linewidths=width / 2, linestyles="dotted",
                                         label="path over a moved passage"))
    moved = alignment.moved()
    for k in sorted(moved):  # always drawn: they are few, and the point of the picture
        bead = alignment.beads[k]
        ax.add_patch(Rectangle((bead.tgt[0], bead.src[0]), len(bead.tgt), len(bead.src), fill=False,
                               edgecolor="#9141ac", linewidth=2.0,
                               label="moved passage (out of order)" if k == min(moved) else None))
        ax.plot([bead.tgt[0], bead.tgt[-1] + 1], [bead.src[0], bead.src[-1] + 1], color="#9141ac", linewidth=width)
    if len(alignment.beads) <= 400:  # outlines only where they stay readable
        for k, bead in enumerate(alignment.beads):
            if bead.is_match and k not in moved:
                ax.add_patch(Rectangle((bead.tgt[0], bead.src[0]), len(bead.tgt), len(bead.src),
                                       fill=False, edgecolor="#e66100", linewidth=1.0))
    # Rows (source) and columns (target) of sentences without a counterpart, hatched.
    hatch = {"facecolor": "none", "edgecolor": "#c01c28", "hatch": "///", "linewidth": 0, "alpha": 0.35}
    for bead in alignment.beads:
        if not bead.tgt:
            ax.axhspan(bead.src[0], bead.src[-1] + 1, **hatch)
        elif not bead.src:
            ax.axvspan(bead.tgt[0], bead.tgt[-1] + 1, **hatch)
    pad = 0.004 * max(n, m)  # so that path segments along the edges stay visible
    ax.set_xlim(-pad, m + pad)
    ax.set_ylim(n + pad, -pad)
    if max(n, m) <= 40:
        ax.set_xticks(np.arange(m) + 0.5, [str(j) for j in range(m)], fontsize=7)
        ax.set_yticks(np.arange(n) + 0.5, [str(i) for i in range(n)], fontsize=7)
    ax.set_xlabel(f"{alignment.tgt.lang} sentences ({alignment.tgt.name})" if m else alignment.tgt.lang)
    ax.set_ylabel(f"{alignment.src.lang} sentences ({alignment.src.name})")
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    note = f"; {factor}x{factor} sentence blocks averaged" if factor > 1 else ""
    ax.set_title(title or f"{len(alignment.beads)} beads, {sum(b.is_match for b in alignment.beads)} matched{note}",
                 fontsize=10, loc="left", pad=12)
    handles, _ = ax.get_legend_handles_labels()
    if any(not b.is_match for b in alignment.beads):
        handles.append(Patch(**{**hatch, "alpha": 0.8}, label="sentence without counterpart"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
    if path is not None:
        save_figure(fig, path, fmt, inputs=input_paths(alignment))
    return fig


# --- wire copy across a collection -------------------------------------------------------


def _covered(spans: Sequence[tuple[int, int]]) -> int:
    """Characters covered by the union of ``[start, end)`` spans."""
    total, reach = 0, -1
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


def shared_text(report: WireCopyReport) -> dict[str, np.ndarray]:
    """How much of each document it shares with each other one, by kind.

    Returns ``{"monolingual": A, "cross-lingual": B}``: ``A[i, j]`` is the fraction of
    document ``i``'s characters in passages it shares with document ``j`` in the same
    language (``B``: in another language), indexed as ``report.documents``. Fractions, not
    counts, because a short article wholly copied matters more than a long one quoting a
    line. The diagonal of ``A`` holds in-document repeats (a headline printed twice).
    """
    names = [d.name for d in report.documents]
    index = {name: k for k, name in enumerate(names)}
    spans: dict[tuple[str, int, int], list[tuple[int, int]]] = {}
    for cluster in report.clusters:
        for a in cluster.members:
            for b in cluster.members:
                if a.doc != b.doc:
                    kind = "monolingual" if a.lang == b.lang else "cross-lingual"
                    spans.setdefault((kind, index[a.doc], index[b.doc]), []).append((a.start, a.end))
    for cluster in report.repeats:
        for a in cluster.members:
            spans.setdefault(("monolingual", index[a.doc], index[a.doc]), []).append((a.start, a.end))
    out = {kind: np.zeros((len(names), len(names))) for kind in ("monolingual", "cross-lingual")}
    for (kind, i, j), found in spans.items():
        out[kind][i, j] = _covered(found) / max(1, len(report.documents[i].text))
    return out


def plot_wire_copy(report: WireCopyReport, path: str | os.PathLike[str] | None = None,
                   *, labels: Sequence[str] | None = None, fmt: str | None = None) -> Figure:
    """Document x document maps of shared text, one panel per kind (see :func:`shared_text`).

    Cell ``(i, j)`` is the share of row document ``i`` found in column document ``j``.
    ``labels`` names the documents (default: file names without folders). With ``path``
    the figure is also written there. Returns the figure.
    """
    _matplotlib()
    from matplotlib.figure import Figure

    if path is not None:
        check_plot_target(path, fmt)
    shares = shared_text(report)
    k = len(report.documents)
    names = list(labels) if labels is not None else [
        f"{Path(d.name).name[:20]} ({d.lang})" for d in report.documents
    ]
    if len(names) != k:
        raise AlignError(f"{len(names)} labels for {k} documents; give one label per document")
    size = 2.4 + 0.45 * k
    fig = Figure(figsize=(2 * size + 1.2, size), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (kind, matrix) in zip(axes, shares.items()):
        image = ax.imshow(matrix * 100, cmap="Oranges", vmin=0, vmax=100)
        for (i, j), value in np.ndenumerate(matrix):
            if value > 0:
                ax.text(j, i, f"{value * 100:.0f}%", ha="center", va="center", fontsize=8,
                        color="white" if value > 0.55 else "black")
        ax.set_xticks(range(k), names, rotation=40, ha="right", fontsize=8)
        ax.set_yticks(range(k), names, fontsize=8)
        ax.set_title(kind + (" (diagonal: repeats)" if kind == "monolingual" else ""), fontsize=10)
    fig.colorbar(image, ax=axes, shrink=0.8, label="% of row document shared with column document")
    if path is not None:
        save_figure(fig, path, fmt)
    return fig
