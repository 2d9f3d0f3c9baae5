"""Freed memory goes back to the system between stages (align.memory, issue 20).

The embedding's worker threads allocate their working rows in heaps of their own; once
freed, glibc kept them in the process's RSS, where the search (on the main thread) could
not reuse them. The test frees memory the same way and checks that the RSS comes down.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from align.memory import release_freed_memory

_CHILD = """
import threading
import numpy as np
from align.memory import release_freed_memory

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

held = []
def work():  # 4,000 rows of 64 KB in this thread's own heap, as the embedding's workers
    held.extend(np.ones(8192) for _ in range(4000))
t = threading.Thread(target=work)
t.start()
t.join()
keep = held[::50]  # survivors spread over the heap: it cannot shrink from its top
del held[:]
before = rss()
released = release_freed_memory()
print(released, (before - rss()) >> 20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_freed_rows_of_a_worker_thread_leave_the_rss() -> None:
    done = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True)
    released, dropped_mb = done.stdout.split()
    if released != "True":
        pytest.skip("this C library has no malloc_trim")
    assert int(dropped_mb) > 150, dropped_mb  # about 245 MB of the 250 freed

