"""User files: features, labels and image folders, for Python and the command line.

One reader, one set of rules: :func:`load_features`, :func:`load_image_folder`
and :func:`load_multilabel` in Python, and the command line's ``--data``,
``--labels`` and ``--queries``, all read files through :func:`read_table`,
:func:`read_labels` and :func:`~hashlearn.data.image_folder.read_image_folder`.

Features (:func:`read_table`)
    ``.npy``: the array. ``.npz``: the array named by ``features_key`` (in
    Python, ``X`` by default and required); without a name (the command line),
    the array ``X``, ``features`` or ``data``, else the first array that does
    not hold labels. Its labels are the array ``y``, ``label`` or ``labels``.
    ``.csv``: numbers separated by commas, ``#`` comments, and an optional
    header row (a first row that is not all numbers). ``.csv`` with a header
    and ``.parquet``: a column ``id`` gives the row ids, a column ``y``,
    ``label`` or ``labels`` the labels, and every other column is a feature.
    An image folder, or a tar archive of one: the pixels / 255 of each image
    (one value per pixel of a grey image, three, RGB, of any other). Features
    must be a 2-D array of finite numbers (float64, or the ``dtype`` asked for).
Labels (:func:`read_labels`)
    1-D class labels (integer numbers, as int64, or strings, kept as they
    are) or a 2-D 0/1 multi-label matrix (uint8). Label files: ``.npy``; ``.npz``
    (the array ``y``, ``label`` or ``labels``, else the first); ``.parquet``
    (the labels column, else every column); any other file is text: numbers
    separated by commas (and, except in ``.csv``, spaces), optional header.
Image folders (:mod:`hashlearn.data.image_folder`)
    Every image below the folder, or in the tar archive, with a suffix in
    ``IMAGE_SUFFIXES``. An image's class is the name of its folder (the
    folder's own name for images directly inside it); a folder ``train`` or
    ``test`` above the class folder puts it in that split. Order: ``train``
    (or no split) before ``test``, then class name, then path. All images must
    have one size. A folder of one class gives features without labels.

Where the command line and the library once differed, the rule that loses
nothing was kept: headers are optional, every label column name is known,
images at any depth are read, all image suffixes of both are accepted, and
features are read as float64 (``load_features`` still returns float32). An
``id`` column holds ids, never features.
Errors are :class:`DataFileError` (a ``ValueError``) naming the file, after
``what`` (the command line's option) when given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hashlearn._validation import check_features, check_labels

from .download import DataFileError
from .image_folder import error_prefix, existing_path, is_image_source, read_image_folder
from .image_folder import member_bytes as member_bytes  # cifar10 imports it from here
from .paths import PathLike

FEATURE_SUFFIXES = (".npy", ".npz", ".csv", ".parquet")
FEATURE_KEYS = ("X", "features", "data")
LABEL_KEYS = ("y", "label", "labels")
ID_COLUMN = "id"

LabelsKey = str | Sequence[str] | None


@dataclass
class Table:
    """Rows read from a user file: feature values, and the ids and labels it carries."""

    values: np.ndarray
    ids: np.ndarray | None = None
    labels: np.ndarray | None = None


def load_numpy(path: PathLike, what: str = "", **options: Any) -> Any:
    """``np.load`` without pickles; a file not in numpy's format gets one clear error.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.npy"
    >>> np.save(p, np.arange(3)); load_numpy(p).tolist()
    [0, 1, 2]
    """
    p = Path(path)
    try:
        return np.load(p, allow_pickle=False, **options)
    except (ValueError, EOFError):
        raise DataFileError(
            f"{error_prefix(what)}{p} is not a valid {p.suffix} array file; "
            "write arrays with numpy.save (.npy) or numpy.savez (.npz)"
        ) from None


def _names(key: LabelsKey) -> tuple[str, ...]:
    """The names a key stands for: one name, several, or none."""
    if key is None:
        return ()
    return (key,) if isinstance(key, str) else tuple(key)


def read_table(
    path: PathLike,
    what: str = "",
    *,
    features_key: str | None = None,
    labels_key: LabelsKey = LABEL_KEYS,
    dtype: Any = np.float64,
) -> Table:
    """Features, and the ids and labels that come with them, from a file or image folder.

    ``features_key`` names the ``.npz`` array of features (required when given);
    ``labels_key`` the array or column(s) of labels (the first found; None: no labels).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("id,f0,f1,y\\n7,0.5,1.0,3\\n")
    >>> t = read_table(p); t.values.tolist(), t.ids.tolist(), t.labels.tolist()
    ([[0.5, 1.0]], [7], [3])
    """
    p = existing_path(path, what)
    if is_image_source(p):
        table = image_table(p, what, as_features=True)
    elif p.suffix.lower() == ".npy":
        table = Table(load_numpy(p, what))
    elif p.suffix.lower() == ".npz":
        table = _npz_table(p, what, features_key, _names(labels_key))
    elif p.suffix.lower() in (".csv", ".parquet"):
        table = _columns_table(*_read_columns(p, what), _names(labels_key), error_prefix(what), p)
    else:
        raise DataFileError(
            f"{error_prefix(what)}{p} has an unsupported suffix {p.suffix!r}; use one of "
            f"{', '.join(FEATURE_SUFFIXES)}, an image folder or a tar archive of one"
        )
    return _checked(table, error_prefix(what), p, dtype)


def image_table(path: PathLike, what: str = "", *, as_features: bool = False) -> Table:
    """The images of a folder or archive (:func:`read_image_folder`) as rows: the ids
    are their paths, the labels their classes (none for a folder of one class)."""
    images = read_image_folder(path, what, as_features=as_features)
    labels = images.labels if len(images.classes) > 1 else None
    return Table(images.pixels, images.names, labels)


def _checked(table: Table, prefix: str, path: Path, dtype: Any) -> Table:
    """``table`` with finite 2-D features of ``dtype``, integer ids and checked labels."""
    try:
        values = check_features(table.values, name=f"{prefix}{path}", dtype=dtype)
    except (TypeError, ValueError) as err:
        raise DataFileError(str(err)) from None
    labels = table.labels
    if labels is not None:
        labels = _checked_labels(labels, values.shape[0], f"{prefix}labels in {path}")
    return Table(values, _integral(table.ids), labels)


def _checked_labels(labels: Any, n_rows: int, name: str) -> np.ndarray:
    try:
        checked = check_labels(labels, n_rows, name, encode=False)
    except (TypeError, ValueError) as err:
        raise DataFileError(str(err)) from None
    return checked.astype(np.uint8) if checked.ndim == 2 else checked


def _integral(ids: np.ndarray | None) -> np.ndarray | None:
    """Ids read as floats (a text file) that are whole numbers become int64."""
    if ids is None or ids.dtype.kind != "f" or not np.all(ids == np.round(ids)):
        return ids
    return ids.astype(np.int64)


def read_array(
    path: PathLike,
    what: str = "",
    *,
    preferred: Sequence[str] = FEATURE_KEYS,
    required: str | None = None,
) -> np.ndarray:
    """The array of a ``.npy`` file, or one array of an ``.npz`` file: ``required``
    (which must be there), else the first of ``preferred``, else the first that
    does not hold labels, else the first.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.npz"
    >>> np.savez(p, y=np.zeros(2), emb=np.ones((2, 2))); read_array(p).shape
    (2, 2)
    """
    p = existing_path(path, what)
    if p.suffix.lower() != ".npz":
        return np.asarray(load_numpy(p, what))
    with load_numpy(p, what) as archive:
        return np.asarray(archive[_npz_key(list(archive.keys()), p, what, preferred, required)])


def _npz_key(
    keys: list[str], p: Path, what: str, preferred: Sequence[str], required: str | None
) -> str:
    if required is not None and required not in keys:
        raise DataFileError(f"{error_prefix(what)}{p} has no array {required!r}; it holds {keys}")
    named = [k for k in preferred if k in keys]
    ordered = (
        [required]
        if required is not None
        else named + [k for k in keys if k not in LABEL_KEYS] + keys
    )
    if not ordered:
        raise DataFileError(f"{error_prefix(what)}{p} holds no arrays")
    return ordered[0]


def _npz_table(p: Path, what: str, features_key: str | None, labels: tuple[str, ...]) -> Table:
    with load_numpy(p, what) as archive:
        keys = list(archive.keys())
        key = _npz_key(keys, p, what, FEATURE_KEYS, features_key)
        label_key = next((k for k in labels if k in keys), None)
        return Table(archive[key], labels=None if label_key is None else archive[label_key])


def _read_columns(p: Path, what: str) -> tuple[list[str], list[np.ndarray]]:
    """Column names and values of a ``.parquet`` or text file (without a header: "0", "1", ...)."""
    if p.suffix.lower() == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError as err:
            raise ImportError(f"{p}: reading parquet needs `pip install pyarrow`") from err
        table = pq.read_table(p)
        return table.column_names, [table.column(c).to_numpy() for c in table.column_names]
    values, header = read_text_table(p, what)
    names = header or [str(j) for j in range(values.shape[1])]
    return names, list(values.T)


def _columns_table(
    names: list[str], columns: list[np.ndarray], labels: tuple[str, ...], prefix: str, p: Path
) -> Table:
    """Split named columns into ids (``id``), labels (the first of ``labels``) and features."""
    ids_at = _column_index(names, (ID_COLUMN,))
    labels_at = _column_index(names, labels)
    features = [c for j, c in enumerate(columns) if j not in (ids_at, labels_at)]
    if not features:
        raise DataFileError(f"{prefix}{p} has no feature columns besides the ids and labels")
    pick = lambda j: None if j is None else columns[j]  # noqa: E731
    return Table(np.column_stack(features), pick(ids_at), pick(labels_at))


def _column_index(names: list[str], wanted: tuple[str, ...]) -> int | None:
    """Position of the first column named as the first of ``wanted`` found (None if none)."""
    return next((names.index(n) for n in wanted if n in names), None)


def read_text_table(p: Path, what: str = "") -> tuple[np.ndarray, list[str] | None]:
    """Numbers of a text file (2-D float64) and its header row, if it has one.

    Fields are separated by commas, and also by spaces unless the file is a
    ``.csv``; ``#`` starts a comment. A first row that is not all numbers is the header.
    """
    sep = "," if p.suffix.lower() == ".csv" else None
    line_number, first = _first_row(p, sep)
    if line_number < 0:
        raise DataFileError(f"{error_prefix(what)}{p} holds no rows")
    header = None if all(_is_number(field) for field in first) else first
    with open(p, encoding="utf-8") as handle:
        lines = handle if sep else (line.replace(",", " ") for line in handle)
        skip = line_number + (header is not None)
        try:
            values = np.loadtxt(lines, delimiter=sep, comments="#", skiprows=skip, ndmin=2)
        except ValueError as err:
            raise DataFileError(
                f"{error_prefix(what)}{p}: expected rows of numbers after an optional header: {err}"
            ) from None
    if header is not None and values.size and len(header) != values.shape[1]:
        raise DataFileError(
            f"{error_prefix(what)}{p}: the header names {len(header)} columns, the rows have "
            f"{values.shape[1]}"
        )
    return values, header


def _first_row(p: Path, sep: str | None) -> tuple[int, list[str]]:
    """The number of the first line holding fields, and its fields (-1 and [] if none)."""
    with open(p, encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            text = line.split("#", 1)[0]
            text = text if sep else text.replace(",", " ")
            if text.strip():
                return number, [field.strip() for field in text.split(sep)]
    return -1, []


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_labels(path: PathLike, what: str = "") -> np.ndarray:
    """Labels from a label file: 1-D class labels or a 2-D 0/1 matrix (rules above).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "y.csv"
    >>> _ = p.write_text("3\\n1\\n2\\n")
    >>> read_labels(p).tolist()
    [3, 1, 2]
    """
    p = existing_path(path, what)
    if p.suffix.lower() in (".npy", ".npz"):
        labels = read_array(p, what, preferred=LABEL_KEYS)
    else:
        names, columns = _read_columns(p, what)
        labels_at = _column_index(names, LABEL_KEYS)
        chosen = columns if labels_at is None else [columns[labels_at]]
        labels = np.column_stack(chosen) if len(chosen) > 1 else chosen[0]
    return _checked_labels(labels, len(labels), f"{error_prefix(what)}labels in {p}")


def load_image_folder(path: PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Read ``<split>/<class>/<image>`` (or ``<class>/<image>``) from a folder or tar(.gz).

    Order is deterministic: split ``train`` first, then ``test``, then class
    name, then path. All images must share one size (rules in the module docstring).

    Returns
    -------
    images : uint8 (N, H, W, 3); labels : int64 (N,) indices into ``class_names``;
    is_train : bool (N,) (all True without split folders); class_names : sorted names.

    Examples
    --------
    >>> imgs, y, is_train, names = load_image_folder("my_images/")  # doctest: +SKIP
    """
    images = read_image_folder(path)
    return images.pixels, images.labels, images.is_train, images.classes


