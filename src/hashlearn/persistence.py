"""Saving and loading models without pickle.

A model folder holds ``config.json`` (method, hyper-parameters, n_bits, bit
order, library version, scalar state, and the name and sha256 of the arrays
file) and ``arrays-<sha>.safetensors`` (the learned arrays). The arrays file is
written first under a content-addressed name, then ``config.json`` is swapped
in atomically, then stale arrays files are removed: a crash at any moment leaves
a folder that loads (the old model or the new one).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from hashlearn._io import atomic_write_bytes, atomic_write_json, sha256_bytes

FORMAT_VERSION = 1
CONFIG_NAME = "config.json"


class ModelFileError(ValueError):
    """A model folder is missing, corrupted, or of an incompatible version."""


def save_model_folder(
    folder: str | os.PathLike[str],
    config: dict[str, Any],
    arrays: dict[str, np.ndarray],
) -> Path:
    """Write ``config`` and ``arrays`` into ``folder`` crash-safely; return the folder."""
    from safetensors.numpy import save

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    payload = save({k: np.ascontiguousarray(v) for k, v in arrays.items()})
    digest = sha256_bytes(payload)
    arrays_name = f"arrays-{digest[:16]}.safetensors"
    atomic_write_bytes(out / arrays_name, payload)
    full = dict(
        config, format_version=FORMAT_VERSION, arrays_file=arrays_name, arrays_sha256=digest
    )
    atomic_write_json(out / CONFIG_NAME, full)
    for stale in out.glob("arrays-*.safetensors"):
        if stale.name != arrays_name:
            stale.unlink(missing_ok=True)
    return out


def read_model_config(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check ``config.json`` of a model folder."""
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        raise ModelFileError(f"{folder} is not a hashlearn model folder: {CONFIG_NAME} is missing")
    try:
        config = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path} is corrupted (not valid JSON): {exc}") from None
    if not isinstance(config, dict) or "method" not in config:
        raise ModelFileError(f"{path} does not describe a hashlearn model (no 'method')")
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has model format version {version}; this hashlearn "
            f"reads version {FORMAT_VERSION}"
        )
    if config.get("bit_order", "lsb") != "lsb":
        raise ModelFileError(f"{path} uses bit order {config['bit_order']!r}; expected 'lsb'")
    return config


def read_model_arrays(folder: str | os.PathLike[str], config: dict[str, Any]) -> dict[str, Any]:
    """Read the arrays file named in ``config`` and verify its checksum."""
    from safetensors.numpy import load

    path = Path(folder) / str(config.get("arrays_file", ""))
    if not path.is_file():
        raise ModelFileError(f"model arrays file {path} is missing")
    payload = path.read_bytes()
    if sha256_bytes(payload) != config.get("arrays_sha256"):
        raise ModelFileError(f"{path} is corrupted: its sha256 does not match config.json")
    return dict(load(payload))
