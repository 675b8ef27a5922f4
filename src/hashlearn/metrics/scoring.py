"""scikit-learn scorers: retrieval quality for ``GridSearchCV(..., scoring=...)``.

A scorer is called as ``scorer(estimator, X, y)``: it encodes ``X`` with the
fitted estimator and ranks every row against the *other* rows of ``X``
(leave-one-out: a row never retrieves itself), with rows of the same class
relevant to each other. The metric is any name :func:`evaluate_codes` accepts
("map", "map@K", "precision@K", "precision_at_radius_R", ...).

>>> import numpy as np
>>> from sklearn.model_selection import GridSearchCV
>>> from hashlearn.hashers import ITQ
>>> rng = np.random.default_rng(0)
>>> y = np.arange(120) % 3
>>> X = rng.normal(size=(120, 8)) + 3 * np.eye(8)[y]
>>> search = GridSearchCV(ITQ(random_state=0), {"n_bits": [1, 4]}, scoring=map_scorer, cv=2)
>>> search.fit(X, y).best_params_
{'n_bits': 4}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from hashlearn.codes import pack_bits
from hashlearn.metrics.evaluate import canonical_metric_name, evaluate_codes, parse_metric
from hashlearn.packbits import PackBits


def leave_one_out_score(codes: np.ndarray, labels: Any, n_bits: int, metric: str = "map") -> float:
    """``metric`` of packed ``codes`` ranked against each other, each row left out of its ranking.

    >>> codes = np.array([[1], [0], [3]], np.uint8)
    >>> leave_one_out_score(codes, ["a", "b", "b"], n_bits=2)
    0.3333333333333333
    """
    scores = evaluate_codes(
        codes, codes, labels, labels, n_bits=n_bits, metrics=[metric], exclude_self=True
    )
    return scores[canonical_metric_name(metric)]


def _bits(estimator: Any, X: Any) -> np.ndarray:
    """The 0/1 codes of ``X``: a hasher's ``transform``, or a Pipeline's before its PackBits."""
    if isinstance(estimator, Pipeline) and isinstance(estimator[-1], PackBits):
        estimator = estimator[:-1]
    bits = np.asarray(estimator.transform(X))
    if bits.ndim != 2 or bits.dtype.kind not in "iub" or not np.isin(bits, (0, 1)).all():
        raise TypeError(
            f"estimator: a hashing scorer needs a hasher (or a Pipeline ending in a hasher, "
            f"or in one and PackBits) whose transform gives 0/1 bits; {type(estimator).__name__} "
            f"gave an array of dtype {bits.dtype} and shape {bits.shape}"
        )
    return bits


@dataclass(frozen=True)
class HashingScorer:
    """Scorer ``(estimator, X, y) -> float``: leave-one-out ``metric`` of the codes of ``X``."""

    metric: str = "map"

    def __call__(self, estimator: Any, X: Any, y: Any) -> float:
        if y is None:
            raise ValueError(
                "y is required: a hashing scorer counts rows with the same label as relevant"
            )
        bits = _bits(estimator, X)
        return leave_one_out_score(pack_bits(bits), y, bits.shape[1], self.metric)


def make_hashing_scorer(metric: str = "map") -> HashingScorer:
    """A scorer for ``scoring=`` that ranks by ``metric`` (a name :func:`evaluate_codes` accepts).

    >>> make_hashing_scorer("precision_at_radius_2")
    HashingScorer(metric='precision_at_radius_2')
    """
    parse_metric(metric)  # an unknown name fails here, not in the middle of a search
    return HashingScorer(metric)


#: Leave-one-out mAP, the score of :meth:`hashlearn.base.BaseHasher.score`.
map_scorer = HashingScorer("map")
