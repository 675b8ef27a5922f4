"""Crash-safe checkpoints of the BDNN alternation, stored like a model folder.

A checkpoint folder holds ``config.json`` (stage, scores, early-stopping
counters, a fingerprint of the data and hyper-parameters) and one safetensors
file (weights, codes, best weights, the shuffling generator's state), written
through :func:`hashlearn.persistence.save_model_folder` (atomic, checksummed).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hashlearn.persistence import (
    CONFIG_NAME,
    read_model_arrays,
    read_model_config,
    save_model_folder,
)

CHECKPOINT_METHOD = "bdnn-checkpoint"


def fingerprint(X: np.ndarray, y: np.ndarray | None, params: dict[str, Any]) -> str:
    """sha256 of the training data and the hyper-parameters that shape the run.

    >>> a = fingerprint(np.zeros((2, 2)), None, {"n_bits": 8})
    >>> a == fingerprint(np.zeros((2, 2)), None, {"n_bits": 16}), len(a)
    (False, 64)
    """
    digest = hashlib.sha256(np.ascontiguousarray(X, dtype=np.float64).tobytes())
    if y is not None:
        digest.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    digest.update(repr(sorted(params.items())).encode())
    return digest.hexdigest()


def save_checkpoint(
    folder: str | os.PathLike[str], tensors: dict[str, torch.Tensor], meta: dict[str, Any]
) -> None:
    """Write ``tensors`` and ``meta`` (JSON-able) atomically into ``folder``.

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> save_checkpoint(d, {"a": torch.ones(2)}, {"stage": 1})
    >>> load_checkpoint(d)[1]["stage"]
    1
    """
    arrays = {k: v.detach().cpu().numpy() for k, v in tensors.items()}
    save_model_folder(folder, {"method": CHECKPOINT_METHOD, "meta": meta}, arrays)


def load_checkpoint(
    folder: str | os.PathLike[str],
) -> tuple[dict[str, torch.Tensor], dict[str, Any]] | None:
    """The checkpoint in ``folder`` as (tensors, meta), or None if there is none."""
    if not (Path(folder) / CONFIG_NAME).is_file():
        return None
    config = read_model_config(folder)
    if config.get("method") != CHECKPOINT_METHOD:
        raise ValueError(
            f"checkpoint_dir {folder} holds a {config.get('method')!r} model "
            "folder, not a BDNN checkpoint"
        )
    arrays = read_model_arrays(folder, config)
    return {k: torch.from_numpy(np.array(v)) for k, v in arrays.items()}, config["meta"]
