"""Index files: one self-checking binary file per index, written atomically.

Layout (little endian)::

    magic  b"HLINDEX\\0"          8 bytes
    format version               uint32 (currently 1)
    header length                uint32
    header                       UTF-8 JSON: kind, n_bits, n_bytes, ntotal, has_ids, n_tables,
                                 model_fingerprint, names_bytes
    codes                        ntotal * n_bytes bytes (packed, hashlearn/faiss bit order)
    ids                          ntotal * int64 (only when has_ids)
    names                        names_bytes bytes: UTF-8 JSON list of the items' names
                                 (only when the items have names)
    sha256                       32 bytes, digest of everything before it

Hash tables are not stored: :class:`MultiIndexHashing` rebuilds them at the first search.
``model_fingerprint`` (the model that made the codes, or null) and ``names_bytes``
are absent from the files of earlier versions, which read as null and 0.

This module knows the file format only: it reads an index through its public
accessors, and imports the class of a file's ``kind`` (``INDEX_KINDS``) when it
reads one, so that the index classes import this module and not the reverse.

>>> import numpy as np, tempfile, pathlib
>>> from hashlearn.index import FlatIndex, load_index
>>> index = FlatIndex(16); index.add(np.arange(6, dtype=np.uint8).reshape(3, 2))
>>> path = pathlib.Path(tempfile.mkdtemp()) / "codes.hlidx"
>>> index.save(path)
>>> load_index(path).search(np.array([[2, 3]], np.uint8), k=1)[1].tolist()
[[1]]
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hashlearn._io import atomic_write

if TYPE_CHECKING:
    from hashlearn.index.flat import FlatIndex

__all__ = ["FORMAT_VERSION", "INDEX_KINDS", "IndexFileError", "load_index", "save_index"]

#: The index class of each ``kind`` of file: (module, class, header fields its
#: constructor takes besides ``n_bits`` and ``model_fingerprint``).
INDEX_KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "flat": ("hashlearn.index.flat", "FlatIndex", ()),
    "mih": ("hashlearn.index.mih", "MultiIndexHashing", ("n_tables",)),
}

MAGIC = b"HLINDEX\0"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sII")
_DIGEST = 32
_CHUNK_ROWS = 1 << 20


class IndexFileError(ValueError):
    """An index file that is not one, is truncated, corrupted or of an unknown version."""


def _names_block(index: FlatIndex) -> bytes:
    return json.dumps(index.names().tolist()).encode() if index.has_names else b""


def _header(index: FlatIndex, names_bytes: int) -> bytes:
    meta: dict[str, Any] = {
        "kind": index.kind,
        "n_bits": index.n_bits,
        "n_bytes": index.n_bytes,
        "ntotal": index.ntotal,
        "has_ids": index.explicit_ids is not None,
        "n_tables": getattr(index, "n_tables", None),
        "bit_order": "lsb-first (faiss)",
        "model_fingerprint": index.model_fingerprint,
        "names_bytes": names_bytes,
    }
    return json.dumps(meta, sort_keys=True).encode()


def save_index(index: FlatIndex, path: str | os.PathLike[str]) -> None:
    """Write ``index`` to ``path`` (temporary file, then rename)."""
    names = _names_block(index)
    header = _header(index, len(names))
    digest = hashlib.sha256()
    with atomic_write(path, "wb") as handle:

        def put(block: bytes | memoryview) -> None:
            digest.update(block)
            handle.write(block)

        put(_PREFIX.pack(MAGIC, FORMAT_VERSION, len(header)))
        put(header)
        codes = index.codes_view()
        for start in range(0, index.ntotal, _CHUNK_ROWS):
            put(np.ascontiguousarray(codes[start : start + _CHUNK_ROWS]).tobytes())
        ids = index.explicit_ids
        if ids is not None:
            put(ids.astype("<i8").tobytes())
        put(names)
        handle.write(digest.digest())


_HEADER_FIELDS = ("kind", "n_bits", "n_bytes", "ntotal", "has_ids")


def _parse(data: bytes, path: Path) -> tuple[dict[str, Any], memoryview]:
    if len(data) < _PREFIX.size + _DIGEST or data[:8] != MAGIC:
        raise IndexFileError(f"{path} is not a hashlearn index file (bad magic or too short)")
    _, version, header_len = _PREFIX.unpack_from(data)
    if version != FORMAT_VERSION:
        raise IndexFileError(
            f"{path} has index format version {version}; this hashlearn reads {FORMAT_VERSION}"
        )
    body_end = len(data) - _DIGEST
    if hashlib.sha256(data[:body_end]).digest() != data[body_end:]:
        raise IndexFileError(f"{path} is corrupted or truncated (sha256 checksum mismatch)")
    try:
        meta = json.loads(data[_PREFIX.size : _PREFIX.size + header_len])
    except ValueError as exc:
        raise IndexFileError(f"{path} has an unreadable header: {exc}") from None
    if not isinstance(meta, dict):
        raise IndexFileError(f"{path}: header is not a JSON object")
    missing = [k for k in _HEADER_FIELDS if k not in meta]
    if missing:
        raise IndexFileError(f"{path}: header lacks the field(s) {', '.join(missing)}")
    payload = memoryview(data)[_PREFIX.size + header_len : body_end]
    rows_bytes = meta["ntotal"] * (meta["n_bytes"] + (8 if meta["has_ids"] else 0))
    expected = rows_bytes + meta.get("names_bytes", 0)
    if len(payload) != expected:
        raise IndexFileError(f"{path}: payload has {len(payload)} bytes, header says {expected}")
    return meta, payload


def load_index(path: str | os.PathLike[str]) -> FlatIndex:
    """Read an index written by ``save`` (a :class:`FlatIndex` or :class:`MultiIndexHashing`).

    Raises :class:`IndexFileError` (a ``ValueError``) when the path is a folder
    or the file is not an index, is truncated or corrupted, or has an unknown
    format version.
    """
    path = Path(path)
    if path.is_dir():
        raise IndexFileError(_folder_message(path))
    meta, payload = _parse(path.read_bytes(), path)
    n, n_bytes = meta["ntotal"], meta["n_bytes"]
    index = _new_index(meta, path)
    codes = np.frombuffer(payload, np.uint8, n * n_bytes).reshape(n, n_bytes)
    ids = np.frombuffer(payload, "<i8", n, offset=n * n_bytes) if meta["has_ids"] else None
    names_start = n * (n_bytes + (8 if meta["has_ids"] else 0))
    names = json.loads(bytes(payload[names_start:])) if meta.get("names_bytes") else None
    index.add(codes, ids=None if ids is None else ids.astype(np.int64), names=names)
    return index


def _new_index(meta: dict[str, Any], path: Path) -> FlatIndex:
    """An empty index of the file's ``kind``, with the options of its header."""
    if meta["kind"] not in INDEX_KINDS:
        raise IndexFileError(f"{path}: unknown index kind {meta['kind']!r}")
    module, name, options = INDEX_KINDS[meta["kind"]]
    cls = getattr(importlib.import_module(module), name)
    extra = {option: meta[option] for option in options}
    index: FlatIndex = cls(meta["n_bits"], model_fingerprint=meta.get("model_fingerprint"), **extra)
    return index


def _folder_message(path: Path) -> str:
    """What to do when a folder is given where an index file is expected."""
    from hashlearn.persistence import CONFIG_NAME

    if (path / CONFIG_NAME).is_file():
        return (
            f"{path} is a model folder, not an index file; build an index first: "
            f"hashlearn encode {path} --data DATABASE --out db_codes.npy, then "
            "hashlearn index build db_codes.npy --out db.index "
            "(in Python: index.add(model.encode(X)); index.save(path))"
        )
    return f"{path} is a folder, not an index file; give the file written by index.save(path)"
