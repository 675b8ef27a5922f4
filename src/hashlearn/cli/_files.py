"""Reading feature, label and code files for the command line.

Features, labels and image folders are read by :mod:`hashlearn.data.files`
(one set of rules for Python and the command line, in its docstring): .npy,
.npz, .csv (numbers, optional header), .parquet (an ``id`` column gives the
ids, a ``label`` or ``y`` column the labels) and image folders
``<folder>/<class>/*.png|jpg`` (labels from the class folders). Errors name the
option (``--data``, ``--labels``) and the file, on one line.
Codes: .npy (packed uint8) or .parquet (``id`` and fixed-width binary ``code``
columns; ``n_bits`` in the file's metadata).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hashlearn._io import atomic_write
from hashlearn._validation import check_packed
from hashlearn.codes_files import (
    info_from_parquet_metadata,
    parquet_metadata,
    read_sidecar,
    write_sidecar,
)
from hashlearn.data.files import Table, image_table, load_numpy, read_array, read_table
from hashlearn.data.files import read_labels as read_label_file
from hashlearn.data.image_folder import existing_path, is_image_source

__all__ = [
    "Table",
    "is_image_input",
    "load_numpy",
    "read_codes",
    "read_features",
    "read_images",
    "read_labels",
    "read_model_input",
    "write_codes",
]

IMAGE_KEYS = ("X", "images", "data")


def read_features(path: str | Path, what: str = "--data") -> Table:
    """Read a feature matrix (n_samples, n_features) from a file or an image folder."""
    return read_table(path, what)


def read_labels(path: str | Path, what: str = "--labels") -> np.ndarray:
    """Read labels: 1-D class labels or a 2-D 0/1 matrix (.npy, .npz, .csv, .parquet)."""
    return read_label_file(path, what)


def read_images(path: str | Path, what: str = "--data") -> Table:
    """Read uint8 RGB images (N, H, W, 3) from an image folder or a .npy/.npz array.

    Folder images are converted to RGB (grey files get three equal channels) and
    must share one size; labels come from the class folders, ids are the paths.
    """
    if is_image_source(path):
        return image_table(path, what)
    p = existing_path(path, what)
    arrays = p.suffix.lower() in (".npy", ".npz")
    values = read_array(p, what, preferred=IMAGE_KEYS) if arrays else None
    if values is None or values.dtype != np.uint8 or values.ndim != 4:
        raise ValueError(
            f"{what}: expected an image folder or a uint8 (N, H, W, 3) .npy/.npz array, "
            f"got {p.name}"
        )
    return Table(values)


def is_image_input(path: str | Path) -> bool:
    """True for a folder or tar archive, or a .npy file holding a 4-D uint8 array
    (read without loading it)."""
    p = Path(path)
    if is_image_source(p):
        return True
    if p.suffix.lower() != ".npy" or not p.is_file():
        return False
    try:
        array = load_numpy(p, str(p), mmap_mode="r")
    except ValueError:
        return False
    return array.dtype == np.uint8 and array.ndim == 4


def read_model_input(model: object, path: str | Path, what: str = "--data") -> Table:
    """Rows for ``model``: images when it was trained on images, else feature vectors."""
    trained_on_images = getattr(model, "backbone_", "mlp") != "mlp"
    return read_images(path, what) if trained_on_images else read_features(path, what)


def write_codes(
    path: str | Path,
    codes: np.ndarray,
    n_bits: int,
    ids: Any = None,
    model_fingerprint: str | None = None,
) -> Path:
    """Write packed codes to .npy (+ ``<name>.json`` sidecar), or .parquet with ids.

    ``n_bits`` and the fingerprint of the model that made the codes travel with
    them (:mod:`hashlearn.codes_files`): in the sidecar JSON for .npy, in the
    file metadata for .parquet.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".npy":
        with atomic_write(p, "wb") as fh:
            np.save(fh, codes, allow_pickle=False)
        write_sidecar(p, n_bits, model_fingerprint)
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        ids = np.arange(len(codes)) if ids is None else np.asarray(ids)
        column = pa.array([row.tobytes() for row in codes], type=pa.binary(codes.shape[1]))
        table = pa.table({"id": ids, "code": column})
        table = table.replace_schema_metadata(parquet_metadata(n_bits, model_fingerprint))
        with atomic_write(p, "wb") as fh:
            pq.write_table(table, fh)
    else:
        raise ValueError(f"--out: codes go to a .npy or .parquet file, got {p.name!r}")
    return p


def read_codes(path: str | Path, n_bits: int | None = None, what: str = "codes") -> tuple:
    """Read packed codes; returns ``(codes, ids or None, n_bits)``.

    ``n_bits`` comes from the argument, else the file's record (sidecar JSON of a
    .npy, parquet metadata), else 8 x width.
    """
    p = existing_path(path, what)
    ids, stored = None, None
    if p.suffix.lower() == ".npy":
        codes = load_numpy(p, what)
        stored = read_sidecar(p).n_bits
    elif p.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(p)
        if "code" not in table.column_names:
            raise ValueError(f"{what}: {p} has no 'code' column; is it a codes file?")
        stored = info_from_parquet_metadata(table.schema.metadata).n_bits
        raw = table.column("code").to_pylist()
        codes = np.frombuffer(b"".join(raw), np.uint8).reshape(len(raw), -1)
        ids = table.column("id").to_numpy() if "id" in table.column_names else None
    else:
        raise ValueError(f"{what}: codes must be a .npy or .parquet file, got {p.name!r}")
    if codes.ndim != 2 or codes.dtype != np.uint8:
        raise ValueError(
            f"{what}: {p.name} does not hold packed uint8 codes (n, bytes); "
            f"got dtype {codes.dtype}, shape {codes.shape}"
        )
    if n_bits and stored and n_bits != stored:
        raise ValueError(f"{what}: {p.name} holds {stored}-bit codes, expected n_bits={n_bits}")
    bits = n_bits or stored or 8 * codes.shape[1]
    return check_packed(np.ascontiguousarray(codes), bits, name=f"{what} {p.name}"), ids, bits
