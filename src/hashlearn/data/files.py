"""Generic user data: feature/label files, image folders, multi-label matrices.

Errors name the file and say what was expected.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np

from .download import DataFileError
from .paths import PathLike

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
SPLITS = ("train", "test")


def _decode(data: bytes, where: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            return np.asarray(img.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as err:
        raise DataFileError(f"{where}: not a readable image ({err})") from err


def member_bytes(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> bytes:
    """Content of one regular file inside an open tar archive."""
    handle = tar.extractfile(member)
    if handle is None:
        raise DataFileError(f"{path}: archive member {member.name!r} is not a regular file")
    return handle.read()


def _folder_key(parts: tuple[str, ...]) -> tuple[str, str] | None:
    """(split, class) of a path ``[prefix/]<split>/<class>/<file>`` or ``<class>/<file>``."""
    if len(parts) >= 3 and parts[-3] in SPLITS:
        return parts[-3], parts[-2]
    if len(parts) == 2:
        return "", parts[0]
    return None


def _image_entries(path: Path) -> list[tuple[tuple[str, str, str], bytes]]:
    entries = []
    if path.is_dir():
        for f in path.rglob("*"):
            key = _folder_key(f.relative_to(path).parts)
            if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES and key:
                entries.append(((*key, f.name), f.read_bytes()))
        return entries
    try:
        with tarfile.open(path, "r:*") as tar:
            for m in tar:
                key = _folder_key(tuple(Path(m.name).parts))
                if m.isfile() and Path(m.name).suffix.lower() in IMAGE_SUFFIXES and key:
                    entries.append(((*key, Path(m.name).name), member_bytes(tar, m, path)))
    except (tarfile.TarError, OSError, EOFError) as err:
        raise DataFileError(f"{path}: not a readable tar archive ({err})") from err
    return entries


def load_image_folder(path: PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Read ``<split>/<class>/<image>`` (or ``<class>/<image>``) from a folder or tar(.gz).

    Order is deterministic: split ``train`` first, then ``test``, then class
    name, then file name. All images must share one size.

    Returns
    -------
    images : uint8 (N, H, W, 3); labels : int64 (N,) indices into ``class_names``;
    is_train : bool (N,) (all True without split folders); class_names : sorted names.

    Examples
    --------
    >>> imgs, y, is_train, names = load_image_folder("my_images/")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: image folder or tar archive not found")
    entries = _image_entries(path)
    if not entries:
        raise DataFileError(
            f"{path}: no images found; expected <split>/<class>/<image> (split train or test) "
            f"or <class>/<image> with suffix in {IMAGE_SUFFIXES}"
        )
    split_rank = {"train": 0, "": 0, "test": 1}
    entries.sort(key=lambda e: (split_rank[e[0][0]], e[0][1], e[0][2]))
    names = tuple(sorted({e[0][1] for e in entries}))
    images = [_decode(data, f"{path}:{'/'.join(k)}") for k, data in entries]
    if len({im.shape for im in images}) != 1:
        raise DataFileError(f"{path}: images have different sizes; resize them to one size first")
    labels = np.array([names.index(k[1]) for k, _ in entries], dtype=np.int64)
    is_train = np.array([k[0] != "test" for k, _ in entries])
    return np.stack(images), labels, is_train, names


def _table(path: Path) -> tuple[np.ndarray, list[str]]:
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError as err:
            raise ImportError(f"{path}: reading parquet needs `pip install pyarrow`") from err
        table = pq.read_table(path)
        cols = table.column_names
        return np.column_stack([table.column(c).to_numpy() for c in cols]), cols
    with open(path, encoding="utf-8") as fh:
        header = fh.readline().strip().split(",")
    try:
        values = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    except ValueError as err:
        raise DataFileError(f"{path}: expected a numeric CSV with a header row ({err})") from err
    return values, header


def load_features(
    path: PathLike, *, features_key: str = "X", labels_key: str | None = "y"
) -> tuple[np.ndarray, np.ndarray | None]:
    """Features (float32, N x D) and labels from a user file.

    - ``.npy``: features only (labels None);
    - ``.npz``: arrays ``features_key`` and ``labels_key``;
    - ``.csv`` (header row) / ``.parquet``: column ``labels_key`` holds the labels,
      every other column is a feature.

    Labels are returned as stored (int64 for 1-D class labels, 2-D 0/1 for multi-label).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "d.npz"
    >>> np.savez(p, X=np.ones((2, 3)), y=np.array([0, 1]))
    >>> [a.shape for a in load_features(p)]
    [(2, 3), (2,)]
    """
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: features file not found")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _as_features(np.load(path, allow_pickle=False), path), None
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as arrays:
            if features_key not in arrays:
                raise DataFileError(f"{path}: no array {features_key!r}; it holds {arrays.files}")
            y = arrays[labels_key] if labels_key and labels_key in arrays else None
            return _as_features(arrays[features_key], path), _as_labels(y, path)
    if suffix in (".csv", ".parquet"):
        values, cols = _table(path)
        if labels_key is None or labels_key not in cols:
            return _as_features(values, path), None
        j = cols.index(labels_key)
        return _as_features(np.delete(values, j, axis=1), path), _as_labels(values[:, j], path)
    raise DataFileError(f"{path}: unsupported suffix {suffix!r}; use .npy, .npz, .csv or .parquet")


def _as_features(X: np.ndarray, path: Path) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.number):
        raise DataFileError(
            f"{path}: features must be a numeric 2-D array, got {X.dtype} {X.shape}"
        )
    if not np.isfinite(X).all():
        raise DataFileError(f"{path}: features contain NaN or infinite values")
    return X.astype(np.float32, copy=False)


def _as_labels(y: np.ndarray | None, path: Path) -> np.ndarray | None:
    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim == 2:
        return load_multilabel(y, where=str(path))
    if y.ndim != 1 or not np.all(np.equal(np.mod(y, 1), 0)):
        raise DataFileError(f"{path}: labels must be 1-D integers or a 2-D 0/1 matrix")
    return y.astype(np.int64)


def load_multilabel(source: PathLike | np.ndarray, *, where: str = "") -> np.ndarray:
    """Multi-label matrix (N, n_labels) of 0/1 as uint8, from an array or a .npy/.txt/.csv file.

    Text files hold one row per item, values separated by spaces or commas.

    Examples
    --------
    >>> load_multilabel(np.array([[0, 1], [1, 1]])).tolist()
    [[0, 1], [1, 1]]
    """
    if isinstance(source, np.ndarray):
        Y, where = source, where or "labels"
    else:
        path, where = Path(source), str(source)
        if not path.exists():
            raise DataFileError(f"{path}: label matrix file not found")
        if path.suffix == ".npy":
            Y = np.load(path, allow_pickle=False)
        else:
            text = path.read_text().replace(",", " ")
            Y = np.array([row.split() for row in text.splitlines() if row.strip()], dtype=float)
    if Y.ndim != 2 or not np.isin(Y, (0, 1)).all():
        raise DataFileError(f"{where}: expected a 2-D matrix of 0/1 labels, got shape {Y.shape}")
    return Y.astype(np.uint8)
