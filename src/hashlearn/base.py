"""The estimator interface every hashing method implements.

One contract: ``fit(X, y=None, *, X_val=None, y_val=None)`` for every method
(supervised methods refuse ``y=None`` with one clear error). Subclasses
implement ``_learn`` (or, methods that select a model on validation rows,
``_fit``) and ``_project`` (real values before thresholding); ``fit``,
``transform`` (0/1 bits), ``encode`` (packed codes), ``score`` (leave-one-out
mAP, for model selection), ``get_feature_names_out`` (so ``set_output`` works),
``save`` / ``save_pretrained``, ``from_pretrained`` and the state hooks used by
:func:`hashlearn.load` come from here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from hashlearn import __version__
from hashlearn._blas import BlasPolicy, fit_blas_threads
from hashlearn._validation import check_features, check_labels, check_n_bits
from hashlearn.codes import binarize, pack_bits
from hashlearn.loading import load
from hashlearn.persistence import save_model_folder

Hasher = TypeVar("Hasher", bound="BaseHasher")


class BaseHasher(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Base class of all hashers: real projection -> bits -> packed codes.

    Subclasses set ``method_name`` (the registry name), store hyper-parameters
    verbatim in ``__init__`` and implement ``_learn`` (or ``_fit``) and
    ``_project``. The output columns of ``transform`` are named after the class
    (``itq0``, ``itq1``, ...).
    """

    method_name: ClassVar[str] = ""
    supervised: ClassVar[bool] = False
    #: BLAS threads of the fit: one for small inputs, or always one / all (``hashlearn._blas``).
    blas_policy: ClassVar[BlasPolicy] = "by_input_size"
    n_bits: int

    def fit(self: Hasher, X: Any, y: Any = None, *, X_val: Any = None, y_val: Any = None) -> Hasher:
        """Learn the hash functions from ``X`` (with labels ``y``, which supervised methods need).

        ``X_val``, ``y_val``: validation rows. Methods that select their model on
        validation data (the deep ones) use them instead of rows carved from ``X``
        (``val_size``); the others check them (as many features as ``X``, one
        label per row) and use neither.
        """
        self._check_fit_arguments(y, X_val, y_val)
        self._fit(X, y, X_val, y_val)
        return self

    def _fit(self, X: Any, y: Any, X_val: Any, y_val: Any) -> None:
        """Learn from ``X`` and ``y``; the validation rows are only checked (see ``fit``).

        Small fits run with one BLAS thread (``hashlearn._blas``).
        """
        with fit_blas_threads(X, self.blas_policy):
            self._learn(X, y)
        self._check_validation_rows(X_val, y_val)

    def _learn(self, X: Any, y: Any) -> None:
        """Set the fitted attributes from the training rows ``X`` (and labels ``y``)."""
        raise NotImplementedError

    def _check_fit_arguments(self, y: Any, X_val: Any, y_val: Any) -> None:
        if self.supervised and y is None:
            raise ValueError(
                f"y is required: {type(self).__name__} is a supervised method; call fit(X, y)"
            )
        if X_val is None and y_val is not None:
            raise ValueError("y_val was given without X_val: pass both, or neither")

    def _check_validation_rows(self, X_val: Any, y_val: Any) -> None:
        if X_val is None:
            return
        X_val = self._check_width(check_features(X_val, name="X_val"), "X_val")
        if y_val is not None:
            check_labels(y_val, X_val.shape[0], "y_val")

    def _check_width(self, X: np.ndarray, name: str = "X") -> np.ndarray:
        expected = getattr(self, "n_features_in_", X.shape[1])
        if X.shape[1] != expected:
            raise ValueError(
                f"{name} has {X.shape[1]} features, but this model was fitted with {expected}"
            )
        return X

    def project(self, X: Any) -> np.ndarray:
        """Real-valued codes (n_samples, n_bits); bit k is 1 where column k >= 0."""
        self._check_fitted()
        return self._project(self._check_width(check_features(X)))

    def _project(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _probe_input(self) -> np.ndarray:
        """One all-zero input row of the fitted shape (a loaded model's self-check)."""
        return np.zeros((1, int(self.n_features_in_)))

    def transform(self, X: Any) -> np.ndarray:
        """Unpacked bits (n_samples, n_bits) uint8 in {0, 1}."""
        return binarize(self.project(X))

    def encode(self, X: Any) -> np.ndarray:
        """Packed codes (n_samples, ceil(n_bits/8)) uint8, LSB first."""
        return pack_bits(self.transform(X))

    def score(self, X: Any, y: Any) -> float:
        """Leave-one-out mAP of ``X``: each row ranks all other rows; same label = relevant.

        What ``GridSearchCV`` maximises when no ``scoring`` is given; see
        :func:`hashlearn.metrics.make_hashing_scorer` for other metrics.
        """
        from hashlearn.metrics.scoring import map_scorer

        return map_scorer(self, X, y)

    @property
    def _n_features_out(self) -> int:
        """Columns of ``transform`` (read by scikit-learn's ``get_feature_names_out``)."""
        self._check_fitted()
        return int(self.n_bits)

    def _check_fitted(self) -> None:
        try:
            check_is_fitted(self)
        except NotFittedError:
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(X) first"
            ) from None

    def _validate_n_bits(self) -> int:
        return check_n_bits(self.n_bits)

    # --- persistence -------------------------------------------------------
    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Save to a folder (config.json + safetensors arrays); no pickle.

        Load it back with :func:`hashlearn.load`.
        """
        self._check_fitted()
        arrays, state = self._get_state()
        config = {
            "method": self.method_name,
            "params": self.get_params(deep=False),
            "n_bits": int(self.n_bits),
            "bit_order": "lsb",
            "library_version": __version__,
            "state": state,
        }
        return save_model_folder(folder, config, arrays)

    def save_pretrained(self, folder: str | os.PathLike[str]) -> Path:
        """Hugging Face style name of :meth:`save`."""
        return self.save(folder)

    @classmethod
    def from_pretrained(cls: type[Hasher], folder: str | os.PathLike[str]) -> Hasher:
        """Load a model saved in ``folder``, checking that it is a ``cls``.

        Same as :func:`hashlearn.load`, with a ``TypeError`` when the folder
        holds another method's model.
        """
        model = load(folder)
        if not isinstance(model, cls):
            found = type(model).__name__
            raise TypeError(
                f"folder {str(folder)!r} holds a model of class {found} (method "
                f"{model.method_name!r}); {cls.__name__}.from_pretrained loads only "
                f"{cls.__name__} models: use {found}.from_pretrained or hashlearn.load"
            )
        return model

    def _get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Learned attributes (ending in ``_``): arrays and JSON-able scalars."""
        arrays: dict[str, np.ndarray] = {}
        state: dict[str, Any] = {}
        for key, value in vars(self).items():
            if not key.endswith("_") or key.startswith("_"):
                continue
            if isinstance(value, np.ndarray):
                arrays[key] = value
            elif isinstance(value, (int, float, str, bool, list, dict, np.integer, np.floating)):
                state[key] = value.item() if hasattr(value, "item") else value
        return arrays, state

    def _set_state(self, arrays: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        for key, value in {**state, **arrays}.items():
            setattr(self, key, value)
