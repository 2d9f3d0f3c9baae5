"""Sentence vectors of an index, one nearest-neighbour graph per language (cross-lingual lookups).

``align index query --cross-lingual`` looks a German article up among indexed English
ones. MinHash cannot see a translation, so the index keeps the mining vector
(:func:`align.wirecopy.mining.mining_vectors`, the vectors ``align dedup`` compares) of
every indexed sentence, and a query asks for each of its sentences' nearest neighbours
in every other language. A brute-force product over every indexed sentence grows with
the archive, so the neighbours are found in a usearch HNSW graph (a small wheel whose
only dependencies are numpy, tqdm and its own SIMD kernels), one graph per language:
dedup pairs languages, and a sentence's neighbourhood in its own language is of no use.

Vectors are stored as int8, each row scaled so its largest component is 127 (a unit
vector of 1536 components has most of them near 0.03, so usearch's own cast, which
multiplies by 127, would leave a handful of levels). Cosines are recomputed from those
integers in float64, where every dot product is exact, so a score does not depend on
the graph, the SIMD kernel or the order of the rows; the graph only proposes neighbours.

The graph is kept in the index file as usearch serialises it, which is also where the
vectors are (at its start). An index file may come from anyone, and usearch's loader
trusts every node level and neighbour slot it reads: a slot past the end makes a search
read outside its memory. So :func:`check_graph` reads the whole serialisation first,
against the layout of the installed usearch and what the index says it holds, and
refuses anything that does not fit (a :class:`~align.index.safe_zip.Damaged`, reported as
"damaged; rebuild it") before usearch sees a byte.
"""

from __future__ import annotations

import numpy as np

from align.index.safe_zip import Damaged

#: Graph parameters: edges per node (twice that on the base layer), candidates kept while
#: adding and while searching. 16/64 builds the graph about twice as fast as usearch's
#: default 16/128 at the recall the query needs (it asks for 4 neighbours and rescores them).
CONNECTIVITY = 16
EXPANSION_ADD = 64
EXPANSION_SEARCH = 128
_MAX_LEVEL = 64  # HNSW levels grow with log(n); 64 is far past any index that fits in memory
_HEAD = 64  # usearch's file header (index_dense_head_buffer_t)
_GRAPH_HEAD = 40  # index_serialized_header_t: size, connectivity, connectivity_base, max_level, entry_slot
_NODE_HEAD = 10  # a node: key (u64) and level (i16), then its neighbour lists
_CHUNK = 8192  # nodes checked at a time (bounded memory for the gathered slots)


