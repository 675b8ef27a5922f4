"""Crash-safe training checkpoints of every deep method, stored like a model folder.

A checkpoint folder holds ``config.json`` (the kind of checkpoint, the run's
counters and history, and a fingerprint of the data and hyper-parameters of
the run) and one safetensors file (weights, optimiser and random states, best
weights so far), written through :func:`hashlearn.persistence.save_model_folder`
(atomic, checksummed, no pickle). Resuming refuses a checkpoint of another run
(:func:`check_same_run`); checkpoints written before fingerprints were stored
(HashNet and DHN) carry none and are accepted.

Two layouts: the BDNN alternation's (:class:`hashlearn.deep.bdnn.training.CheckpointHook`)
and the pairwise loop's (:func:`save_training_state`, :func:`load_training_state`):
network weights and buffers (HashNet's continuation counter and beta included), the
optimiser state, the best weights so far, torch's RNG state, the epoch and
iteration counters (the learning-rate schedule is a function of the iteration)
and the history.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from hashlearn.persistence import (
    CONFIG_NAME,
    read_model_arrays,
    read_model_config,
    save_model_folder,
)

BDNN_CHECKPOINT = "bdnn-checkpoint"
PAIRWISE_CHECKPOINT = "hash-train-checkpoint"
_KIND_NAMES = {BDNN_CHECKPOINT: "BDNN", PAIRWISE_CHECKPOINT: "hashing training"}
Tensors = dict[str, torch.Tensor]

if TYPE_CHECKING:
    from hashlearn.deep.averaging import WeightAverage
    from hashlearn.deep.memory import CodeMemory


def fingerprint(arrays: Sequence[np.ndarray | None], params: dict[str, Any]) -> str:
    """sha256 of the bytes of ``arrays`` (None skipped) and of the sorted ``params``.

    >>> a = fingerprint([np.zeros((2, 2)), None], {"n_bits": 8})
    >>> a == fingerprint([np.zeros((2, 2))], {"n_bits": 16}), len(a)
    (False, 64)
    """
    return params_fingerprint(data_digest(arrays), params)


def data_digest(arrays: Sequence[np.ndarray | None]) -> hashlib._Hash:
    """The sha256 state after the bytes of ``arrays`` (None skipped): hash the data once,
    then :func:`params_fingerprint` for each set of parameters run on it."""
    digest = hashlib.sha256()
    for array in arrays:
        if array is not None:
            digest.update(np.ascontiguousarray(array).reshape(-1).view(np.uint8).data)
    return digest


def params_fingerprint(digest: hashlib._Hash, params: dict[str, Any]) -> str:
    """:func:`fingerprint` of the data hashed in ``digest`` (left unchanged) and ``params``.

    >>> data = [np.ones(3)]
    >>> params_fingerprint(data_digest(data), {"a": 1}) == fingerprint(data, {"a": 1})
    True
    """
    digest = digest.copy()
    digest.update(repr(sorted(params.items())).encode())
    return digest.hexdigest()


def check_same_run(folder: Any, found: str | None, expected: str) -> None:
    """Refuse a checkpoint whose fingerprint ``found`` is not this run's (None: written
    before fingerprints were kept, accepted).

    >>> check_same_run("ckpt", None, "abc")
    >>> check_same_run("ckpt", "abd", "abc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: checkpoint_dir ckpt holds a checkpoint of another run (different data ...
    """
    if found is not None and found != expected:
        raise ValueError(
            f"checkpoint_dir {folder} holds a checkpoint of another run (different data or "
            "hyper-parameters); use another folder, or resume=False to start afresh"
        )


def save_checkpoint(
    folder: str | os.PathLike[str], kind: str, tensors: Tensors, **config: Any
) -> None:
    """Write ``tensors`` and the JSON-able ``config`` entries atomically into ``folder``.

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> save_checkpoint(d, BDNN_CHECKPOINT, {"a": torch.ones(2)}, meta={"stage": 1})
    >>> load_checkpoint(d, BDNN_CHECKPOINT)[1]["meta"]
    {'stage': 1}
    """
    arrays = {k: v.detach().cpu().numpy() for k, v in tensors.items()}
    save_model_folder(folder, {"method": kind, **config}, arrays)


def load_checkpoint(
    folder: str | os.PathLike[str], kind: str
) -> tuple[Tensors, dict[str, Any]] | None:
    """The ``kind`` checkpoint in ``folder`` as (tensors, config), or None if there is none."""
    if not (Path(folder) / CONFIG_NAME).is_file():
        return None
    config = read_model_config(folder)
    if config.get("method") != kind:
        raise ValueError(
            f"checkpoint_dir {folder} holds a {config.get('method')!r} folder, "
            f"not a {_KIND_NAMES[kind]} checkpoint"
        )
    arrays = read_model_arrays(folder, config)
    return {k: torch.from_numpy(np.array(v)) for k, v in arrays.items()}, config


def _optimizer_tensors(state: dict[str, Any]) -> tuple[Tensors, dict[str, Any]]:
    tensors: Tensors = {}
    scalars: dict[str, Any] = {}
    for idx, entry in state["state"].items():
        for key, value in entry.items():
            name = f"optim.{idx}.{key}"
            if isinstance(value, torch.Tensor):
                tensors[name] = value
            else:
                scalars[name] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def _optimizer_state(tensors: Tensors, meta: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    items = [(k, v) for k, v in tensors.items() if k.startswith("optim.")]
    items += list(meta["scalars"].items())
    for name, value in items:
        _, idx, key = name.split(".", 2)
        state.setdefault(int(idx), {})[key] = value
    return {"state": state, "param_groups": meta["param_groups"]}


def _prefixed(tensors: Tensors, prefix: str) -> Tensors:
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}


def save_training_state(
    folder: str | os.PathLike[str],
    network: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    best: Tensors | None,
    meta: dict[str, Any],
    average: WeightAverage | None = None,
    memory: CodeMemory | None = None,
) -> None:
    """Write the pairwise loop's whole training state into ``folder`` crash-safely
    (with the moving average of the weights and the code memory, when the run keeps them)."""
    tensors = {f"model.{k}": v for k, v in network.state_dict().items()}
    tensors.update({f"best.{k}": v for k, v in (best or {}).items()})
    if average is not None:
        tensors.update({f"average.{k}": v for k, v in average.tensors().items()})
    if memory is not None:
        tensors.update({f"memory.{k}": v for k, v in memory.tensors().items()})
    optim_tensors, optim_meta = _optimizer_tensors(optimizer.state_dict())
    tensors.update(optim_tensors)
    tensors["rng.torch"] = torch.get_rng_state()
    save_checkpoint(
        folder,
        PAIRWISE_CHECKPOINT,
        tensors,
        meta=meta,
        optimizer=optim_meta,
        has_best=best is not None,
    )


def load_training_state(
    folder: str | os.PathLike[str],
    network: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    run_fingerprint: str | None = None,
    average: WeightAverage | None = None,
    memory: CodeMemory | None = None,
) -> tuple[dict[str, Any], Tensors | None] | None:
    """Restore a checkpoint into ``network``/``optimizer`` (and ``average``, ``memory``);
    return (meta, best) or None.

    With ``run_fingerprint``, a checkpoint of another run is refused before anything
    is restored (the fingerprint is kept in the run's ``TrainConfig``, ``meta["config"]``).
    """
    found = load_checkpoint(folder, PAIRWISE_CHECKPOINT)
    if found is None:
        return None
    tensors, config = found
    if run_fingerprint is not None:
        kept = config["meta"].get("config", {}).get("run_fingerprint")
        check_same_run(folder, kept, run_fingerprint)
    network.load_state_dict(_prefixed(tensors, "model."))
    optimizer.load_state_dict(_optimizer_state(tensors, config["optimizer"]))
    torch.set_rng_state(tensors["rng.torch"])
    if average is not None:
        average.restore(_prefixed(tensors, "average."))
    if memory is not None:
        memory.restore(_prefixed(tensors, "memory."))
    best = _prefixed(tensors, "best.") if config["has_best"] else None
    return config["meta"], best
