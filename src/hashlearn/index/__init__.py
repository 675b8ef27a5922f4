"""Hamming index: exact flat search, radius search and multi-index hashing.

Codes are packed ``uint8`` (``hashlearn.codes.pack_bits``), the bit order faiss
uses, so :func:`to_faiss` / :func:`from_faiss` move them without conversion.

>>> import numpy as np
>>> from hashlearn.index import FlatIndex
>>> index = FlatIndex(16)
>>> index.add(np.array([[1, 0], [3, 0]], np.uint8))
>>> index.search(np.array([[3, 0]], np.uint8), k=1)[1].tolist()
[[1]]
"""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.index.faiss_interop import from_faiss, to_faiss
    from hashlearn.index.flat import FlatIndex, split_ids
    from hashlearn.index.io import IndexFileError, load_index
    from hashlearn.index.mih import MultiIndexHashing

__all__ = [
    "FlatIndex",
    "IndexFileError",
    "MultiIndexHashing",
    "from_faiss",
    "load_index",
    "split_ids",
    "to_faiss",
]

__getattr__, __dir__ = attach(__name__, __file__)
