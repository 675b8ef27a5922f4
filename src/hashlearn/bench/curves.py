"""Curves and derived values of benchmark records, for the report's plots.

The runner computes the metrics of :func:`precision_at_n_metrics` and keeps
them as a record's ``precision_at_n`` curve (:func:`precision_at_n_curve`).
Values within a Hamming radius also come from the record's PR curve by radius
(:func:`record_metric`), so older records give them too.

>>> names = precision_at_n_metrics(1497)
>>> names[:3], names[-1]
(['precision@1', 'precision@5', 'precision@10'], 'precision@1000')
"""

from __future__ import annotations

from typing import Any

from hashlearn._validation import check_positive_int
from hashlearn.metrics.evaluate import parse_metric
from hashlearn.metrics.radius import RadiusSpec
from hashlearn.metrics.ranking import PrecisionSpec

SMALL_CUTOFFS = (1, 5, 10, 20, 50)
CUTOFF_STEP = 100
MAX_CUTOFF = 1000


def precision_at_n_cutoffs(n_db: int, max_n: int = MAX_CUTOFF) -> list[int]:
    """The N of the precision@N curve: 1, 5, 10, 20, 50, then every 100 up to the maximum.

    The maximum is ``max_n`` or the database size, whichever is smaller; it is
    always the last cut-off.

    >>> precision_at_n_cutoffs(250)
    [1, 5, 10, 20, 50, 100, 200, 250]
    """
    top = min(check_positive_int(n_db, "n_db"), check_positive_int(max_n, "max_n"))
    steps = range(CUTOFF_STEP, top + 1, CUTOFF_STEP)
    return sorted({*(n for n in SMALL_CUTOFFS if n < top), *steps, top})


def precision_at_n_metrics(n_db: int, max_n: int = MAX_CUTOFF) -> list[str]:
    """Metric names (for :func:`hashlearn.metrics.evaluate_codes`) of the precision@N curve.

    >>> precision_at_n_metrics(20)
    ['precision@1', 'precision@5', 'precision@10', 'precision@20']
    """
    return [f"precision@{n}" for n in precision_at_n_cutoffs(n_db, max_n)]


def precision_at_n_curve(metrics: dict[str, float]) -> dict[str, list]:
    """Every ``precision@N`` value of ``metrics`` as a curve sorted by N (empty lists if none).

    >>> precision_at_n_curve({"map": 0.5, "precision@10": 0.7, "precision@1": 1.0})
    {'n': [1, 10], 'precision': [1.0, 0.7]}
    """
    specs = {name: parse_metric(name) for name in metrics}
    points = sorted(
        (spec.topk, metrics[name])
        for name, spec in specs.items()
        if isinstance(spec, PrecisionSpec)
    )
    return {"n": [n for n, _ in points], "precision": [v for _, v in points]}


def record_metric(record: dict[str, Any], name: str) -> float | None:
    """``record["metrics"][name]``, or a ball metric read off the PR curve; None if absent.

    ``name`` is a metric name of :func:`hashlearn.metrics.evaluate_codes`.

    >>> rec = {"metrics": {"map": 0.5},
    ...        "pr_curve": {"radius": [0, 1, 2], "precision": [1.0, 0.8, 0.6],
    ...                     "recall": [0.1, 0.3, 0.4]}}
    >>> record_metric(rec, "recall_at_radius_2"), record_metric(rec, "precision@5")
    (0.4, None)
    """
    if name in record["metrics"]:
        return float(record["metrics"][name])
    ball = parse_metric(name)
    curve = record.get("pr_curve") or {}
    if not isinstance(ball, RadiusSpec) or ball.radius not in curve.get("radius", []):
        return None
    kind = "recall" if ball.recall else "precision"
    return float(curve[kind][curve["radius"].index(ball.radius)])
