"""Export codes to serving engines (PostgreSQL + pgvector, Milvus) and deep encoders to ONNX.

See docs/export.md.
"""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.export.milvus import export_codes_milvus, search_codes_milvus
    from hashlearn.export.onnx import export_onnx, verify_onnx
    from hashlearn.export.pgvector import codes_to_bitstrings, export_codes, search_codes

__all__ = [
    "codes_to_bitstrings",
    "export_codes",
    "export_codes_milvus",
    "export_onnx",
    "search_codes",
    "search_codes_milvus",
    "verify_onnx",
]

__getattr__, __dir__ = attach(__name__, __file__)
