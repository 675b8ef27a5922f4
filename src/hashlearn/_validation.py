"""Input checks shared by every public function.

Each check raises a ``TypeError`` or ``ValueError`` whose message names the
argument, says what was expected and what came instead.

Integer arguments (:func:`check_int` and the checks built on it): a value
that is not an integer (``bool`` included) is a ``TypeError``, an integer out
of range a ``ValueError``. Labels: :func:`check_labels` for one set,
:func:`check_label_pair` for query and database labels compared with each other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_BITS = 4096


def check_int(value: Any, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int after checking it is an integer in ``minimum..maximum``.

    >>> check_int(3, "k", minimum=1)
    3
    >>> check_int(0, "k", minimum=1)
    Traceback (most recent call last):
    ValueError: k must be >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    too_small = minimum is not None and value < minimum
    if too_small or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {_int_range(minimum, maximum)}, got {value}")
    return int(value)


def _int_range(minimum: int | None, maximum: int | None) -> str:
    if maximum is None:
        return f">= {minimum}"
    if minimum is None:
        return f"<= {maximum}"
    return f"between {minimum} and {maximum}"


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int >= 1 (:func:`check_int`; the error says "a positive integer").

    >>> check_positive_int(5, "k")
    5
    """
    value = check_int(value, name)
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return value


def check_int64_column(values: Any, n_rows: int, name: str) -> np.ndarray:
    """``values`` as int64, after checking there are ``n_rows`` integers that fit.

    >>> check_int64_column([3, 1], 2, "ids").tolist()
    [3, 1]
    """
    column = np.asarray(values)
    if column.shape != (n_rows,) or column.dtype.kind not in "iu":
        raise ValueError(f"{name} must be {n_rows} integers (one per code), got {column.shape}")
    if column.dtype.kind == "u" and n_rows and column.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} must fit in int64, got {column.max()}")
    return column.astype(np.int64)


def check_n_bits(n_bits: Any, name: str = "n_bits", max_bits: int = MAX_BITS) -> int:
    """Return ``n_bits`` as an int after checking it is in ``1..max_bits``.

    >>> check_n_bits(32)
    32
    """
    return check_int(n_bits, name, minimum=1, maximum=max_bits)


def n_bytes_for(n_bits: int) -> int:
    """Number of bytes in one packed code of ``n_bits`` bits.

    >>> n_bytes_for(12)
    2
    """
    return (n_bits + 7) // 8


def check_packed(codes: Any, n_bits: int, name: str = "codes") -> np.ndarray:
    """Check that ``codes`` is a packed uint8 array of shape (n, ceil(n_bits/8)).

    Padding bits past ``n_bits`` in the last byte must be zero, so that Hamming
    distances never count them.

    >>> check_packed(np.zeros((3, 2), np.uint8), n_bits=16).shape
    (3, 2)
    """
    n_bits = check_n_bits(n_bits)
    if not isinstance(codes, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy array of packed uint8 codes, got {type(codes).__name__}"
        )
    if codes.dtype != np.uint8:
        raise TypeError(
            f"{name} must have dtype uint8 (packed codes, see hashlearn.codes.pack_bits), "
            f"got {codes.dtype}"
        )
    expected = n_bytes_for(n_bits)
    if codes.ndim != 2 or codes.shape[1] != expected:
        raise ValueError(
            f"{name} must have shape (n, {expected}) for n_bits={n_bits}, got {codes.shape}"
        )
    spare = expected * 8 - n_bits
    if spare and codes.shape[0] and np.any(codes[:, -1] >> np.uint8(8 - spare)):
        raise ValueError(
            f"{name} has bits set past n_bits={n_bits} in its last byte; "
            "were these codes packed with another n_bits?"
        )
    return codes


