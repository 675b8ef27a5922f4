"""Binary codes: binarize, pack/unpack bits, Hamming distances.

One code format for the whole library: packed ``uint8``
of shape ``(n, ceil(n_bits / 8))``, bit ``j`` of byte ``i`` is dimension
``8 * i + j`` (least significant bit first, as faiss packs), and bit = 1 where
the real-valued output is ``>= 0``. :func:`hamming_distance` and
:func:`popcount_table` live in :mod:`hashlearn.bits` and are importable from here.

>>> import numpy as np
>>> packed = pack_bits(binarize(np.array([[0.5, -1.0, 0.0]])))
>>> packed.tolist(), unpack_bits(packed, 3).tolist()
([[5]], [[1, 0, 1]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._validation import check_n_bits, check_packed
from hashlearn.bits import hamming_distance, popcount_table

__all__ = [
    "binarize",
    "from_signed",
    "hamming_distance",
    "pack_bits",
    "popcount_table",
    "to_signed",
    "unpack_bits",
]


def binarize(x: Any) -> np.ndarray:
    """Real values to bits: 1 where ``x >= 0``, else 0 (uint8, same shape).

    Zero maps to 1, never to a third value as ``np.sign`` would.

    >>> binarize(np.array([-0.1, 0.0, 2.0])).tolist()
    [0, 1, 1]
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"x must be numeric, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError("x contains NaN: cannot decide the bit of a NaN value")
    return (arr >= 0).astype(np.uint8)


def _check_bits(bits: Any, name: str = "bits") -> np.ndarray:
    arr = np.asarray(bits)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n, n_bits), got shape {arr.shape}")
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{name} must be integer 0/1 values, got dtype {arr.dtype}")
    if arr.size and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must contain only 0 and 1 (use binarize() for real values)")
    if arr.shape[1] < 1:
        raise ValueError(f"{name} must have at least one column (bit), got shape {arr.shape}")
    return arr


def pack_bits(bits: Any) -> np.ndarray:
    """Pack a (n, n_bits) 0/1 matrix into (n, ceil(n_bits/8)) uint8, LSB first.

    >>> pack_bits(np.array([[1, 0, 0, 0, 0, 0, 0, 0, 1]])).tolist()
    [[1, 1]]
    """
    arr = _check_bits(bits)
    return np.packbits(arr.astype(np.uint8, copy=False), axis=1, bitorder="little")


def unpack_bits(packed: Any, n_bits: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: (n, ceil(n_bits/8)) uint8 -> (n, n_bits) 0/1 uint8.

    >>> unpack_bits(np.array([[3]], np.uint8), 4).tolist()
    [[1, 1, 0, 0]]
    """
    n_bits = check_n_bits(n_bits)
    codes = check_packed(packed, n_bits, name="packed")
    return np.unpackbits(codes, axis=1, count=n_bits, bitorder="little")


def to_signed(bits: Any) -> np.ndarray:
    """Map 0/1 bits to -1/+1 (int8).

    >>> to_signed(np.array([[0, 1]])).tolist()
    [[-1, 1]]
    """
    arr = _check_bits(bits)
    return (arr.astype(np.int8) * 2 - 1).astype(np.int8)


def from_signed(signed: Any) -> np.ndarray:
    """Map -1/+1 codes to 0/1 bits (uint8); 0 is rejected (its bit is undefined).

    >>> from_signed(np.array([[-1, 1]])).tolist()
    [[0, 1]]
    """
    arr = np.asarray(signed)
    if arr.ndim != 2:
        raise ValueError(f"signed must be 2-D (n, n_bits), got shape {arr.shape}")
    if arr.size and not np.all((arr == 1) | (arr == -1)):
        raise ValueError("signed must contain only -1 and +1; use binarize() for real values")
    return (arr > 0).astype(np.uint8)
