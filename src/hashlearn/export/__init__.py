"""Export binary codes to serving engines (PostgreSQL + pgvector; see docs/export.md)."""

from hashlearn.export.pgvector import codes_to_bitstrings, export_codes, search_codes

__all__ = ["codes_to_bitstrings", "export_codes", "search_codes"]
