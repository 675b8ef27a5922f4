"""Shared plumbing of the torch-based estimators: build, project in chunks, save/load.

A deep estimator subclasses :class:`TorchHasher`, implements
``_build_module(n_features)`` (the network whose output is the real-valued
code layer) and ``_fit(X, y, X_val, y_val)``; projection, persistence (weights
in safetensors, no pickle) and device handling come from here.

Every deep estimator keeps the same things, under the same names:

* ``progress`` (bool): its own progress output on stderr while it trains.
* ``val_size``: validation rows carved from the training rows of ``fit``,
  never from the queries, for model selection; ignored when ``fit`` is given
  ``X_val`` (and ``y_val``). 0 = no validation.
* ``history_``: one dict per epoch (HashNet, DHN) or per stage (BDNN:
  pre-training, then each alternation) with at least the keys of
  :data:`HISTORY_KEYS`; ``history_row`` builds one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from hashlearn._validation import check_float32_range
from hashlearn.base import BaseHasher
from hashlearn.persistence import ModelFileError

MODULE_PREFIX = "module."
#: The keys every row of a deep estimator's ``history_`` has: "stage" (what the row
#: is: "epoch", "pre-training" or "alternation"), "epoch" (its number: the epoch
#: from 1, or BDNN's stage, 0 for pre-training), "loss" (the training loss or
#: cost; None where unknown), "val_map" (validation mAP, None without validation)
#: and "seconds".
HISTORY_KEYS = ("stage", "epoch", "loss", "val_map", "seconds")


def history_row(
    stage: str,
    epoch: int,
    loss: float | None,
    val_map: float | None,
    seconds: float,
    **extra: Any,
) -> dict[str, Any]:
    """One row of ``history_``: the :data:`HISTORY_KEYS`, then a method's own ``extra``.

    >>> history_row("epoch", 1, 0.5, None, 2.0, beta=1.0)
    {'stage': 'epoch', 'epoch': 1, 'loss': 0.5, 'val_map': None, 'seconds': 2.0, 'beta': 1.0}
    """
    row = {"stage": stage, "epoch": epoch, "loss": loss, "val_map": val_map, "seconds": seconds}
    return row | extra


def check_validation_shape(X: np.ndarray, X_val: np.ndarray) -> None:
    """Refuse validation rows of another shape than the training rows.

    >>> check_validation_shape(np.zeros((4, 3)), np.zeros((2, 5)))
    Traceback (most recent call last):
    ...
    ValueError: X_val rows have shape (5,), X rows (3,): give validation rows like the training rows
    """
    if X_val.shape[1:] != X.shape[1:]:
        raise ValueError(
            f"X_val rows have shape {X_val.shape[1:]}, X rows {X.shape[1:]}: "
            "give validation rows like the training rows"
        )


def default_device() -> torch.device:
    """The GPU when one is there, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class TorchHasher(BaseHasher):
    """Base of deep hashers: ``module_`` maps features to real-valued codes.

    Subclasses must set ``n_features_in_``, ``module_`` and ``history_`` in
    ``_fit`` and implement :meth:`_build_module` so that :func:`hashlearn.load`
    can rebuild the network before loading its weights.
    """

    progress: bool

    batch_size_project: int = 8192

    def _build_module(self, n_features: int) -> torch.nn.Module:
        raise NotImplementedError

    def _project(self, X: np.ndarray) -> np.ndarray:
        if next(self.module_.parameters()).dtype == torch.float32:
            check_float32_range(X)
        return self._project_rows(X, None, self.batch_size_project)

    def _project_rows(
        self,
        X: Any,
        transform: Any,
        batch_size: int,
        precision: str = "float32",
        mirror: bool = False,
        device: torch.device | None = None,
    ) -> np.ndarray:
        """``module_``'s real-valued outputs (n, n_bits) of ``transform(rows)`` in batches
        (``mirror``: averaged with those of the mirror images), computed on ``device``
        (None: the CPU); ``module_`` is back on the CPU afterwards."""
        from hashlearn.deep.training import project_rows

        module = self.module_ if device is None else self.module_.to(device)
        try:
            real = project_rows(module, X, transform, batch_size, precision, mirror)
        finally:
            self.module_.cpu()
        return real if len(real) else np.zeros((0, int(self.n_bits)))

    def _get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, state = super()._get_state()
        for key, tensor in self.module_.state_dict().items():
            arrays[MODULE_PREFIX + key] = tensor.detach().cpu().numpy()
        return arrays, state

    def _set_state(self, arrays: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        weights = {
            k[len(MODULE_PREFIX) :]: torch.from_numpy(v.copy())
            for k, v in arrays.items()
            if k.startswith(MODULE_PREFIX)
        }
        rest = {k: v for k, v in arrays.items() if not k.startswith(MODULE_PREFIX)}
        super()._set_state(rest, state)
        n_features = getattr(self, "n_features_in_", None)
        if not isinstance(n_features, int) or n_features < 1:
            raise ModelFileError("model state has no valid 'n_features_in_' (edited or corrupted)")
        module = self._build_module(n_features)
        try:  # assign: every weight and buffer keeps the dtype it was saved with
            module.load_state_dict(weights, assign=True)
        except RuntimeError as exc:
            raise ModelFileError(f"model weights do not fit the network: {exc}") from None
        self.module_ = module.eval()