def load_features(
    path: PathLike, *, features_key: str = "X", labels_key: LabelsKey = LABEL_KEYS
) -> tuple[np.ndarray, np.ndarray | None]:
    """Features (float32, N x D) and labels from a user file (rules in the module docstring).

    - ``.npy``: features only (labels None);
    - ``.npz``: arrays ``features_key`` (required) and ``labels_key``;
    - ``.csv`` (optional header row) / ``.parquet``: a column ``labels_key``
      holds the labels, a column ``id`` the ids (left out), every other column
      is a feature; an image folder or tar archive: pixels / 255.

    ``labels_key``: a name, or names tried in turn (default ``y``, ``label``,
    ``labels``); None for no labels. Labels are int64 for 1-D numbers, as
    stored for strings, uint8 for a 2-D 0/1 matrix.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "d.npz"
    >>> np.savez(p, X=np.ones((2, 3)), y=np.array([0, 1]))
    >>> [a.shape for a in load_features(p)]
    [(2, 3), (2,)]
    """
    table = read_table(path, features_key=features_key, labels_key=labels_key, dtype=np.float32)
    return table.values, table.labels


def load_multilabel(source: PathLike | np.ndarray, *, where: str = "") -> np.ndarray:
    """Multi-label matrix (N, n_labels) of 0/1 as uint8, from an array or a label file.

    Text files hold one row per item, values separated by spaces or commas.

    Examples
    --------
    >>> load_multilabel(np.array([[0, 1], [1, 1]])).tolist()
    [[0, 1], [1, 1]]
    """
    if isinstance(source, np.ndarray):
        Y, where = source, where or "labels"
    else:
        Y, where = read_labels(source), str(source)
    if Y.ndim != 2 or not np.isin(Y, (0, 1)).all():
        raise DataFileError(f"{where}: expected a 2-D matrix of 0/1 labels, got shape {Y.shape}")
    return Y.astype(np.uint8)
