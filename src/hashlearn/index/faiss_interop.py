"""Move indexes to and from faiss's binary indexes (optional dependency ``faiss-cpu``).

Codes need no conversion: hashlearn packs bits as faiss does (bit ``j`` of byte
``i`` is dimension ``8 i + j``). faiss counts dimensions in whole bytes, so a
code of ``n_bits`` that is not a multiple of 8 becomes a faiss index of
``8 * ceil(n_bits / 8)`` dimensions whose spare bits are zero: distances are
unchanged. Note that faiss's ``range_search(x, radius)`` keeps distances
``< radius`` where ours keeps ``<= radius``.

>>> import numpy as np
>>> from hashlearn.index import FlatIndex, to_faiss, from_faiss
>>> index = FlatIndex(12); index.add(np.array([[1, 0], [255, 15]], np.uint8))
>>> from_faiss(to_faiss(index), n_bits=12).codes().tolist()  # doctest: +SKIP
[[1, 0], [255, 15]]
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from hashlearn.index.flat import FlatIndex
from hashlearn.index.mih import MultiIndexHashing

__all__ = ["from_faiss", "import_faiss", "to_faiss"]


def import_faiss() -> ModuleType:
    """Import faiss, or explain how to install it."""
    try:
        import faiss
    except ImportError:
        raise ImportError(
            "faiss is not installed; install the optional extra: pip install 'hashlearn[faiss]' "
            "(or pip install faiss-cpu)"
        ) from None
    return faiss


def to_faiss(index: FlatIndex, kind: str = "flat") -> Any:
    """A faiss index holding the same codes and ids.

    Parameters
    ----------
    index : a :class:`FlatIndex` or :class:`MultiIndexHashing`.
    kind : ``"flat"`` gives ``IndexBinaryFlat`` (wrapped in ``IndexBinaryIDMap2``
        when the ids are not ``0..ntotal-1``); ``"multihash"`` gives
        ``IndexBinaryMultiHash`` with the same number of tables (``m``) and
        ``n_bits // m`` bits per table (faiss uses the leading bits of each
        substring; its ``nflip`` probing is approximate).
    """
    faiss = import_faiss()
    d = 8 * index.n_bytes
    codes = index.codes()
    if kind == "flat":
        inner = faiss.IndexBinaryFlat(d)
    elif kind == "multihash":
        m = index.m if isinstance(index, MultiIndexHashing) else max(1, d // 24)
        inner = faiss.IndexBinaryMultiHash(d, m, min(64, index.n_bits // m))
    else:
        raise ValueError(f"kind must be 'flat' or 'multihash', got {kind!r}")
    if index.explicit_ids is None:
        inner.add(codes)
        return inner
    wrapped = faiss.IndexBinaryIDMap2(inner)
    wrapped.add_with_ids(codes, index.ids())
    return wrapped


def from_faiss(faiss_index: Any, n_bits: int | None = None) -> FlatIndex:
    """A :class:`FlatIndex` from a faiss ``IndexBinaryFlat``, ``IndexBinaryMultiHash``
    or an ``IndexBinaryIDMap``/``IDMap2`` around either.

    ``n_bits`` defaults to the faiss dimension ``d``; a smaller value requires
    the spare bits to be zero.
    """
    faiss = import_faiss()
    ids, inner = None, faiss_index  # keep ``faiss_index`` alive: it may own ``inner``
    if isinstance(inner, (faiss.IndexBinaryIDMap, faiss.IndexBinaryIDMap2)):
        ids = faiss.vector_to_array(inner.id_map).astype(np.int64)
        inner = faiss.downcast_IndexBinary(inner.index)
    if isinstance(inner, faiss.IndexBinaryMultiHash):
        inner = inner.storage
    if not isinstance(inner, faiss.IndexBinaryFlat):
        raise TypeError(
            "faiss_index must be an IndexBinaryFlat, IndexBinaryMultiHash or an IDMap around "
            f"one, got {type(inner).__name__}"
        )
    d = inner.d
    codes = faiss.vector_to_array(inner.xb).reshape(inner.ntotal, d // 8)
    index = FlatIndex(d if n_bits is None else n_bits)
    index.add(codes, ids=ids)
    return index