def check_features(
    X: Any, name: str = "X", min_samples: int = 1, dtype: Any = np.float64
) -> np.ndarray:
    """Return ``X`` as a finite 2-D float array with at least ``min_samples`` rows.

    >>> check_features([[0.0, 1.0]]).shape
    (1, 2)
    """
    if hasattr(X, "__array__") or isinstance(X, (list, tuple)):
        try:
            arr = np.asarray(X, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be numeric, could not convert: {exc}") from None
    else:
        raise TypeError(
            f"{name} must be an array-like of shape (n_samples, n_features), got {type(X).__name__}"
        )
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features), got an array of shape {arr.shape}"
        )
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} needs at least {min_samples} sample(s), got {arr.shape[0]}")
    if arr.shape[1] < 1:
        raise ValueError(f"{name} needs at least 1 feature, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def check_max_abs(X: np.ndarray, limit: float, advice: str, name: str = "X") -> np.ndarray:
    """Raise a clear error where ``|X|`` exceeds ``limit``; ``advice`` says why and what to do.

    >>> check_max_abs(np.ones((1, 2)), 10.0, "rescale").shape
    (1, 2)
    """
    largest = float(np.max(np.abs(X))) if X.size else 0.0
    if largest > limit:
        raise ValueError(f"{name} has values up to {largest:.3g}; {advice}")
    return X


def check_float32_range(X: np.ndarray, name: str = "X") -> np.ndarray:
    """Refuse values that float32 cannot represent (they would become inf and NaN codes).

    >>> check_float32_range(np.ones((1, 2))).shape
    (1, 2)
    """
    limit = float(np.finfo(np.float32).max)
    advice = f"this model computes in float32 (|x| <= {limit:.3g}): rescale the features"
    return check_max_abs(X, limit, advice, name)


#: dtype kinds of labels that are not numbers (strings, bytes, Python objects).
NON_NUMERIC_KINDS = "USO"


def class_codes(labels: np.ndarray, name: str = "y") -> np.ndarray:
    """Integer codes of 1-D labels of any sortable type (their rank among the distinct labels).

    Encode the labels of two sets in one call (concatenated) so that equal
    labels get equal codes.

    >>> class_codes(np.array(["cat", "ant", "cat"])).tolist()
    [1, 0, 1]
    """
    try:
        _, codes = np.unique(labels, return_inverse=True)
    except TypeError as exc:
        raise TypeError(
            f"{name} mixes labels that cannot be compared ({exc}); use labels of one type"
        ) from None
    return codes.reshape(-1).astype(np.int64)


def check_labels(y: Any, n_samples: int, name: str = "y", *, encode: bool = True) -> np.ndarray:
    """Check class labels (1-D) or a multi-label 0/1 matrix (2-D, returned as int8).

    Numbers (integers, booleans, floats that hold integers) become int64.
    Strings and other objects become integer codes (:func:`class_codes`), so
    only equality between labels matters; with ``encode=False`` they are
    returned as they are (to encode two sets together, as :func:`check_label_pair` does).

    >>> check_labels([0, 1, 1], 3)
    array([0, 1, 1])
    >>> check_labels(["b", "a", "b"], 3)
    array([1, 0, 1])
    """
    if y is None:
        raise ValueError(f"{name} is required: this method is supervised")
    arr = np.asarray(y)
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be 1-D class labels or a 2-D 0/1 label matrix, got shape {arr.shape}"
        )
    if arr.shape[0] != n_samples:
        raise ValueError(f"{name} has {arr.shape[0]} rows, expected {n_samples} (one per sample)")
    if arr.ndim == 2:
        if not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} as a 2-D label matrix must contain only 0 and 1")
        return arr.astype(np.int8)
    if arr.dtype.kind in NON_NUMERIC_KINDS:
        return class_codes(arr, name) if encode else arr
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must contain integer class labels")
        return arr.astype(np.int64)
    if arr.dtype.kind not in "iub":
        raise TypeError(
            f"{name} must hold class labels (integers, strings or objects), got dtype {arr.dtype}"
        )
    return arr.astype(np.int64)


def check_label_pair(
    query_labels: Any,
    db_labels: Any,
    n_queries: int,
    n_db: int,
    names: tuple[str, str] = ("query_labels", "db_labels"),
) -> tuple[np.ndarray, np.ndarray]:
    """Check two sets of labels (:func:`check_labels`) that are compared with each other.

    Query and database labels of a metric, or the training and validation
    labels of a fit (``names=("y", "y_val")``). Both must be of one kind (1-D
    numbers, 1-D strings or objects, or 2-D matrices with as many columns).
    Strings and objects are encoded together, so that equal labels get equal codes.

    >>> q, db = check_label_pair(["cat"], ["dog", "cat"], 1, 2)
    >>> q.tolist(), db.tolist()
    ([0], [1, 0])
    """
    first, second = names
    qy = check_labels(query_labels, n_queries, first, encode=False)
    dby = check_labels(db_labels, n_db, second, encode=False)
    if qy.ndim != dby.ndim:
        raise ValueError(f"{first} is {qy.ndim}-D but {second} is {dby.ndim}-D; use the same kind")
    if qy.ndim == 2:
        if qy.shape[1] != dby.shape[1]:
            raise ValueError(
                f"{first} has {qy.shape[1]} label columns but {second} has {dby.shape[1]}"
            )
        return qy, dby
    named = [kind in NON_NUMERIC_KINDS for kind in (qy.dtype.kind, dby.dtype.kind)]
    if named[0] != named[1]:
        raise TypeError(
            f"{first} (dtype {qy.dtype}) and {second} (dtype {dby.dtype}) must be labels "
            "of the same kind: both numbers, or both strings or objects"
        )
    if not named[0]:
        return qy, dby
    codes = class_codes(np.concatenate([qy, dby]), f"{first} and {second}")
    return codes[: len(qy)], codes[len(qy) :]


def labels_to_onehot(y: np.ndarray) -> np.ndarray:
    """Turn class labels into a one-hot matrix; pass a 0/1 label matrix through.

    >>> labels_to_onehot(np.array([0, 2])).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    if y.ndim == 2:
        return y.astype(np.float64)
    _, inverse = np.unique(y, return_inverse=True)
    onehot = np.zeros((y.shape[0], int(inverse.max()) + 1 if y.size else 0))
    onehot[np.arange(y.shape[0]), inverse] = 1.0
    return onehot
