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

    >>> import hashlearn, numpy as np, tempfile
    >>> X = np.random.default_rng(0).normal(size=(100, 8))
    >>> m = hashlearn.create("lsh", n_bits=8, random_state=0).fit(X)
    >>> d = m.save(tempfile.mkdtemp())
    >>> bool((hashlearn.load(d).encode(X) == m.encode(X)).all())
    True
    """
    config = read_model_config(folder)
    if n_bits is not None and int(config["n_bits"]) != n_bits:
        raise ModelFileError(
            f"model in {folder} has n_bits={config['n_bits']}, expected n_bits={n_bits}"
        )
    params = dict(config.get("params", {}))
    params.pop("n_bits", None)
    model = create(config["method"], n_bits=int(config["n_bits"]), **params)
    arrays = read_model_arrays(folder, config)
    model._set_state(arrays, config.get("state", {}))
    return model
