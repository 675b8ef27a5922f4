"""Checkpoints of :func:`hashlearn.deep.training.train_hashing` (atomic, checksummed).

Everything a resumed run needs to end exactly as an uninterrupted one: network
weights and buffers (the continuation counter and beta included), the
optimiser state, the best weights so far, torch's RNG state, the epoch and
iteration counters (the learning-rate schedule is a function of the
iteration) and the history. Written through
:func:`hashlearn.persistence.save_model_folder` (safetensors + JSON, no pickle).
"""

from __future__ import annotations

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

CHECKPOINT_METHOD = "hash-train-checkpoint"


def _optimizer_arrays(state: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, Any] = {}
    for idx, entry in state["state"].items():
        for key, value in entry.items():
            name = f"optim.{idx}.{key}"
            if isinstance(value, torch.Tensor):
                arrays[name] = value.detach().cpu().numpy()
            else:
                scalars[name] = value
    return arrays, {"param_groups": state["param_groups"], "scalars": scalars}


def _optimizer_state(arrays: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    items = [(k, v) for k, v in arrays.items() if k.startswith("optim.")]
    items += list(meta["scalars"].items())
    for name, value in items:
        _, idx, key = name.split(".", 2)
        state.setdefault(int(idx), {})[key] = value
    return {"state": state, "param_groups": meta["param_groups"]}


def save_training_state(
    folder: str | os.PathLike[str],
    network: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    best: dict[str, torch.Tensor] | None,
    meta: dict[str, Any],
) -> None:
    """Write the whole training state into ``folder`` crash-safely."""
    arrays = {f"model.{k}": v.detach().cpu().numpy() for k, v in network.state_dict().items()}
    for key, value in (best or {}).items():
        arrays[f"best.{key}"] = value.detach().cpu().numpy()
    optim_arrays, optim_meta = _optimizer_arrays(optimizer.state_dict())
    arrays.update(optim_arrays)
    arrays["rng.torch"] = torch.get_rng_state().numpy()
    config = {
        "method": CHECKPOINT_METHOD,
        "meta": meta,
        "optimizer": optim_meta,
        "has_best": best is not None,
    }
    save_model_folder(folder, config, arrays)


def load_training_state(
    folder: str | os.PathLike[str], network: torch.nn.Module, optimizer: torch.optim.Optimizer
) -> tuple[dict[str, Any], dict[str, torch.Tensor] | None] | None:
    """Restore a checkpoint into ``network``/``optimizer``; return (meta, best) or None."""
    if not (Path(folder) / CONFIG_NAME).is_file():
        return None
    config = read_model_config(folder)
    if config.get("method") != CHECKPOINT_METHOD:
        raise ValueError(
            f"checkpoint_dir {folder} holds a {config.get('method')!r} folder, "
            "not a hashing training checkpoint"
        )
    raw = read_model_arrays(folder, config)
    arrays = {k: torch.from_numpy(np.array(v)) for k, v in raw.items()}
    network.load_state_dict({k[6:]: v for k, v in arrays.items() if k.startswith("model.")})
    optimizer.load_state_dict(_optimizer_state(arrays, config["optimizer"]))
    torch.set_rng_state(arrays["rng.torch"])
    best = (
        {k[5:]: v for k, v in arrays.items() if k.startswith("best.")}
        if config["has_best"]
        else None
    )
    return config["meta"], best
