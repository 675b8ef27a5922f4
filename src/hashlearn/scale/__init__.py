"""Out-of-core tools: chunked encoding to memory-mapped codes, chunked evaluation.

>>> from hashlearn.scale import encode_to_memmap, open_codes, streaming_map
"""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.scale.evaluate import evaluate_in_chunks, streaming_map
    from hashlearn.scale.memmap import encode_to_memmap, open_codes

__all__ = ["encode_to_memmap", "evaluate_in_chunks", "open_codes", "streaming_map"]

__getattr__, __dir__ = attach(__name__, __file__)
