"""Shared plumbing of the torch-based estimators: build, project in chunks, save/load.

A deep estimator subclasses :class:`TorchHasher`, implements
``_build_module(n_features)`` (the network whose output is the real-valued
code layer) and ``fit``; projection, persistence (weights in safetensors, no
pickle) and device handling come from here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from hashlearn._validation import check_float32_range
from hashlearn.base import BaseHasher
from hashlearn.persistence import ModelFileError

MODULE_PREFIX = "module."


def default_device() -> torch.device:
    """The GPU when one is there, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class TorchHasher(BaseHasher):
    """Base of deep hashers: ``module_`` maps features to real-valued codes.

    Subclasses must set ``n_features_in_`` and ``module_`` in ``fit`` and
    implement :meth:`_build_module` so that :func:`hashlearn.load` can rebuild
    the network before loading its weights.
    """

    batch_size_project: int = 8192

    def _build_module(self, n_features: int) -> torch.nn.Module:
        raise NotImplementedError

    def _project(self, X: np.ndarray) -> np.ndarray:
        if next(self.module_.parameters()).dtype == torch.float32:
            check_float32_range(X)
        return self._project_rows(X, None, self.batch_size_project)

    def _project_rows(
        self, X: Any, transform: Any, batch_size: int, precision: str = "float32"
    ) -> np.ndarray:
        """``module_``'s real-valued outputs (n, n_bits) of ``transform(rows)`` in batches."""
        from hashlearn.deep.training import project_rows

        real = project_rows(self.module_, X, transform, batch_size, precision)
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
