"""Thread-count control for reproducible numbers: sums taken in another order (more BLAS or torch threads)
change the last bits of a result, so the code paths whose outputs are stored pin the thread counts."""

from __future__ import annotations

import contextlib
from typing import Iterator


@contextlib.contextmanager
def torch_thread_limit(threads: int | None) -> Iterator[None]:
    """Run a block with ``threads`` intra-op torch threads, restored afterwards (None: leave torch alone)."""
    if threads is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
