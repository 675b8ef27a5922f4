"""``PackBits``: the encode step at the end of a scikit-learn Pipeline.

A hasher's ``transform`` gives 0/1 bits, one column per bit; ``PackBits``
packs them into the library's code format (uint8, LSB first, as
:func:`hashlearn.codes.pack_bits`), so a Pipeline's ``transform`` gives the
packed codes that the metrics and the indexes take.

>>> import numpy as np
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from hashlearn.hashers import ITQ
>>> X = np.random.default_rng(0).normal(size=(100, 16))
>>> make_pipeline(StandardScaler(), ITQ(n_bits=12, random_state=0), PackBits()).fit(X).transform(
...     X
... ).shape
(100, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin

from hashlearn._validation import n_bytes_for
from hashlearn.codes import _check_bits, pack_bits


class PackBits(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Pack (n, n_bits) 0/1 bits into (n, ceil(n_bits/8)) uint8 codes, LSB first.

    Stateless: ``fit`` only checks the bits and records their number
    (``n_features_in_``); ``transform`` works without it.

    >>> PackBits().fit_transform(np.array([[1, 0, 0, 0, 0, 0, 0, 0, 1]])).tolist()
    [[1, 1]]
    """

    def fit(self, X: Any, y: Any = None) -> PackBits:
        """Check that ``X`` holds 0/1 bits and record how many columns it has."""
        self.n_features_in_ = _check_bits(X, "X").shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Packed codes of the 0/1 bits ``X``."""
        bits = _check_bits(X, "X")
        expected = getattr(self, "n_features_in_", bits.shape[1])
        if bits.shape[1] != expected:
            raise ValueError(f"X has {bits.shape[1]} bits, but PackBits was fitted on {expected}")
        return pack_bits(bits)

    @property
    def _n_features_out(self) -> int:
        """Bytes per packed code (read by scikit-learn's ``get_feature_names_out``)."""
        return n_bytes_for(self.n_features_in_)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags
