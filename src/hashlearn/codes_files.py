"""What a codes file records besides the codes: code length, bit order, model fingerprint.

* ``CODES.npy`` (packed ``uint8``) has the sidecar ``CODES.npy.json`` beside it:
  ``{"n_bits": 12, "bit_order": "lsb", "model_fingerprint": "..."}``;
* ``CODES.parquet`` (``id`` and ``code`` columns) has the file metadata keys
  ``hashlearn.n_bits`` and ``hashlearn.model_fingerprint``.

The fingerprint (:mod:`hashlearn.fingerprint`) is absent for codes whose model
is unknown. The command line and :func:`hashlearn.scale.encode_to_memmap` write
these records; :func:`read_codes_info` reads them back.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "codes.npy"
>>> _ = write_sidecar(path, 12, "0123456789abcdef")
>>> read_codes_info(path)
CodesInfo(n_bits=12, model_fingerprint='0123456789abcdef')
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hashlearn._io import atomic_write_json

__all__ = [
    "CodesInfo",
    "info_from_parquet_metadata",
    "parquet_metadata",
    "read_codes_info",
    "read_sidecar",
    "sidecar_path",
    "write_sidecar",
]

N_BITS_KEY = b"hashlearn.n_bits"
FINGERPRINT_KEY = b"hashlearn.model_fingerprint"


@dataclass(frozen=True)
class CodesInfo:
    """The record of a codes file: code length and model fingerprint (None: unknown)."""

    n_bits: int | None = None
    model_fingerprint: str | None = None


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """The JSON file beside a ``.npy`` codes file.

    >>> sidecar_path("db_codes.npy").name
    'db_codes.npy.json'
    """
    path = Path(path)
    return path.with_name(path.name + ".json")


def write_sidecar(
    path: str | os.PathLike[str], n_bits: int, model_fingerprint: str | None = None
) -> Path:
    """Write the sidecar of the ``.npy`` codes file ``path`` (atomically); return its path."""
    record: dict[str, object] = {"n_bits": int(n_bits), "bit_order": "lsb"}
    if model_fingerprint is not None:
        record["model_fingerprint"] = model_fingerprint
    out = sidecar_path(path)
    atomic_write_json(out, record)
    return out


def read_sidecar(path: str | os.PathLike[str]) -> CodesInfo:
    """The record beside the ``.npy`` codes file ``path``; empty when there is no sidecar."""
    side = sidecar_path(path)
    if not side.is_file():
        return CodesInfo()
    try:
        record = json.loads(side.read_text())
        n_bits = record["n_bits"]
    except (ValueError, KeyError, TypeError):
        raise ValueError(
            f"{side} is not a codes sidecar (JSON with an integer 'n_bits'); "
            "fix or delete it (without it the codes count as 8 bits per byte)"
        ) from None
    if isinstance(n_bits, bool) or not isinstance(n_bits, int):
        raise ValueError(f"{side}: 'n_bits' must be an integer, got {n_bits!r}")
    return CodesInfo(n_bits, record.get("model_fingerprint"))


def parquet_metadata(n_bits: int, model_fingerprint: str | None = None) -> dict[bytes, bytes]:
    """The file metadata of a ``.parquet`` codes file.

    >>> parquet_metadata(12)
    {b'hashlearn.n_bits': b'12'}
    """
    metadata = {N_BITS_KEY: str(int(n_bits)).encode()}
    if model_fingerprint is not None:
        metadata[FINGERPRINT_KEY] = model_fingerprint.encode()
    return metadata


def info_from_parquet_metadata(metadata: Mapping[bytes, bytes] | None) -> CodesInfo:
    """Inverse of :func:`parquet_metadata` (keys that are absent give None).

    >>> info_from_parquet_metadata({b"hashlearn.n_bits": b"12"})
    CodesInfo(n_bits=12, model_fingerprint=None)
    """
    metadata = metadata or {}
    n_bits = int(metadata[N_BITS_KEY]) if N_BITS_KEY in metadata else None
    fingerprint = metadata[FINGERPRINT_KEY].decode() if FINGERPRINT_KEY in metadata else None
    return CodesInfo(n_bits, fingerprint)


def read_codes_info(path: str | os.PathLike[str]) -> CodesInfo:
    """The record of a ``.npy`` (its sidecar) or ``.parquet`` (its metadata) codes file."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return info_from_parquet_metadata(pq.read_schema(path).metadata)
    if path.suffix.lower() == ".npy":
        return read_sidecar(path)
    raise ValueError(f"codes must be a .npy or .parquet file, got {path.name!r}")
