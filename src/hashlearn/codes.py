"""Binary codes: binarize, pack/unpack bits, Hamming distances.

One code format for the whole library: packed ``uint8``
of shape ``(n, ceil(n_bits / 8))``, bit ``j`` of byte ``i`` is dimension
``8 * i + j`` (least significant bit first, as faiss packs), and bit = 1 where
the real-valued output is ``>= 0``.

>>> import numpy as np
>>> packed = pack_bits(binarize(np.array([[0.5, -1.0, 0.0]])))
>>> packed.tolist(), unpack_bits(packed, 3).tolist()
([[5]], [[1, 0, 1]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._validation import check_n_bits, check_packed

__all__ = [
    "binarize",
    "from_signed",
    "hamming_distance",
    "pack_bits",
    "popcount_table",
    "to_signed",
    "unpack_bits",
]

_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def popcount_table() -> np.ndarray:
    """Number of set bits of each byte value 0..255 (a copy).

    >>> int(popcount_table()[255])
    8
    """
    return _POPCOUNT8.copy()


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


def hamming_distance(a: Any, b: Any, n_bits: int | None = None) -> np.ndarray:
    """Pairwise Hamming distances between two sets of packed codes.

    Parameters
    ----------
    a, b : uint8 arrays of shape (n_a, n_bytes) and (n_b, n_bytes).
    n_bits : optional; defaults to ``8 * n_bytes``. Checks the padding bits.

    Returns
    -------
    (n_a, n_b) int32 matrix of distances.

    >>> a = pack_bits(np.array([[1, 1, 0]]))
    >>> b = pack_bits(np.array([[0, 1, 0], [1, 1, 0]]))
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
