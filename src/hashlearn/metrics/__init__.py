"""Retrieval metrics on packed binary codes.

Every function takes packed query and database codes, ``n_bits``, and either
labels (1-D classes, or 2-D 0/1 multi-label matrices: relevant iff they share
a label) or an explicit ``relevance=`` matrix (dense bool or scipy.sparse).
There are only ``n_bits + 1`` distinct Hamming distances, so each query is
scored by counting passes instead of a sort, in query chunks (bounded memory).

* :func:`mean_average_precision`: mAP / mAP@k, ties "stable" or "average",
  normalisations and :data:`PRESETS` of the reference implementations;
* :func:`precision_at_k`; :func:`precision_at_radius`, :func:`recall_at_radius`;
* :func:`pr_curve_by_radius`, :func:`pr_curve_by_rank`;
* :func:`evaluate_codes`: several of them by name in one pass;
* :func:`make_hashing_scorer`, :data:`map_scorer`: scikit-learn scorers
  (``GridSearchCV(..., scoring=map_scorer)``), leave-one-out on the scored rows.

``mean_average_precision`` and ``precision_at_k`` take ``exclude_self=True``
when the queries are the database: each query then ranks the other rows only.

>>> import numpy as np
>>> from hashlearn.metrics import mean_average_precision
>>> q = np.array([[0]], np.uint8)
>>> db = np.array([[1], [0], [3]], np.uint8)
>>> round(mean_average_precision(q, db, [1], [0, 1, 1], n_bits=2), 4)
0.8333
"""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.metrics.curves import pr_curve_by_radius, pr_curve_by_rank
    from hashlearn.metrics.evaluate import canonical_metric_name, evaluate_codes
    from hashlearn.metrics.radius import precision_at_radius, recall_at_radius
    from hashlearn.metrics.ranking import PRESETS, mean_average_precision, precision_at_k
    from hashlearn.metrics.scoring import HashingScorer, make_hashing_scorer, map_scorer

__all__ = [
    "PRESETS",
    "HashingScorer",
    "canonical_metric_name",
    "evaluate_codes",
    "make_hashing_scorer",
    "map_scorer",
    "mean_average_precision",
    "pr_curve_by_radius",
    "pr_curve_by_rank",
    "precision_at_k",
    "precision_at_radius",
    "recall_at_radius",
]

__getattr__, __dir__ = attach(__name__, __file__)
