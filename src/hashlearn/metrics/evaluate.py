"""Several metrics in one counting pass: :func:`evaluate_codes`.

Metric names:

* ``"map"``, ``"map@K"``: mAP (stable ties, AP@K normalised by relevant retrieved);
* ``"map_tie_avg"``, ``"map_tie_avg@K"``: the same with ties="average";
* ``"map_bdnn"``: preset ``bdnn_matlab`` (trapezoid AP over the full ranking);
* ``"map_<preset>"``, ``"map_<preset>@K"``: any preset of :data:`PRESETS`;
* ``"precision@K"``: precision within the top K;
* ``"precision_at_radius_R"``, ``"recall_at_radius_R"``: Hamming ball of radius R.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from hashlearn.metrics._engine import evaluation, mean_of
from hashlearn.metrics.radius import RadiusSpec
from hashlearn.metrics.ranking import PRESETS, APSpec, PrecisionSpec

_MAP = re.compile(r"map(?:_(?P<variant>[a-z_]+?))?(?:@(?P<k>\d+))?")
_PREC = re.compile(r"precision@(?P<k>\d+)")
_BALL = re.compile(r"(?P<kind>precision|recall)_at_radius_(?P<r>\d+)")


def parse_metric(name: Any) -> Any:
    """Turn a metric name into a spec object (ValueError naming ``metrics`` if unknown).

    >>> parse_metric("map@1000").topk
    1000
    """
    if not isinstance(name, str):
        raise TypeError(f"metrics must be a sequence of metric names, got {name!r}")
    if m := _BALL.fullmatch(name):
        return RadiusSpec(int(m["r"]), recall=m["kind"] == "recall")
    if (m := _PREC.fullmatch(name)) and int(m["k"]) > 0:
        return PrecisionSpec(int(m["k"]))
    m = _MAP.fullmatch(name)
    if m and (m["k"] is None or int(m["k"]) > 0):
        k = None if m["k"] is None else int(m["k"])
        variant = {"bdnn": "bdnn_matlab"}.get(m["variant"], m["variant"])
        if variant is None or variant == "tie_avg":
            return APSpec(topk=k, ties="average" if variant else "stable")
        if variant in PRESETS:
            return APSpec.build(k, "stable", "zero", variant, "retrieved", "none")
    raise ValueError(
        f"metrics: unknown metric name {name!r}; expected map, map@K, map_tie_avg[@K], "
        f"map_bdnn, map_<preset>[@K] (presets {sorted(PRESETS)}), precision@K, "
        "precision_at_radius_R or recall_at_radius_R"
    )


def evaluate_codes(
    query_codes: Any,
    db_codes: Any,
    query_labels: Any = None,
    db_labels: Any = None,
    *,
    n_bits: int,
    relevance: Any = None,
    metrics: Any = ("map", "precision_at_radius_2"),
) -> dict[str, float]:
    """Compute several metrics with one pass over the database per query chunk.

    Returns a dict ``{name: value}`` in the order of ``metrics`` (names in the
    module docstring).

    Examples
    --------
    >>> q = np.array([[0]], np.uint8)
    >>> db = np.array([[1], [0], [3]], np.uint8)
    >>> evaluate_codes(q, db, [1], [0, 1, 1], n_bits=2, metrics=("map", "precision@1"))
    {'map': 0.8333333333333333, 'precision@1': 1.0}
    """
    if isinstance(metrics, str) or not hasattr(metrics, "__iter__"):
        raise TypeError(f"metrics must be a sequence of metric names, got {metrics!r}")
    specs = {name: parse_metric(name) for name in metrics}
    if not specs:
        raise ValueError("metrics is empty: name at least one metric")
    ev = evaluation(query_codes, db_codes, query_labels, db_labels, n_bits, relevance)
    ranked = [s for s in specs.values() if not isinstance(s, RadiusSpec)]
    stable_ks = sorted({ev.clip_k(s.topk) for s in ranked if s.ties == "stable"})
    avg_ks = sorted({ev.clip_k(s.topk) for s in ranked if s.ties == "average"})
    parts: dict[str, list[np.ndarray]] = {name: [] for name in specs}
    for chunk in ev.chunks(tuple(stable_ks), stable=bool(stable_ks), avg_ks=tuple(avg_ks)):
        for name, spec in specs.items():
            if isinstance(spec, RadiusSpec):
                parts[name].append(spec.values(chunk))
            else:
                cols = stable_ks if spec.ties == "stable" else avg_ks
                parts[name].append(spec.values(ev, chunk, cols.index(ev.clip_k(spec.topk))))
    return {name: mean_of(np.concatenate(v)) if v else float("nan") for name, v in parts.items()}
