"""Model fingerprints: a short hash that says which model made a set of codes.

Codes of two models are not comparable, even at the same bit length. A model
folder, a codes file and an index file record the fingerprint of the model
that made them, so that a search of one model's index with another model's
queries can be refused (:func:`check_same_model`).

The fingerprint is the first 16 hex digits of a sha256 over the method name,
the code length, the learned scalar state and the learned arrays (names,
dtypes, shapes and bytes). Hyper-parameters are left out: they do not change
the codes of a fitted model (``progress``, ``device``, batch sizes), and a model
keeps its fingerprint when it is saved and loaded back. Training records (state
held in lists and dicts: per-epoch history, seconds per stage, the settings
chosen) are left out too, so fitting again with the same seed, data and thread
count gives the same fingerprint, as it gives the same codes.

>>> import hashlearn, numpy as np, tempfile
>>> X = np.random.default_rng(0).normal(size=(50, 4))
>>> model = hashlearn.create("lsh", n_bits=8, random_state=0).fit(X)
>>> fp = model_fingerprint(model)
>>> len(fp), fp == model_fingerprint(hashlearn.load(model.save(tempfile.mkdtemp())))
(16, True)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from hashlearn._io import json_default

__all__ = ["FINGERPRINT_LENGTH", "check_same_model", "fingerprint_of", "model_fingerprint"]

FINGERPRINT_LENGTH = 16


def fingerprint_of(
    method: Any, n_bits: Any, state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
) -> str:
    """The fingerprint of a model given as its method, code length, state and arrays.

    Training records in ``state`` (lists and dicts) do not count.

    >>> fingerprint_of("lsh", 8, {}, {"w_": np.zeros(2)}) == fingerprint_of("lsh", 8, {}, {})
    False
    """
    digest = hashlib.sha256()
    scalars = {k: v for k, v in state.items() if not isinstance(v, (list, tuple, dict))}
    header = {"method": method, "n_bits": n_bits, "state": scalars}
    digest.update(json.dumps(header, sort_keys=True, default=json_default).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(json.dumps([name, array.dtype.str, list(array.shape)]).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


def model_fingerprint(model: Any) -> str:
    """The fingerprint of a fitted hashlearn model (the same after save and load).

    Raises ``TypeError`` for objects that are not hashlearn models and
    ``NotFittedError`` for a model that is not fitted.
    """
    if not hasattr(model, "_get_state") or not hasattr(model, "method_name"):
        raise TypeError(
            f"model must be a fitted hashlearn model (from hashlearn.create or hashlearn.load), "
            f"got {type(model).__name__}"
        )
    model._check_fitted()
    arrays, state = model._get_state()
    return fingerprint_of(model.method_name, int(model.n_bits), state, arrays)


def check_same_model(
    expected: str | None,
    found: str | None,
    allow_other_model: bool = False,
    override: str = "allow_other_model=True",
) -> None:
    """Refuse codes of another model: ``expected`` (the index's) vs ``found`` (the queries').

    Nothing is refused when either fingerprint is unknown (``None``, codes from
    elsewhere) or when ``allow_other_model`` is true; ``override`` is how the
    error message tells the user to force the search.

    >>> check_same_model("a1", None)
    >>> check_same_model("a1", "b2")
    Traceback (most recent call last):
    ...
    ValueError: the index holds codes of model a1 but the queries were encoded by model b2: \
codes of different models are not comparable, even at the same bit length; encode the \
queries with the index's model, or pass allow_other_model=True to search anyway
    """
    if allow_other_model or expected is None or found is None or expected == found:
        return
    raise ValueError(
        f"the index holds codes of model {expected} but the queries were encoded by model "
        f"{found}: codes of different models are not comparable, even at the same bit "
        f"length; encode the queries with the index's model, or pass {override} to search anyway"
    )
