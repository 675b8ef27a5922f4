"""``hashlearn.load(folder)``: bring back any saved model, whatever its method."""

from __future__ import annotations

import os
from typing import Any

from hashlearn._registry import create
from hashlearn.persistence import ModelFileError, read_model_arrays, read_model_config


def load(folder: str | os.PathLike[str], n_bits: int | None = None) -> Any:
    """Load a model saved with ``model.save(folder)``.

    Parameters
    ----------
    folder : the model folder.
    n_bits : if given, the model must have this code length (a clear error otherwise).

    Examples
    --------
    >>> import hashlearn, numpy as np, tempfile
    >>> X = np.random.default_rng(0).normal(size=(100, 8))
    >>> m = hashlearn.create("lsh", n_bits=8, random_state=0).fit(X)
    >>> d = m.save(tempfile.mkdtemp())
    >>> bool((hashlearn.load(d).encode(X) == m.encode(X)).all())
    True
    """
    config = read_model_config(folder)
    if not isinstance(config.get("n_bits"), int) or isinstance(config["n_bits"], bool):
        raise ModelFileError(f"{folder}: config.json has no integer 'n_bits' (the code length)")
    if n_bits is not None and int(config["n_bits"]) != n_bits:
        raise ModelFileError(
            f"model in {folder} has n_bits={config['n_bits']}, expected n_bits={n_bits}"
        )
    params = dict(config.get("params", {}))
    params.pop("n_bits", None)
    model = create(config["method"], n_bits=int(config["n_bits"]), **params)
    arrays = read_model_arrays(folder, config)
    model._set_state(arrays, config.get("state", {}))
    _check_code_length(model, folder)
    return model


def _check_code_length(model: Any, folder: str | os.PathLike[str]) -> None:
    """The loaded state must be complete and produce codes of the length the config claims."""
    broken = f"model in {folder} is edited or corrupted"
    n_features = getattr(model, "n_features_in_", None)
    if not isinstance(n_features, int) or n_features < 1:
        raise ModelFileError(f"{broken}: no valid 'n_features_in_'")
    try:
        produced = model.project(model._probe_input()).shape[1]
    except AttributeError as exc:
        raise ModelFileError(f"{broken}: its state is incomplete ({exc})") from None
    if produced != model.n_bits:
        raise ModelFileError(
            f"model in {folder} claims n_bits={model.n_bits}, but its arrays produce "
            f"{produced}-bit codes: the config was edited or belongs to another model"
        )
