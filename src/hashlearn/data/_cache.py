"""Checksummed array cache: ``name.npy`` plus ``name.json`` holding its sha256.

A cache entry is used only when the sidecar exists, its ``key`` matches and the
file's sha256 equals the recorded one; anything else (missing, truncated,
tampered, stale) is reported as a miss so the caller rebuilds it.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_write, atomic_write_json, sha256_file


def save_array(path: Path, array: np.ndarray, key: dict[str, Any]) -> None:
    """Write ``array`` to ``path`` (.npy) atomically with a checksum sidecar."""
    with atomic_write(path, "wb") as handle:
        np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
    meta = {"key": key, "sha256": sha256_file(path), "shape": list(array.shape)}
    meta["dtype"] = str(array.dtype)
    atomic_write_json(path.with_suffix(".json"), meta)


def load_array(path: Path, key: dict[str, Any], mmap: bool = False) -> np.ndarray | None:
    """Return the cached array, or None when absent, stale or corrupt.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.npy"
    >>> save_array(p, np.arange(3), {"v": 1})
    >>> load_array(p, {"v": 1}).tolist(), load_array(p, {"v": 2})
    ([0, 1, 2], None)
    """
    side = path.with_suffix(".json")
    if not path.exists() or not side.exists():
        return None
    try:
        meta = json.loads(side.read_text())
        if meta.get("key") != json.loads(json.dumps(key)):
            return None
        if sha256_file(path) != meta.get("sha256"):
            warnings.warn(
                f"cache file {path} is corrupt (checksum mismatch); rebuilding",
                RuntimeWarning,
                stacklevel=3,
            )
            return None
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (OSError, ValueError) as err:
        warnings.warn(
            f"cache file {path} unreadable ({err}); rebuilding", RuntimeWarning, stacklevel=3
        )
        return None
