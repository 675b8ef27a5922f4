"""Out-of-core tools: chunked encoding to memory-mapped codes, chunked evaluation,
and the same over database shards on a Dask cluster (:mod:`hashlearn.scale.distributed`).

>>> from hashlearn.scale import encode_to_memmap, open_codes, streaming_map
"""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.scale.distributed import encode_shards, evaluate_shards, search_shards
    from hashlearn.scale.evaluate import evaluate_in_chunks, streaming_map
    from hashlearn.scale.memmap import encode_to_memmap, open_codes

__all__ = [
    "encode_shards",
    "encode_to_memmap",
    "evaluate_in_chunks",
    "evaluate_shards",
    "open_codes",
    "search_shards",
    "streaming_map",
]

__getattr__, __dir__ = attach(__name__, __file__)
