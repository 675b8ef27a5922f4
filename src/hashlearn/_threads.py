"""Keeping torch's thread count when numba starts its thread pool."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def torch_threads_kept() -> Iterator[None]:
    """Restore torch's intra-op thread count at the end of the block.

    numba's OpenMP threading layer sets the process-wide OpenMP thread count to
    its own (``NUMBA_NUM_THREADS``, every core by default) when its pool starts,
    the first time an mAP or a search runs in parallel. torch reads the same
    setting, so a training run limited to one thread (``OMP_NUM_THREADS=1`` or
    ``torch.set_num_threads(1)``) would go on with every core after its first
    validation mAP. Without torch imported this does nothing.

    >>> with torch_threads_kept():
    ...     pass
    """
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    try:
        yield
    finally:
        if torch is not None and torch.get_num_threads() != before:
            torch.set_num_threads(before)
