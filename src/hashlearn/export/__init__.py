"""Export binary codes to serving engines (PostgreSQL + pgvector; see docs/export.md)."""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.export.pgvector import codes_to_bitstrings, export_codes, search_codes

__all__ = ["codes_to_bitstrings", "export_codes", "search_codes"]

__getattr__, __dir__ = attach(__name__, __file__)
