"""Bit-level primitives: popcount, packed codes as machine words, Hamming distances.

The one home of these for the whole library: :mod:`hashlearn.codes`, the
index, the metrics and the out-of-core evaluation all use them.

* :func:`popcount_table`: the set bits of each byte value (numpy);
* :func:`njit_popcount`: the LLVM ``ctpop`` intrinsic, called from numba
  kernels, where it compiles to one instruction inside their loops;
* :func:`to_words`: packed ``uint8`` rows as rows of unsigned words (zero
  padded, so Hamming distances are unchanged);
* :func:`hamming_distance`: pairwise distances between two sets of packed codes.

numba is imported by the first call of :func:`njit_popcount`, never by
importing this module, so code that only packs bits stays light.

>>> import numpy as np
>>> to_words(np.array([[255, 1]], np.uint8), np.uint16).tolist()
[[511]]
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from hashlearn._validation import check_packed

__all__ = ["hamming_distance", "njit_popcount", "popcount_table", "to_words"]

_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def popcount_table() -> np.ndarray:
    """Number of set bits of each byte value 0..255 (a copy).

    >>> int(popcount_table()[255])
    8
    """
    return _POPCOUNT8.copy()


@cache
def njit_popcount() -> Any:
    """The popcount of numba kernels: set bits of an unsigned integer, of the same type.

    A numba intrinsic (LLVM ``ctpop``), always inlined where a kernel calls it::

        popcount = njit_popcount()

        @njit
        def distance(a, b):
            return np.int64(popcount(a ^ b))

    >>> from numba import njit
    >>> popcount = njit_popcount()
    >>> int(njit(lambda x: popcount(x))(np.uint64(0b1011)))
    3
    """
    from numba.core import types
    from numba.extending import intrinsic

    @intrinsic
    def popcount(typingctx: Any, x: Any) -> Any:
        if not isinstance(x, types.Integer):
            return None

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            fn = builder.module.declare_intrinsic("llvm.ctpop", [args[0].type])
            return builder.call(fn, args)

        return x(x), codegen

    return popcount


def to_words(codes: np.ndarray, word: type = np.uint64) -> np.ndarray:
    """Packed ``uint8`` rows -> rows of unsigned ``word`` (a C-contiguous copy).

    Each row is padded with zero bytes to a whole number of words (at least
    one), so the popcount of ``a ^ b`` over the words is the Hamming distance.
    The words are in native byte order: ``words.view(np.uint8)`` gives the
    padded bytes back.

    >>> to_words(np.array([[1, 2]], np.uint8)).tolist()
    [[513]]
    """
    size = np.dtype(word).itemsize
    n, n_bytes = codes.shape
    out = np.zeros((n, max(1, -(-n_bytes // size)) * size), dtype=np.uint8)
    out[:, :n_bytes] = codes
    return out.view(word)


def hamming_distance(a: Any, b: Any, n_bits: int | None = None) -> np.ndarray:
    """Pairwise Hamming distances between two sets of packed codes.

    Parameters
    ----------
    a, b : uint8 arrays of shape (n_a, n_bytes) and (n_b, n_bytes).
    n_bits : optional; defaults to ``8 * n_bytes``. Checks the padding bits.

    Returns
    -------
    (n_a, n_b) int32 matrix of distances.

    >>> a = np.array([[0b011]], np.uint8)
    >>> b = np.array([[0b010], [0b011]], np.uint8)
    >>> hamming_distance(a, b, n_bits=3).tolist()
    [[1, 0]]
    """
    if n_bits is None:
        if not isinstance(a, np.ndarray) or a.ndim != 2:
            raise ValueError("a must be a 2-D packed uint8 array")
        n_bits = 8 * a.shape[1]
    a = check_packed(a, n_bits, name="a")
    b = check_packed(b, n_bits, name="b")
    out = np.zeros((a.shape[0], b.shape[0]), dtype=np.int32)
    for byte in range(a.shape[1]):
        out += _POPCOUNT8[a[:, byte, None] ^ b[None, :, byte]]
    return out
