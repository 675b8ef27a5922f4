"""Saving and loading models without pickle.

A model folder holds ``config.json`` (method, hyper-parameters, n_bits, bit
order, library version, scalar state, the model's fingerprint, and the name and
sha256 of the arrays file) and ``model.safetensors`` (the learned arrays): the
file names Hugging Face tools recognise.

A save is crash-safe: both new files are first written complete (and flushed)
into the staging folder ``.saving/`` inside the model folder, ``config.json``
last; then ``model.safetensors`` and ``config.json`` are renamed over the old
ones, in that order. A crash at any moment leaves a folder that loads, the old
model or the new one: while ``.saving/config.json`` exists the new model is
read from the staging folder (its arrays from there, or from the model folder
once renamed), otherwise the model folder's own ``config.json`` is read. The
next save finishes an interrupted one before it starts. Other files in the
folder are left alone.

Folders of the earlier layout (``arrays-<sha>.safetensors``, named in
``config.json``) still load; saving over one removes its old arrays file.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from hashlearn._io import atomic_write_bytes, atomic_write_json, fsync_dir, sha256_bytes
from hashlearn.fingerprint import fingerprint_of

FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
ARRAYS_NAME = "model.safetensors"
STAGING_NAME = ".saving"
OLD_ARRAYS_PATTERN = "arrays-*.safetensors"


class ModelFileError(ValueError):
    """A model folder is missing, corrupted, or of an incompatible version."""


def save_model_folder(
    folder: str | os.PathLike[str],
    config: dict[str, Any],
    arrays: dict[str, np.ndarray],
) -> Path:
    """Write ``config`` and ``arrays`` into ``folder`` crash-safely; return the folder.

    >>> import tempfile
    >>> out = save_model_folder(tempfile.mkdtemp(), {"method": "demo"}, {"w": np.ones(2)})
    >>> sorted(p.name for p in out.iterdir())
    ['config.json', 'model.safetensors']
    """
    from safetensors.numpy import save

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    _finish_interrupted_save(out)
    staging = out / STAGING_NAME
    shutil.rmtree(staging, ignore_errors=True)  # an unfinished save of no consequence
    payload = save({k: np.ascontiguousarray(v) for k, v in arrays.items()})
    fingerprint = fingerprint_of(
        config.get("method"), config.get("n_bits"), config.get("state", {}), arrays
    )
    full = dict(
        config,
        format_version=FORMAT_VERSION,
        arrays_file=ARRAYS_NAME,
        arrays_sha256=sha256_bytes(payload),
        fingerprint=fingerprint,
    )
    atomic_write_bytes(staging / ARRAYS_NAME, payload)
    atomic_write_json(staging / CONFIG_NAME, full)  # the commit: the new model now loads
    _finish_interrupted_save(out)
    for stale in out.glob(OLD_ARRAYS_PATTERN):
        stale.unlink(missing_ok=True)
    return out


def _finish_interrupted_save(folder: Path) -> None:
    """Move a committed staging folder's files into ``folder`` (arrays first), then drop it."""
    staging = folder / STAGING_NAME
    if not (staging / CONFIG_NAME).is_file():
        return
    for name in (ARRAYS_NAME, CONFIG_NAME):
        if (staging / name).is_file():
            os.replace(staging / name, folder / name)
    fsync_dir(folder)
    shutil.rmtree(staging, ignore_errors=True)


def _current_folder(folder: Path) -> Path:
    """Where the config of the model to load lies: the staging folder after a committed,
    unfinished save, else the model folder itself."""
    staging = folder / STAGING_NAME
    return staging if (staging / CONFIG_NAME).is_file() else folder


def read_model_config(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check ``config.json`` of a model folder."""
    path = _current_folder(Path(folder)) / CONFIG_NAME
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

    name = str(config.get("arrays_file", ""))
    staged = _current_folder(Path(folder)) / name
    path = staged if staged.is_file() else Path(folder) / name
    if not path.is_file():
        raise ModelFileError(f"model arrays file {path} is missing")
    payload = path.read_bytes()
    if sha256_bytes(payload) != config.get("arrays_sha256"):
        raise ModelFileError(f"{path} is corrupted: its sha256 does not match config.json")
    return dict(load(payload))
