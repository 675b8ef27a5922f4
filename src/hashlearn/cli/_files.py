"""Reading feature, label and code files for the command line.

Features: .npy, .npz (first array, or ``X``/``features``), .csv (numbers, no
header needed), .parquet (numeric columns; an ``id`` column becomes the ids) and
image folders ``<folder>/<class>/*.png|jpg`` (labels from the class folders).
Codes: .npy (packed uint8) or .parquet (``id`` and fixed-width binary ``code``
columns; ``n_bits`` in the file's metadata).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hashlearn._io import atomic_write
from hashlearn._validation import check_features, check_packed
from hashlearn.codes_files import (
    info_from_parquet_metadata,
    parquet_metadata,
    read_sidecar,
    write_sidecar,
)

FEATURE_SUFFIXES = (".npy", ".npz", ".csv", ".parquet")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".pgm")


@dataclass
class Table:
    """Rows read from a file: values, optional ids, optional labels."""

    values: np.ndarray
    ids: np.ndarray | None = None
    labels: np.ndarray | None = None


def _existing(path: str | Path, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise ValueError(f"{what}: no such file or folder: {p}")
    return p


def load_numpy(p: Path, what: str, **options: Any) -> Any:
    """``np.load`` without pickles; a file that is not in numpy's format gets one clear error."""
    try:
        return np.load(p, allow_pickle=False, **options)
    except (ValueError, EOFError):
        raise ValueError(
            f"{what}: {p.name} is not a valid {p.suffix} array file; "
            "write arrays with numpy.save (.npy) or numpy.savez (.npz)"
        ) from None


def read_features(path: str | Path, what: str = "--data") -> Table:
    """Read a feature matrix (n_samples, n_features) from a file or an image folder."""
    p = _existing(path, what)
    if p.is_dir():
        return _read_image_folder(p, what)
    suffix = p.suffix.lower()
    if suffix == ".npy":
        table = Table(load_numpy(p, what))
    elif suffix == ".npz":
        table = Table(_npz_array(p, ("X", "features", "data"), what))
    elif suffix == ".csv":
        table = Table(np.loadtxt(p, delimiter=",", ndmin=2, comments="#"))
    elif suffix == ".parquet":
        table = _read_parquet_features(p)
    else:
        raise ValueError(
            f"{what}: unsupported file type {p.suffix!r}; expected one of "
            f"{', '.join(FEATURE_SUFFIXES)} or an image folder"
        )
    table.values = check_features(table.values, name=f"{what} {p.name}")
    return table


def _npz_array(p: Path, names: tuple[str, ...], what: str) -> np.ndarray:
    with load_numpy(p, what) as archive:
        keys = list(archive.keys())
        if not keys:
            raise ValueError(f"{what}: {p} holds no arrays")
        key = next((k for k in names if k in keys), keys[0])
        return archive[key]


def _read_parquet_features(p: Path) -> Table:
    import pyarrow.parquet as pq

    table = pq.read_table(p)
    columns = {name: table.column(name).to_numpy() for name in table.column_names}
    ids = columns.pop("id", None)
    labels = columns.pop("label", None)
    if not columns:
        raise ValueError(f"{p}: no feature columns besides 'id' and 'label'")
    values = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns.values()])
    return Table(values, ids, labels)


def read_images(path: str | Path, what: str = "--data") -> Table:
    """Read uint8 RGB images (N, H, W, 3) from an image folder or a .npy/.npz array.

    Folder images are converted to RGB (grey files get three equal channels) and
    must share one size; labels come from the class folders, ids are the paths.
    """
    p = _existing(path, what)
    if not p.is_dir():
        values = load_numpy(p, what) if p.suffix.lower() == ".npy" else None
        if values is None and p.suffix.lower() == ".npz":
            values = _npz_array(p, ("X", "images", "data"), what)
        if values is None or values.dtype != np.uint8 or values.ndim != 4:
            raise ValueError(
                f"{what}: expected an image folder or a uint8 (N, H, W, 3) .npy/.npz array, "
                f"got {p.name}"
            )
        return Table(values)
    from PIL import Image

    def rgb(f: Path) -> np.ndarray:
        with Image.open(f) as image:
            return np.asarray(image.convert("RGB"), dtype=np.uint8)

    return _read_folder(p, what, rgb)


def is_image_input(path: str | Path) -> bool:
    """True for a folder, or a .npy file holding a 4-D uint8 array (read without loading it)."""
    p = Path(path)
    if p.is_dir():
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


def _folder_table(p: Path, files: list[Path], values: np.ndarray) -> Table:
    classes = sorted({f.parent.name for f in files})
    labels = np.array([classes.index(f.parent.name) for f in files], dtype=np.int64)
    ids = np.array([str(f.relative_to(p)) for f in files])
    return Table(values, ids, labels if len(classes) > 1 else None)


def _read_image_folder(p: Path, what: str) -> Table:
    from PIL import Image

    return _read_folder(
        p, what, lambda f: np.asarray(Image.open(f), dtype=np.float32).ravel() / 255.0
    )


def _read_folder(p: Path, what: str, read: Callable[[Path], np.ndarray]) -> Table:
    """``read`` every image below ``p`` (sorted paths); all must give one shape."""
    files = sorted(f for f in p.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"{what}: folder {p} holds no images ({', '.join(IMAGE_SUFFIXES)})")
    rows = [read(f) for f in files]
    if len({r.shape for r in rows}) != 1:
        raise ValueError(f"{what}: images in {p} differ in size; resize them to one size first")
    return _folder_table(p, files, np.stack(rows))


def read_labels(path: str | Path, what: str = "--labels") -> np.ndarray:
    """Read labels: 1-D class labels or a 2-D 0/1 matrix (.npy, .npz, .csv, .parquet)."""
    p = _existing(path, what)
    suffix = p.suffix.lower()
    if suffix == ".npy":
        return load_numpy(p, what)
    if suffix == ".npz":
        return _npz_array(p, ("y", "labels"), what)
    if suffix == ".csv":
        arr = np.loadtxt(p, delimiter=",", ndmin=1, comments="#")
        return arr if arr.ndim == 1 or arr.shape[1] > 1 else arr[:, 0]
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(p)
        names = ["label"] if "label" in table.column_names else table.column_names
        return np.column_stack([table.column(n).to_numpy() for n in names]).squeeze()
    raise ValueError(
        f"{what}: unsupported file type {p.suffix!r}; expected .npy, .npz, .csv or .parquet"
    )


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
    p = _existing(path, what)
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