def quantize(vectors: np.ndarray) -> np.ndarray:
    """Rows as int8, each scaled so that its largest absolute component is 127."""
    v = np.asarray(vectors, dtype=np.float32)
    top = np.abs(v).max(axis=1, keepdims=True) if v.size else np.ones((len(v), 1), np.float32)
    return np.rint(v * (127.0 / np.maximum(top, 1e-12))).astype(np.int8)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosines of every int8 row of ``a`` with every int8 row of ``b`` (float64, exact dot products)."""
    fa, fb = a.astype(np.float64), b.astype(np.float64)
    na = np.maximum(np.sqrt(np.einsum("ij,ij->i", fa, fa)), 1e-12)
    nb = np.maximum(np.sqrt(np.einsum("ij,ij->i", fb, fb)), 1e-12)
    return (fa @ fb.T) / na[:, None] / nb[None, :]


def _new_graph(dims: int):
    from usearch.index import Index

    return Index(ndim=dims, metric="cos", dtype="i8", connectivity=CONNECTIVITY,
                 expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)


_REFERENCE: dict[int, bytes] = {}


def _reference_head(dims: int) -> bytes:
    """The file header the installed usearch writes for a graph like ours (cached per ``dims``)."""
    if dims not in _REFERENCE:
        graph = _new_graph(dims)
        graph.add(np.arange(1, dtype=np.uint64), np.ones((1, dims), np.int8))
        blob = bytes(graph.save())
        start = 8 + dims
        _REFERENCE[dims] = blob[start:start + _HEAD]
    return _REFERENCE[dims]


def _u64(blob: np.ndarray, at: int, n: int = 1) -> np.ndarray:
    return blob[at:at + 8 * n].view("<u8")


def check_graph(blob: np.ndarray, rows: int, dims: int) -> np.ndarray:
    """Refuse a usearch serialisation that is not ``rows`` int8 vectors of ``dims`` and a sound graph over them.

    Checked: the vector block's size; the header (magic, major version, metric, scalar,
    key and slot types as the installed usearch writes them; counts and dimensions); the
    graph header (connectivity as usearch accepts it, the entry node and the top level);
    every node's key (row numbers, each once: usearch adds in parallel, so a node's slot
    need not be its key), level and neighbour count; every neighbour slot (below ``rows``,
    and at a level its node has); and that the nodes fill the rest exactly. Returns the
    key of each slot (the vectors at the start of the blob are in slot order).
    """
    if blob.dtype != np.uint8 or blob.ndim != 1:
        raise Damaged("vector graph is not a byte array")
    n = len(blob)
    if n < 8 or blob[:8].view("<u4").tolist() != [rows, dims]:
        raise Damaged(f"vector graph does not hold {rows} vectors of {dims} bytes")
    at = 8 + rows * dims
    if n < at + _HEAD + _GRAPH_HEAD:
        raise Damaged("vector graph is cut short")
    head, ref = blob[at:at + _HEAD].tobytes(), _reference_head(dims)
    if head[:7] != b"usearch" or head[7:9] != ref[7:9]:
        raise Damaged("vector graph is not a usearch graph of this usearch's major version")
    if head[13:17] != ref[13:17] or head[41:42] != b"\0":
        raise Damaged("vector graph has another metric, scalar, key or slot type")
    present, deleted, ndim = _u64(blob, at + 17, 3).tolist()
    if (present, deleted, ndim) != (rows, 0, dims):
        raise Damaged("vector graph counts do not match its vectors")
    at += _HEAD
    size, conn, conn_base, max_level, entry = _u64(blob, at, 5).tolist()
    if size != rows or not 2 <= conn <= 1024 or not conn <= conn_base <= 4096:
        raise Damaged("vector graph header is malformed")
    at += _GRAPH_HEAD
    if not rows:
        if n != at:
            raise Damaged("vector graph has trailing bytes")
        return np.zeros(0, np.int64)
    if n < at + 2 * rows:
        raise Damaged("vector graph is cut short")
    levels = blob[at:at + 2 * rows].view("<i2").astype(np.int64)
    at += 2 * rows
    if levels.min() < 0 or levels.max() > _MAX_LEVEL or max_level != levels.max() or entry >= rows \
            or levels[entry] != max_level:
        raise Damaged("vector graph levels are malformed")
    base_bytes, upper_bytes = 4 + 4 * conn_base, 4 + 4 * conn
    sizes = _NODE_HEAD + base_bytes + upper_bytes * levels
    offsets = at + np.concatenate([[0], np.cumsum(sizes)])
    if offsets[-1] != n:
        raise Damaged("vector graph nodes do not fill the member")
    all_keys = np.empty(rows, np.int64)
    for lo in range(0, rows, _CHUNK):
        hi = min(rows, lo + _CHUNK)
        start = offsets[lo:hi]
        keys = blob[start[:, None] + np.arange(8)].copy().view("<u8")[:, 0]
        node_levels = blob[start[:, None] + 8 + np.arange(2)].copy().view("<i2")[:, 0]
        if (keys >= rows).any() or not np.array_equal(node_levels, levels[lo:hi]):
            raise Damaged("vector graph node keys or levels are malformed")
        all_keys[lo:hi] = keys
        for level in range(int(levels[lo:hi].max()) + 1):
            have = np.flatnonzero(levels[lo:hi] >= level)
            cap = conn_base if level == 0 else conn
            where = start[have] + _NODE_HEAD + (0 if level == 0 else base_bytes + upper_bytes * (level - 1))
            count = blob[where[:, None] + np.arange(4)].copy().view("<u4")[:, 0]
            if (count > cap).any():
                raise Damaged("vector graph has a node with too many neighbours")
            slots = blob[where[:, None, None] + 4 + 4 * np.arange(cap)[None, :, None] + np.arange(4)]
            slots = slots.copy().view("<u4")[..., 0].astype(np.int64)
            used = np.arange(cap)[None, :] < count[:, None]
            named = slots[used]
            if (named >= rows).any() or (levels[named] < level).any():
                raise Damaged("vector graph has a neighbour outside the graph")
    if len(np.unique(all_keys)) != rows:
        raise Damaged("vector graph has a key twice")
    return all_keys


class LanguageVectors:
    """The sentence vectors of one language: int8 rows, their owners and the graph over them.

    ``owners[i]`` is ``(document id, sentence index)`` of row ``i``; the graph's key of a
    row is its row number.
    """

    def __init__(self, dims: int, vectors: np.ndarray | None = None, owners: np.ndarray | None = None,
                 graph=None) -> None:
        self.dims = dims
        self.vectors = vectors if vectors is not None else np.zeros((0, dims), np.int8)
        self.owners = owners if owners is not None else np.zeros((0, 2), np.int64)
        self._graph = graph
        self._row: dict[tuple[int, int], int] | None = None

    def __len__(self) -> int:
        return len(self.vectors)

    def graph(self):
        if self._graph is None:
            self._graph = _new_graph(self.dims)
        return self._graph

    def add(self, vectors: np.ndarray, owners: np.ndarray) -> None:
        """Append int8 rows and their owners, and put them in the graph."""
        if not len(vectors):
            return
        first = len(self.vectors)
        self.graph().add(np.arange(first, first + len(vectors), dtype=np.uint64), vectors, threads=0)
        self.vectors = np.concatenate([self.vectors, vectors])
        self.owners = np.concatenate([self.owners, np.asarray(owners, np.int64).reshape(-1, 2)])
        self._row = None

    def row_of(self, doc: int, sentence: int) -> int | None:
        """The row of sentence ``sentence`` of document ``doc`` (None: it has no vector)."""
        if self._row is None:
            self._row = {(int(d), int(s)): i for i, (d, s) in enumerate(self.owners.tolist())}
        return self._row.get((doc, sentence))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The graph's ``k`` nearest rows of each int8 query row and their exact cosines.

        Returns ``(rows, cos)``, both ``(len(queries), k)``, best first; where fewer than
        ``k`` rows were found, rows are -1 and cosines -inf.
        """
        m = len(queries)
        rows = np.full((m, k), -1, np.int64)
        cos = np.full((m, k), -np.inf)
        if not m or not len(self.vectors) or k < 1:
            return rows, cos
        found = self.graph().search(queries, min(k, len(self.vectors)), threads=1)
        keys = np.asarray(found.keys, dtype=np.int64).reshape(m, -1)  # (one query: a Matches, not a BatchMatches)
        counts = np.asarray(getattr(found, "counts", [keys.shape[1]]), dtype=np.int64).reshape(m)
        for i in range(m):
            got = keys[i, :counts[i]]
            got = got[(got >= 0) & (got < len(self.vectors))]
            if not len(got):
                continue
            c = cosines(queries[i:i + 1], self.vectors[got])[0]
            order = np.lexsort((got, -c))[:k]
            rows[i, :len(order)], cos[i, :len(order)] = got[order], c[order]
        return rows, cos

    def blob(self) -> np.ndarray:
        """The graph (with the vectors) as usearch serialises it."""
        return np.frombuffer(bytes(self.graph().save()), dtype=np.uint8)

    @classmethod
    def from_blob(cls, blob: np.ndarray, owners: np.ndarray, dims: int) -> LanguageVectors:
        """A graph read back from an index file, checked by :func:`check_graph` before usearch loads it."""
        from usearch.index import Index

        keys = check_graph(blob, len(owners), dims)
        graph = Index.restore(blob.tobytes())
        if graph is None or len(graph) != len(owners) or graph.ndim != dims:
            raise Damaged("vector graph could not be loaded")
        graph.expansion_search = EXPANSION_SEARCH
        vectors = np.empty((len(owners), dims), np.int8)
        vectors[keys] = blob[8:8 + len(owners) * dims].view(np.int8).reshape(len(owners), dims)
        return cls(dims, vectors, owners, graph)

