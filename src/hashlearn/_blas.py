"""One BLAS thread for fits whose matrix products are small.

OpenBLAS splits even small products over all its threads, and its idle threads
spin while they wait for the next product. A fit made of many small products
(KSH's greedy bits, ITQ's iterations on a few thousand rows) gains little from the
second core on a quiet machine and loses many times over on a busy one, where the
spinning threads compete with other work for the cores
(``benchmarks/blas_threads_bench.py``). Large fits keep every thread: there the
products are long enough that each thread computes instead of waiting.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Literal

import numpy as np
from threadpoolctl import ThreadpoolController

#: Inputs with fewer entries (rows x features) than this fit with one BLAS thread.
SMALL_FIT_ENTRIES = 2_000_000

#: How a method's fit sets its BLAS threads: by the input's size, or always one / all.
BlasPolicy = Literal["by_input_size", "one", "all"]


def entry_count(X: Any) -> int:
    """Rows x features of ``X`` (any array-like), without copying objects that have a shape.

    >>> entry_count(np.zeros((3, 4))), entry_count([[1, 2], [3, 4]])
    (12, 4)
    """
    shape = getattr(X, "shape", None)
    return int(np.prod(shape)) if shape is not None else int(np.asarray(X).size)


@functools.cache
def _controller() -> ThreadpoolController:
    """The thread pools loaded when the first fit runs, found once.

    ``threadpool_limits`` searches the loaded libraries on every call (0.8 ms, a
    quarter of an LSH fit on 200 rows); the controller keeps what it found
    (0.02 ms a limit). numpy's and scipy's BLAS, the ones the fits use, are
    loaded before any fit.
    """
    return ThreadpoolController()


def fit_blas_threads(
    X: Any, policy: BlasPolicy = "by_input_size"
) -> contextlib.AbstractContextManager:
    """A context that limits BLAS to one thread when the fit on ``X`` is small.

    ``policy``: ``"by_input_size"`` limits inputs under ``SMALL_FIT_ENTRIES``
    entries; ``"one"`` always limits (KSH, whose products are ``n_labeled`` x
    ``n_anchors`` whatever the input); ``"all"`` never does (SDH, whose products
    are ``n_samples`` x ``n_anchors`` even when the input is narrow).

    >>> with fit_blas_threads(np.zeros((10, 5))):
    ...     pass
    """
    small = policy == "by_input_size" and entry_count(X) < SMALL_FIT_ENTRIES
    if policy == "one" or small:
        return _controller().limit(limits=1, user_api="blas")
    return contextlib.nullcontext()
