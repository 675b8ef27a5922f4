"""Out-of-core encoding: features on disk -> packed codes on disk, in chunks.

The codes file is a standard ``.npy`` array of packed ``uint8`` codes (the
library's one code format) written sequentially through :func:`hashlearn._io.atomic_write`, so
a crash at any moment leaves the previous file (or none) under the final name,
never a truncated one. Only one chunk of features and codes is in memory at a time.
Beside it, ``CODES.npy.json`` records the code length and the model's fingerprint,
as for the command line's codes files (:mod:`hashlearn.codes_files`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from hashlearn._io import atomic_write
from hashlearn._validation import check_n_bits, check_positive_int, n_bytes_for
from hashlearn.codes_files import read_sidecar, write_sidecar

DEFAULT_CHUNK = 65536


class NpyRows:
    """Read row ranges of a 2-D ``.npy`` file with plain reads (no memory map).

    Only the rows asked for are ever in memory, and none stay resident after
    use (a memory map keeps the pages it touched in the process's RSS).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.npy"
    >>> np.save(path, np.arange(12.0).reshape(4, 3))
    >>> NpyRows(path)[1:3].tolist()
    [[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        with open(self.path, "rb") as handle:
            try:
                version = np.lib.format.read_magic(handle)
                read_header = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, fortran, dtype = read_header(handle)
            except ValueError as exc:
                raise ValueError(f"{self.path} is not a readable .npy file: {exc}") from None
            self.offset = handle.tell()
        if fortran or dtype.hasobject:
            raise ValueError(f"{self.path} must hold a C-ordered numeric array")
        self.shape, self.dtype = tuple(shape), dtype

    def __getitem__(self, rows: slice) -> np.ndarray:
        start, stop, step = rows.indices(self.shape[0])
        if step != 1:
            raise ValueError("NpyRows supports contiguous row ranges only")
        row_items = int(np.prod(self.shape[1:], dtype=np.int64))
        count = max(stop - start, 0) * row_items
        offset = self.offset + start * row_items * self.dtype.itemsize
        data = np.fromfile(self.path, dtype=self.dtype, count=count, offset=offset)
        return data.reshape((-1, *self.shape[1:]))


def _as_rows(features: Any) -> Any:
    """A 2-D sliceable array: a path to a ``.npy`` file is read by row ranges."""
    if isinstance(features, (str, os.PathLike)):
        features = NpyRows(features)
    if not hasattr(features, "shape") or not hasattr(features, "__getitem__"):
        raise TypeError(
            "features must be a 2-D array, a memory map or a path to a .npy file, "
            f"got {type(features).__name__}"
        )
    if len(features.shape) != 2:
        raise ValueError(f"features must be 2-D (n_samples, n_features), got {features.shape}")
    return features


def encode_to_memmap(
    model: Any,
    features: Any,
    out_path: str | os.PathLike[str],
    *,
    chunk: int = DEFAULT_CHUNK,
) -> np.memmap:
    """Encode ``features`` chunk by chunk into a ``.npy`` file of packed codes.

    Parameters
    ----------
    model : a fitted hasher (anything with ``encode`` and ``n_bits``).
    features : (n, d) array, ``np.memmap`` or path to a ``.npy`` file.
    out_path : the codes file to write (replaced atomically when complete), with
        its sidecar ``<name>.json`` recording ``n_bits`` and the model's fingerprint.
    chunk : rows encoded at a time; memory is O(chunk * d).

    Returns
    -------
    The codes, memory-mapped read-only, shape (n, ceil(n_bits / 8)).

    Examples
    --------
    >>> import hashlearn, tempfile, pathlib
    >>> X = np.random.default_rng(0).normal(size=(1000, 8)).astype(np.float32)
    >>> model = hashlearn.create("lsh", n_bits=12, random_state=0).fit(X)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "codes.npy"
    >>> codes = encode_to_memmap(model, X, path, chunk=300)
    >>> codes.shape, bool((codes == model.encode(X)).all())
    ((1000, 2), True)
    """
    chunk = check_positive_int(chunk, "chunk")
    rows = _as_rows(features)
    n_bytes = n_bytes_for(check_n_bits(model.n_bits, name="model.n_bits"))
    n = int(rows.shape[0])
    header = {"descr": "|u1", "fortran_order": False, "shape": (n, n_bytes)}
    with atomic_write(out_path, "wb") as handle:
        np.lib.format.write_array_header_2_0(handle, header)
        for start in range(0, n, chunk):
            codes = model.encode(np.asarray(rows[start : start + chunk]))
            if codes.shape != (min(chunk, n - start), n_bytes) or codes.dtype != np.uint8:
                raise ValueError(
                    f"model.encode returned {codes.dtype} {codes.shape} for a chunk at row "
                    f"{start}; expected uint8 codes with {n_bytes} bytes per row"
                )
            handle.write(np.ascontiguousarray(codes).tobytes())
    write_sidecar(out_path, int(model.n_bits), _fingerprint_or_none(model))
    return open_codes(out_path, n_bits=int(model.n_bits))


def _fingerprint_or_none(model: Any) -> str | None:
    """The fingerprint of a hashlearn model; None for another encoder."""
    from hashlearn.base import BaseHasher
    from hashlearn.fingerprint import model_fingerprint

    return model_fingerprint(model) if isinstance(model, BaseHasher) else None


def open_codes(path: str | os.PathLike[str], n_bits: int | None = None) -> np.memmap:
    """Memory-map a codes file written by :func:`encode_to_memmap` (read-only).

    ``n_bits`` defaults to the file's sidecar record, else 8 bits per byte.
    Raises a ``ValueError`` naming the file when it is not packed ``uint8`` codes
    of ``n_bits`` bits (truncated, other dtype, other code length).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "c.npy"
    >>> np.save(path, np.zeros((4, 2), np.uint8))
    >>> open_codes(path, n_bits=16).shape
    (4, 2)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"codes file {path} does not exist")
    try:
        codes = np.load(path, mmap_mode="r")
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"{path} is not a readable .npy codes file: {exc}") from None
    stored = read_sidecar(path).n_bits
    width = codes.shape[1] if codes.ndim == 2 else 1
    n_bits = check_n_bits(n_bits if n_bits is not None else stored or 8 * width)
    expected = n_bytes_for(n_bits)
    if codes.dtype != np.uint8 or codes.ndim != 2 or codes.shape[1] != expected:
        raise ValueError(
            f"{path} holds {codes.dtype} {codes.shape}; expected packed uint8 codes of "
            f"shape (n, {expected}) for n_bits={n_bits}"
        )
    if stored is not None and n_bits != stored:
        raise ValueError(f"{path} holds {stored}-bit codes (its sidecar), not n_bits={n_bits}")
    return codes
