"""Benchmarks and the data builders they share with the tests.

Every script here is a module of this package, run from the repository root::

    python -m bench.wirecopy --seed 0

``-m`` from the root puts the root first on Python's module search path. That one entry
lets the scripts import each other (``bench.wirecopy_data``) and the test helpers they
reuse (``tests.hash_encoder``, ``tests.synthetic``). It also means a benchmark measures
this checkout's ``align``, not whichever copy is installed. ``python -m pytest`` from the
root uses the same entry, so tests import ``bench.*`` the same way. No file in the tree
changes the search path itself.

Run as a file (``python bench/wirecopy.py``), a script gets ``bench/`` as the first
search path entry, so none of these imports would work. The scripts that need the root
stop at once and print the ``-m`` command to use instead. The subprocesses they start
(workers, children) run with ``-m`` too, from the same working directory.
"""
